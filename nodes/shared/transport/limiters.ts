export interface RateLimit {
	/** X: how many requests the portal's bucket holds */
	burst: number;
	/** Y: how many requests per second drain from it */
	perSecond: number;
}

export const STANDARD_PLAN: RateLimit = { burst: 50, perSecond: 2 };
export const ENTERPRISE_PLAN: RateLimit = { burst: 250, perSecond: 5 };

/**
 * A client-side copy of the portal's leaky bucket (spec §5): every request adds one, the level
 * drains at perSecond, and a request waits rather than overflow it.
 */
export class LeakyBucket {
	private level = 0;
	private updatedAt = Date.now();
	/** when a request was last counted: a bucket unused for a while is empty and may be forgotten */
	lastUsedAt = Date.now();

	constructor(private limit: RateLimit) {}

	setLimit(limit: RateLimit): void {
		this.limit = limit;
	}

	private drain(now: number): void {
		const elapsed = Math.max(0, now - this.updatedAt) / 1000;
		this.level = Math.max(0, this.level - elapsed * this.limit.perSecond);
		this.updatedAt = now;
	}

	/** Milliseconds to wait before one more request fits. */
	delayFor(now = Date.now()): number {
		this.drain(now);
		// one place of slack: the portal's own clock and ours never agree exactly
		const room = this.limit.burst - 1 - this.level;
		if (room >= 1) return 0;
		return Math.ceil(((1 - room) / this.limit.perSecond) * 1000);
	}

	/** Counts a request that is being sent now. */
	take(now = Date.now()): void {
		this.drain(now);
		this.level += 1;
		this.lastUsedAt = now;
	}

	/** The portal said the bucket is full: believe it. */
	markFull(now = Date.now()): void {
		this.drain(now);
		this.level = this.limit.burst;
	}
}

/** The total time one node run may spend waiting (pacing, back-off, limits). */
export class WaitBudget {
	private spentMs = 0;

	constructor(readonly totalMs: number) {}

	get remainingMs(): number {
		return Math.max(0, this.totalMs - this.spentMs);
	}

	/** Whether a wait of ms still fits. */
	affords(ms: number): boolean {
		return ms <= this.remainingMs;
	}

	/** Counts a wait that happened, or that is about to happen elsewhere (a retry's back-off). */
	spend(ms: number): void {
		if (ms > 0) this.spentMs += ms;
	}
}

/**
 * The plan's limit shared by several n8n processes (queue-mode workers, other instances) that call
 * the same portal: each paces itself to its share, so that together they stay under the limit.
 */
export function shareOf(limit: RateLimit, processes: number): RateLimit {
	if (processes <= 1) return limit;
	// a bucket of fewer than 2 never lets a request through (one place is kept as slack)
	return { burst: Math.max(2, Math.floor(limit.burst / processes)), perSecond: limit.perSecond / processes };
}
