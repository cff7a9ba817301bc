/**
 * When the queue sends its next request: the grouping policy.
 *
 * In real n8n, concurrent executions do not start in the same instant: n8n takes them one by one
 * (webhook handling, database writes), so their calls arrive milliseconds or seconds apart. Sending
 * each call as soon as it arrives spends the portal's burst on single calls, and once the burst is
 * gone every call waits for the refill. Instead, while other executions of the same webhook are
 * about, the next request goes one steady interval after the last one, and calls arriving
 * meanwhile join it. The steady interval is a little longer than the refill's (STEADY_SHARE), and
 * longer still the fuller the bucket was after the last request (up to twice as long): requests
 * never go out faster than the portal refills, each carries everything that arrived since the last
 * one (up to 50 calls), and a process that keeps sending leaves room for others calling the portal
 * (another worker's requests would otherwise meet a bucket that this one keeps exactly full).
 *
 * Nothing waits when it would gain nothing: a lone execution (no other run of the webhook lately)
 * sends at once, whatever its number of calls, and a full batch goes at once.
 */

import { MAX_BATCH_COMMANDS } from './batch';

/** While calls keep coming, requests use this share of the refill: the rest is left to others. */
export const STEADY_SHARE = 0.8;

export interface GroupingInput {
	/** calls ready to be sent now that may share a batch */
	readyCalls: number;
	/** other executions of the webhook are about: calls that wait may get company */
	company: boolean;
	/** the bucket's level right after the last request, in requests, and its size */
	levelAtLastSend: number;
	burst: number;
	/** how many requests per second this process's bucket refills */
	perSecond: number;
	/** when this process last sent a request to the portal */
	lastSentAt: number;
}

/** The time between requests while calls keep coming, at a bucket's refill rate. */
export function steadyIntervalMs(perSecond: number): number {
	return 1000 / (perSecond * STEADY_SHARE);
}

/** The moment the next request should go: `now` or earlier means at once. */
export function sendAt(input: GroupingInput, now: number): number {
	if (!input.company || input.readyCalls >= MAX_BATCH_COMMANDS) return now;
	const interval = steadyIntervalMs(input.perSecond);
	// anchored on the last request, so that waking up early (a new call) never moves the moment
	return input.lastSentAt + interval * (1 + input.levelAtLastSend / input.burst);
}

/**
 * Which executions used a webhook lately: the company that makes waiting for more calls
 * worthwhile. Keyed by execution, so that the nodes of one execution in a row, or one node's
 * items, are never company for each other: a lone execution never waits.
 */
export class RecentRuns {
	private readonly seenAt = new Map<unknown, number>();

	/** An execution queued a call now. */
	note(execution: unknown, now: number): void {
		this.seenAt.set(execution, now);
	}

	/**
	 * Whether an execution other than the waiting ones queued a call within `windowMs`, or several
	 * wait.
	 */
	company(waiting: readonly unknown[], now: number, windowMs: number): boolean {
		const own = new Set(waiting);
		if (own.size > 1) return true;
		for (const [execution, at] of this.seenAt) {
			// forgetting old entries here keeps the map as small as the executions of the last window
			if (now - at > windowMs) this.seenAt.delete(execution);
			else if (!own.has(execution)) return true;
		}
		return false;
	}
}
