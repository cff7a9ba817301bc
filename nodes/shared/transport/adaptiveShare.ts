/**
 * How much of the configured rate limit this process may use, learnt from the portal's answers.
 *
 * Queue-mode workers and other n8n instances each keep their own copy of the portal's bucket, and
 * nodes cannot share memory or a lock between processes (and a community package may not bring a
 * store). So each process adapts instead: a refusal (503 QUERY_LIMIT_EXCEEDED) means that the
 * processes together went too fast, and this one halves its pace; a stretch of accepted requests
 * lets it creep back up, never above the configured limit. The creep is slow on purpose: with
 * batching one request carries up to 50 calls, so half the pace still carries far more calls than
 * n8n starts, while probing too eagerly would run into the portal again and again.
 */

/** A refusal halves the share. */
export const CUT_FACTOR = 0.5;
/**
 * Never below this share: a process that keeps losing to others still sends one request of up to
 * 50 calls every 4 s on a standard portal. More processes than that: set the Processes hint.
 */
export const MIN_SHARE = 1 / 8;
/**
 * Refusals within this time after a cut belong to the same overflow (requests already under way).
 */
export const CUT_COOLDOWN_MS = 3_000;
/**
 * After this long without a refusal, while requests are being accepted, the share grows by
 * RAISE_STEP.
 */
export const RAISE_EVERY_MS = 20_000;
export const RAISE_STEP = 0.05;

export class AdaptiveShare {
	private current = 1;
	private cutAt = Number.NEGATIVE_INFINITY;
	/** the start of the quiet stretch that the next raise is counted from (set by the first cut) */
	private quietSince = Number.NEGATIVE_INFINITY;

	/** The share of the configured limit this process uses now, between MIN_SHARE and 1. */
	get share(): number {
		return this.current;
	}

	/**
	 * The portal refused a request as too many: cut the share, once per overflow. Returns whether it
	 * cut.
	 */
	noteRefused(now: number): boolean {
		this.quietSince = now;
		if (now - this.cutAt < CUT_COOLDOWN_MS) return false;
		this.cutAt = now;
		this.current = Math.max(MIN_SHARE, this.current * CUT_FACTOR);
		return true;
	}

	/** The portal accepted a request: after a quiet stretch the share grows by one step. */
	noteAccepted(now: number): void {
		if (this.current >= 1) return;
		if (now - this.quietSince < RAISE_EVERY_MS) return;
		this.current = Math.min(1, this.current + RAISE_STEP);
		this.quietSince = now;
	}
}
