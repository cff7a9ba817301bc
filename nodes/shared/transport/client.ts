import type { IDataObject } from 'n8n-workflow';

import type { Envelope } from './answer';
import { encodeCommand } from './batch';
import { Bitrix24Error } from './errors';
import type { Authentication } from './connection';
import { connectionOf } from './connection';
import type { ApiContext } from './http';
import type { RateLimit } from './limiters';
import { shareOf, STANDARD_PLAN, WaitBudget } from './limiters';
import type { RunState } from './queue';
import { CallQueue } from './queue';
import { laneFor } from './registry';

export interface ClientOptions {
	/** send the calls of several items as one `batch` request */
	batching: boolean;
	/** let calls of other executions with the same credential share those batches */
	mergeExecutions: boolean;
	rateLimit: RateLimit;
	/** how many n8n processes call the portal at the same time: each paces to its share */
	processes: number;
	timeoutMs: number;
	/** how long one node run may spend waiting in all (pacing, back-off, limits) */
	maxWaitMs: number;
	/** how often a failed call that is safe to repeat is tried in all */
	maxAttempts: number;
}

export const DEFAULT_CLIENT_OPTIONS: ClientOptions = {
	batching: true,
	mergeExecutions: true,
	rateLimit: STANDARD_PLAN,
	processes: 1,
	timeoutMs: 60_000,
	maxWaitMs: 300_000,
	maxAttempts: 4,
};

export interface CallOptions {
	/**
	 * false for a call that must never be repeated blindly: it may have run before its answer was
	 * lost
	 */
	idempotent?: boolean;
	/**
	 * Calls of one run with the same key keep their order: the later never goes in the same request
	 * as the earlier, so that a retry of the earlier still comes first (e.g. two writes to one line).
	 */
	orderKey?: string;
	/**
	 * The HTTP status the portal answers for these error codes when the call goes alone: a batch
	 * answer carries none, and an error item should read the same either way.
	 */
	statusByCode?: Record<string, number>;
}

/**
 * The execution's cancel signal where n8n offers one (executions do; polls and list searches do
 * not).
 */
function cancelSignalOf(ctx: ApiContext): AbortSignal | undefined {
	return 'getExecutionCancelSignal' in ctx && typeof ctx.getExecutionCancelSignal === 'function'
		? ctx.getExecutionCancelSignal()
		: undefined;
}

/** The execution a run belongs to, where n8n names it (a list search in the editor may not). */
function executionOf(ctx: ApiContext, run: object): unknown {
	try {
		const id = ctx.getExecutionId();
		return typeof id === 'string' && id !== '' ? id : run;
	} catch {
		return run;
	}
}

/**
 * What one node run (an execution's node, a poll, a list search) calls the portal through. Its
 * calls join the credential's queue (see queue.ts): with merging, the one queue the whole process
 * keeps for that credential, otherwise a queue of the run's own; either way paced by the portal's one
 * bucket. The run's options, waiting budget and cancellation stay its own.
 */
export class Bitrix24Client {
	private constructor(
		private readonly queue: CallQueue,
		private readonly run: RunState,
		/**
		 * the queue is the credential's shared one, where other executions' calls join the same requests
		 */
		private readonly sharesQueue: boolean,
		/** the credential's kind: what it can see differs (an application sees only its own lines) */
		readonly authentication: Authentication,
	) {}

	/**
	 * The credential's shared queue when this run's calls are merged with other executions' calls, or
	 * undefined when the run has a queue of its own: runs of one group may share work in flight.
	 */
	get mergeGroup(): object | undefined {
		return this.sharesQueue ? this.queue : undefined;
	}

	/**
	 * Reads the credential once; a malformed webhook URL or an application not connected yet fails
	 * here with a message naming the fix.
	 */
	static async create(
		ctx: ApiContext,
		options: Partial<ClientOptions> = {},
	): Promise<Bitrix24Client> {
		const merged = { ...DEFAULT_CLIENT_OPTIONS, ...options };
		const connection = await connectionOf(ctx);
		const lane = laneFor(connection, shareOf(merged.rateLimit, merged.processes));
		const shared = merged.batching && merged.mergeExecutions;
		const queue = shared ? lane.queue : new CallQueue(lane);
		const runKey = {};
		const run: RunState = {
			ctx,
			execution: executionOf(ctx, runKey),
			timeoutMs: merged.timeoutMs,
			maxAttempts: merged.maxAttempts,
			maxWaitMs: merged.maxWaitMs,
			batching: merged.batching,
			budget: new WaitBudget(merged.maxWaitMs),
			pending: [],
			blockedUntil: 0,
			cancelled: false,
			fatalByMethod: new Map(),
		};
		const signal = cancelSignalOf(ctx);
		if (signal?.aborted) run.cancelled = true;
		else signal?.addEventListener('abort', () => queue.cancel(run), { once: true });
		return new Bitrix24Client(queue, run, shared, connection.authentication);
	}

	/** Calls one REST method; resolves with its envelope or rejects with a Bitrix24Error. */
	async call<T = unknown>(
		restMethod: string,
		params: IDataObject = {},
		options: CallOptions = {},
	): Promise<Envelope<T>> {
		// checked here, not only when a batch is built: a broken character fails its own call at once
		const encoded = encodeCommand('check', restMethod, params);
		if (encoded instanceof Bitrix24Error) throw encoded;
		return await new Promise<Envelope<T>>((resolve, reject) => {
			this.queue.enqueue(this.run, {
				restMethod,
				params,
				idempotent: options.idempotent ?? true,
				orderKey: options.orderKey,
				statusByCode: options.statusByCode,
				resolve: resolve as (envelope: Envelope) => void,
				reject,
			});
		});
	}
}
