import { AdaptiveShare } from './adaptiveShare';

export interface RateLimit {
	/** X: how many requests the portal's bucket holds */
	burst: number;
	/** Y: how many requests per second drain from it */
	perSecond: number;
}

export const STANDARD_PLAN: RateLimit = { burst: 50, perSecond: 2 };
export const ENTERPRISE_PLAN: RateLimit = { burst: 250, perSecond: 5 };

/**
 * A client-side copy of the portal's leaky bucket (docs/bitrix24-behaviour.md#request-rate): every
 * request adds one, the level
 * drains at perSecond, and a request waits rather than overflow it. The limit it paces to is the
 * configured one (the plan, divided by the Processes hint) times the share this process has learnt
 * (adaptiveShare.ts): other processes calling the same portal are seen only through its refusals.
 */
export class LeakyBucket {
	private level = 0;
	private updatedAt = Date.now();
	/** when a request was last counted: a bucket unused for a while is empty and may be forgotten */
	lastUsedAt = Date.now();
	/** the level right after the last request was counted */
	levelAtLastUse = 0;
	readonly share = new AdaptiveShare();

	constructor(private configured: RateLimit) {}

	setLimit(limit: RateLimit): void {
		this.configured = limit;
	}

	/** The limit this process paces to now: the configured one times its learnt share. */
	get limit(): RateLimit {
		const share = this.share.share;
		if (share >= 1) return this.configured;
		// a bucket of fewer than 2 never lets a request through (one place is kept as slack)
		return {
			burst: Math.max(2, Math.floor(this.configured.burst * share)),
			perSecond: this.configured.perSecond * share,
		};
	}

	private drain(now: number): void {
		const elapsed = Math.max(0, now - this.updatedAt) / 1000;
		this.level = Math.max(0, this.level - elapsed * this.limit.perSecond);
		this.updatedAt = now;
	}

	/** How full the bucket is now, in requests. */
	levelAt(now = Date.now()): number {
		this.drain(now);
		return this.level;
	}

	/** Milliseconds to wait before one more request fits. */
	delayFor(now = Date.now()): number {
		this.drain(now);
		const { burst, perSecond } = this.limit;
		// one place of slack: the portal's own clock and ours never agree exactly
		const room = burst - 1 - this.level;
		if (room >= 1) return 0;
		return Math.ceil(((1 - room) / perSecond) * 1000);
	}

	/** Counts a request that is being sent now. */
	take(now = Date.now()): void {
		this.drain(now);
		this.level += 1;
		this.lastUsedAt = now;
		this.levelAtLastUse = this.level;
	}

	/** The portal accepted a request: a quiet stretch lets the share grow back. */
	accepted(now = Date.now()): void {
		this.drain(now);
		this.share.noteAccepted(now);
	}

	/** The portal said the bucket is full: believe it, and take a smaller share of it from now on. */
	refused(now = Date.now()): void {
		this.drain(now);
		this.share.noteRefused(now);
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
	return {
		burst: Math.max(2, Math.floor(limit.burst / processes)),
		perSecond: limit.perSecond / processes,
	};
}
