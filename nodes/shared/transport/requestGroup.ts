import type { IDataObject } from 'n8n-workflow';

import { MAX_BATCH_COMMANDS } from './batch';
import { mayFormBatchReference } from './phpQuery';

/** A call waiting in the queue, as far as choosing its request goes. */
export interface WaitingCall {
	/** arrival order across all runs of the queue: earlier calls go first */
	readonly seq: number;
	readonly params: IDataObject;
	/** calls of one run with the same key never share a request (client.ts, CallOptions) */
	readonly orderKey?: string;
}

/** A run with calls waiting, in the order it made them. */
export interface WaitingRun {
	/** false: every call of the run goes alone */
	readonly batching: boolean;
	readonly pending: readonly WaitingCall[];
}

/** The run's first `count` waiting calls go in the next request. */
export interface Share<R> {
	run: R;
	count: number;
}

/**
 * Which calls go in the next request, earliest run first; `ready` holds runs with at least one
 * call waiting. A call whose value Bitrix24 would read as a batch reference, and every call of a
 * run without batching, goes alone. Per run, the calls are taken in order and the run's share ends
 * before a second call with the same order key (if the first needs a retry, the retry must still
 * come first) and before a call that `admit` holds back.
 *
 * `admit` says whether a call may go now (its method's operating time). It is asked last, in the
 * order the calls would go, and a call it lets go is taken: it may count the call as sent. Once it
 * holds back a run's call, it is not asked about that run again in this pass.
 */
export function pickGroup<R extends WaitingRun>(
	ready: readonly R[],
	admit: (run: R, call: R['pending'][number]) => boolean,
	maxCommands = MAX_BATCH_COMMANDS,
): Array<Share<R>> {
	const shares: Array<Share<R>> = [];
	let size = 0;
	const byArrival = [...ready].sort((a, b) => a.pending[0].seq - b.pending[0].seq);
	for (const run of byArrival) {
		if (size >= maxCommands) break;
		const head = run.pending[0];
		if (!run.batching || mayFormBatchReference(head.params)) {
			if (size > 0 || !admit(run, head)) continue;
			return [{ run, count: 1 }];
		}
		const keys = new Set<string>();
		let count = 0;
		while (count < run.pending.length && size + count < maxCommands) {
			const call = run.pending[count];
			if (count > 0 && mayFormBatchReference(call.params)) break;
			const key = call.orderKey;
			if (key !== undefined && keys.has(key)) break;
			if (!admit(run, call)) break;
			if (key !== undefined) keys.add(key);
			count++;
		}
		if (count === 0) continue;
		shares.push({ run, count });
		size += count;
	}
	return shares;
}
