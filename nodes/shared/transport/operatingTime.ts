import type { TimeInfo } from './answer';

/** Bitrix24's operating-time limit per method and webhook when a portal is not set otherwise
 * (docs/bitrix24-behaviour.md#operating-time). */
export const DEFAULT_OPERATING_LIMIT_SECONDS = 420;
/** From this share of the limit on, a method's calls are spread out instead of sent at once. */
const SLOW_DOWN_FROM = 0.8;
/**
 * A basket of the portal's 10-minute window is one minute: the sum can only fall a minute later.
 */
const BASKET_MS = 60_000;
/** Calls of 0.1 s or less are not counted by the portal. */
const UNCOUNTED_SECONDS = 0.1;

interface MethodUse {
	/** the portal's running sum for the method, seconds, as of seenAt */
	operating: number;
	seenAt: number;
	/** unix seconds when the oldest basket leaves the window, if the portal said so */
	resetAt?: number;
	/** what one call added to the sum lately, seconds */
	costSeconds: number;
	/** when the node last let a call of this method go */
	lastSentAt: number;
}

/**
 * What the portal tells about each method's operating time
 * (docs/bitrix24-behaviour.md#operating-time), for one webhook: the running
 * sum (`time.operating`, sent only while the limiter is active) and when the oldest minute leaves
 * the window (`time.operating_reset_at`, only when known). Near the limit a method's calls are
 * spaced out so that the remaining run time lasts until the window moves on, instead of running
 * into 429 `OPERATION_TIME_LIMIT`. The limit itself is learned from the answers: a sum above it
 * without a block raises it, a block lowers it to the last sum seen. A reset time is only ever one
 * the portal gave.
 */
export class OperatingTimes {
	private readonly methods = new Map<string, MethodUse>();
	private readonly blockedUntil = new Map<string, number>();
	private limit = DEFAULT_OPERATING_LIMIT_SECONDS;

	/** The limit as far as the answers tell, in seconds per 10 minutes. */
	get limitSeconds(): number {
		return this.limit;
	}

	/**
	 * Reads the `time` of an answer the method ran for; an answer without operating time means its
	 * limiter is idle.
	 */
	note(restMethod: string, time: TimeInfo | undefined, now = Date.now()): void {
		const resetAt = Number(time?.operating_reset_at);
		if (Number.isFinite(resetAt) && resetAt > 0) this.blockedUntil.set(restMethod, resetAt);
		const operating = Number(time?.operating);
		if (time?.operating === undefined || !Number.isFinite(operating)) {
			this.methods.delete(restMethod);
			return;
		}
		const before = this.current(restMethod, now);
		const duration = Number(time.duration);
		const added = before
			? operating - before.operating
			: Number.isFinite(duration) && duration > UNCOUNTED_SECONDS
				? duration
				: 0;
		// the portal ran the call although the sum was already this high: its limit is higher
		if (before && before.operating > this.limit) this.limit = before.operating;
		this.methods.set(restMethod, {
			operating,
			seenAt: now,
			resetAt: Number.isFinite(resetAt) && resetAt > 0 ? resetAt : undefined,
			// a falling sum (a minute left the window) says nothing about one call's cost
			costSeconds: added > 0 ? added : (before?.costSeconds ?? 0),
			lastSentAt: before?.lastSentAt ?? 0,
		});
	}

	/** The portal blocked the method (429): its limit is at most the sum last seen. */
	noteBlocked(restMethod: string, now = Date.now()): void {
		const seen = this.current(restMethod, now);
		if (seen && seen.operating > 0 && seen.operating < this.limit) this.limit = seen.operating;
	}

	/** Unix seconds when the method's block ends, if the portal said so and it is still ahead. */
	knownResetAt(restMethod: string, now = Date.now()): number | undefined {
		const resetAt = this.blockedUntil.get(restMethod);
		return resetAt !== undefined && resetAt * 1000 > now ? resetAt : undefined;
	}

	/** The last reading while it still describes the window: until its reset, or a minute at most. */
	private current(restMethod: string, now: number): MethodUse | undefined {
		const use = this.methods.get(restMethod);
		if (!use) return undefined;
		const validUntil =
			use.resetAt !== undefined
				? Math.min(use.resetAt * 1000, use.seenAt + BASKET_MS)
				: use.seenAt + BASKET_MS;
		if (now >= validUntil) {
			this.methods.delete(restMethod);
			return undefined;
		}
		return use;
	}

	/**
	 * When the next call of the method may go (a time ≤ now: at once). Below 80 % of the limit,
	 * always at once; above it, the run time left is shared out over the time until the window
	 * moves on; at the limit, not before it moves on.
	 */
	nextSendAt(restMethod: string, now = Date.now()): number {
		const use = this.current(restMethod, now);
		if (!use || use.operating < SLOW_DOWN_FROM * this.limit || use.costSeconds <= 0) return now;
		const windowMovesAt = use.resetAt !== undefined ? use.resetAt * 1000 : use.seenAt + BASKET_MS;
		if (use.operating >= this.limit) return windowMovesAt;
		const callsLeft = Math.max(1, Math.floor((this.limit - use.operating) / use.costSeconds));
		return use.lastSentAt + Math.max(0, windowMovesAt - now) / callsLeft;
	}

	/** A call of the method leaves now. */
	sent(restMethod: string, now = Date.now()): void {
		const use = this.methods.get(restMethod);
		if (use) use.lastSentAt = now;
	}

	/** The last sum seen for the method, for messages. */
	operatingSeconds(restMethod: string, now = Date.now()): number | undefined {
		return this.current(restMethod, now)?.operating;
	}
}
