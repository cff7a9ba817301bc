import { sleep } from 'n8n-workflow';

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
	}

	/** The portal said the bucket is full: believe it. */
	markFull(now = Date.now()): void {
		this.drain(now);
		this.level = this.limit.burst;
	}
}

const buckets = new Map<string, { bucket: LeakyBucket; lastUsed: number }>();
const IDLE_MS = 15 * 60 * 1000;

/**
 * One bucket per execution and portal, so that every Bitrix24 SIP node of a workflow run paces
 * against the same budget. Idle entries are dropped so the map cannot grow without end.
 */
export function sharedBucket(key: string, limit: RateLimit): LeakyBucket {
	const now = Date.now();
	for (const [other, entry] of buckets) {
		if (now - entry.lastUsed > IDLE_MS) buckets.delete(other);
	}
	let entry = buckets.get(key);
	if (!entry) {
		entry = { bucket: new LeakyBucket(limit), lastUsed: now };
		buckets.set(key, entry);
	}
	entry.lastUsed = now;
	entry.bucket.setLimit(limit);
	return entry.bucket;
}

/** The total time one node run may spend waiting (pacing, back-off, limits). */
export class WaitBudget {
	private spentMs = 0;

	constructor(readonly totalMs: number) {}

	get remainingMs(): number {
		return Math.max(0, this.totalMs - this.spentMs);
	}

	/** Sleeps for ms if the budget allows it; returns false (without sleeping) if it does not. */
	async wait(ms: number): Promise<boolean> {
		if (ms <= 0) return true;
		if (ms > this.remainingMs) return false;
		this.spentMs += ms;
		await sleep(ms);
		return true;
	}
}

/**
 * What the portal told about each method's operating time (spec §5): when its block resets, if it
 * said so. The fields may be missing, so a reset time is only ever one the portal gave.
 */
export class OperatingTimes {
	private readonly resetAt = new Map<string, number>();

	/** Remembers the reset time an answer carried; an answer without one changes nothing. */
	note(restMethod: string, time?: { operating_reset_at?: unknown }): void {
		const resetAt = Number(time?.operating_reset_at);
		if (Number.isFinite(resetAt) && resetAt > 0) this.resetAt.set(restMethod, resetAt);
	}

	/** Unix seconds when the method's block ends, if the portal said so and it is still ahead. */
	knownResetAt(restMethod: string, now = Date.now()): number | undefined {
		const resetAt = this.resetAt.get(restMethod);
		return resetAt !== undefined && resetAt * 1000 > now ? resetAt : undefined;
	}
}

