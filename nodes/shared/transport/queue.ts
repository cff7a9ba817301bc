import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { Envelope } from './answer';
import type { BatchCommand } from './batch';
import { buildBatchBody, encodeCommand, MAX_BATCH_COMMANDS, readBatchResult } from './batch';
import { Bitrix24Error } from './errors';
import type { ApiContext } from './http';
import { sendRequest } from './http';
import { RecentRuns, sendAt, steadyIntervalMs } from './grouping';
import type { LeakyBucket, WaitBudget } from './limiters';
import type { OperatingTimes } from './operatingTime';
import { mayFormBatchReference } from './phpQuery';
import { backoffMs, classify, mayRetry } from './retryPolicy';

/** One node run (an execution's node, a poll, a list search) as the queue sees it. */
export interface RunState {
	readonly ctx: ApiContext;
	/** the execution the run belongs to: runs of one execution (nodes in a row) are no company for each other */
	readonly execution: unknown;
	readonly timeoutMs: number;
	readonly maxAttempts: number;
	readonly maxWaitMs: number;
	/** false: every call of this run goes alone (the node's "Batch Requests" is off) */
	readonly batching: boolean;
	readonly budget: WaitBudget;
	/** calls waiting to be sent, in the order the run made them */
	readonly pending: PendingCall[];
	/** not before this time: a retry's back-off or an operating-time pause */
	blockedUntil: number;
	/** the execution was cancelled: its calls are dropped, nobody else's */
	cancelled: boolean;
	/** an answer every further call of the run would get too, for all methods or per method */
	fatal?: Bitrix24Error;
	readonly fatalByMethod: Map<string, Bitrix24Error>;
}

export interface PendingCall {
	run: RunState;
	/** arrival order across all runs of the queue: earlier calls go first */
	seq: number;
	restMethod: string;
	params: IDataObject;
	idempotent: boolean;
	/** calls of the run with the same key never share a request */
	orderKey?: string;
	/** the caller's HTTP status per error code, for errors read out of a batch answer */
	statusByCode?: Record<string, number>;
	attempts: number;
	/** an earlier attempt failed in a way that may have run it on the portal */
	mayHaveRun: boolean;
	/** the portal refused an earlier attempt as too many requests: running out of budget is its doing */
	refusedByPortal: boolean;
	resolve: (envelope: Envelope) => void;
	reject: (error: Bitrix24Error) => void;
}

/** What all queues of one webhook share in the process: the portal's bucket and the webhook's operating times. */
export interface Lane {
	readonly bucket: LeakyBucket;
	readonly operating: OperatingTimes;
	readonly secret: string;
	readonly allowUnauthorizedCerts: boolean;
	/** the lane was used now: it is not idle */
	touch(): void;
}

interface Retry {
	call: PendingCall;
	error: Bitrix24Error;
}

/** While Bitrix24 does not say when an operating-time block ends, wait this long and ask again. */
const UNKNOWN_RESET_WAIT_MS = 60_000;
/** Longer waits are slept in slices, so that a new call or a cancellation is seen soon. */
const WAKE_EVERY_MS = 25;

function formatMoment(unixSeconds: number): string {
	return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Fatal answers that belong to one run only, never to the other runs of the webhook. */
const RUN_ONLY_CODES = new Set(['CANCELED', 'WAIT_BUDGET_EXHAUSTED']);

/**
 * The calls of one webhook, waiting to be sent. Calls made at about the same moment — the items of
 * a run, and with merging the calls of other executions of the same webhook that arrive while the
 * grouping policy holds a request (grouping.ts) — are sent together as `batch` requests of up to
 * 50 commands, one HTTP request at a time, paced by the portal's leaky bucket. Each call keeps its
 * own run's rules: its retries, its waiting budget, its cancellation, and its order among that
 * run's calls (a later call with the same order key never overtakes an earlier one of the same
 * run). Another run's failure is never this run's.
 */
export class CallQueue {
	private readonly runs = new Set<RunState>();
	private running = false;
	/** something changed while the queue slept: a new call, a cancellation */
	private nudged = false;
	private seq = 0;
	private keySeq = 0;
	/** the executions that queued calls lately: company worth waiting for (grouping.ts) */
	private readonly recent = new RecentRuns();

	constructor(private readonly lane: Lane) {}

	/** No call waits and none is being sent. */
	get idle(): boolean {
		return !this.running && this.runs.size === 0;
	}

	enqueue(
		run: RunState,
		call: Omit<PendingCall, 'seq' | 'run' | 'attempts' | 'mayHaveRun' | 'refusedByPortal'>,
	): void {
		run.pending.push({
			...call,
			run,
			seq: this.seq++,
			attempts: 0,
			mayHaveRun: false,
			refusedByPortal: false,
		});
		this.runs.add(run);
		if (run.batching) this.recent.note(run.execution, Date.now());
		this.nudged = true;
		if (!this.running) {
			this.running = true;
			void this.drain();
		}
	}

	/** The run's execution was cancelled: its waiting calls fail at the queue's next pass, nobody else's. */
	cancel(run: RunState): void {
		run.cancelled = true;
		this.nudged = true;
	}

	private async drain(): Promise<void> {
		try {
			// let every item of the run queue its calls first: they do so before the next macrotask
			await sleep(0);
			for (;;) {
				this.dropStopped();
				if (this.runs.size === 0) break;
				const now = Date.now();
				const ready = [...this.runs].filter((run) => run.blockedUntil <= now);
				if (ready.length === 0) {
					await this.sleepUntil(Math.min(...[...this.runs].map((run) => run.blockedUntil)));
					continue;
				}
				// wait for the bucket before choosing the calls: calls arriving meanwhile still join
				const delay = this.lane.bucket.delayFor(now);
				if (delay > 0) {
					await this.waitForBucket(ready, delay);
					continue;
				}
				const hold = this.holdFor(ready, now);
				if (hold > 0) {
					await this.waitForCompany(ready, hold);
					continue;
				}
				const group = this.nextGroup(ready, now);
				if (group.length === 0) continue;
				this.lane.bucket.take();
				this.lane.touch();
				if (group.length === 1) await this.sendPlain(group[0]);
				else await this.sendBatch(group);
				// the callers whose answers just came may follow up at once: give them the moment
				await sleep(0);
			}
		} finally {
			this.running = false;
		}
	}

	/** Sleeps until `until`, in slices, waking early when a call arrives or a run is cancelled. */
	private async sleepUntil(until: number): Promise<void> {
		this.nudged = false;
		for (let left = until - Date.now(); left > 0 && !this.nudged; left = until - Date.now()) {
			await sleep(Math.min(left, WAKE_EVERY_MS));
		}
	}

	/**
	 * How long to hold the ready calls so that calls of other executions can join them (grouping.ts).
	 * Only runs that batch gain from company, and a hold never costs a run its Max Wait.
	 */
	private holdFor(ready: RunState[], now: number): number {
		const batching = ready.filter((run) => run.batching);
		if (batching.length === 0) return 0;
		const { bucket } = this.lane;
		const until = sendAt(
			{
				readyCalls: batching.reduce((sum, run) => sum + run.pending.length, 0),
				company: this.recent.company(
					batching.map((run) => run.execution),
					now,
					steadyIntervalMs(bucket.limit.perSecond),
				),
				levelAtLastSend: bucket.levelAtLastUse,
				burst: bucket.limit.burst,
				perSecond: bucket.limit.perSecond,
				lastSentAt: bucket.lastUsedAt,
			},
			now,
		);
		const hold = until - now;
		if (hold <= 0 || ready.some((run) => !run.budget.affords(hold))) return 0;
		return hold;
	}

	/** Waits for company: a full batch or a cancellation ends the wait early, and it counts as pacing. */
	private async waitForCompany(ready: RunState[], hold: number): Promise<void> {
		const started = Date.now();
		await this.sleepUntil(started + hold);
		const waited = Date.now() - started;
		for (const run of ready) run.budget.spend(waited);
	}

	/** Pacing counts against the waiting budget of every run that waits for it. */
	private async waitForBucket(ready: RunState[], delay: number): Promise<void> {
		const waiting = ready.filter((run) => {
			if (run.budget.affords(delay)) return true;
			this.failAll(run, (call) => this.budgetError(call));
			return false;
		});
		if (waiting.length === 0) return;
		const started = Date.now();
		// calls that arrive meanwhile could not go before the wait ends anyway: a short wait is one
		// sleep; only a long one (a small share of the limit) watches for cancellations
		if (delay <= 1000) await sleep(delay);
		else await this.sleepUntil(started + delay);
		const waited = Date.now() - started;
		for (const run of waiting) run.budget.spend(waited);
	}

	/** Calls that a cancellation or a fatal answer already decided fail at once, without being sent. */
	private dropStopped(): void {
		for (const run of this.runs) {
			if (run.cancelled) {
				this.failAll(run, () => cancelled());
				continue;
			}
			// most runs never meet a fatal answer: do not walk their calls on every pass
			if (run.fatal === undefined && run.fatalByMethod.size === 0) continue;
			for (let index = 0; index < run.pending.length; ) {
				const call = run.pending[index];
				const stop = run.fatal ?? run.fatalByMethod.get(call.restMethod);
				if (stop) {
					run.pending.splice(index, 1);
					call.reject(stop);
				} else index++;
			}
			if (run.pending.length === 0) this.runs.delete(run);
		}
	}

	private failAll(run: RunState, errorFor: (call: PendingCall) => Bitrix24Error): void {
		for (const call of run.pending.splice(0)) call.reject(errorFor(call));
		this.runs.delete(run);
	}

	/**
	 * The calls that go in the next request, earliest first. A call whose value Bitrix24 would read
	 * as a batch reference, and every call of a run without batching, goes alone. Per run, the
	 * calls are taken in order and the run's share ends before a second call with the same order
	 * key (if the first needs a retry, the retry must still come first) and before a call whose
	 * method must slow down for its operating time.
	 */
	private nextGroup(ready: RunState[], now: number): PendingCall[] {
		const group: PendingCall[] = [];
		const byArrival = [...ready].sort((a, b) => a.pending[0].seq - b.pending[0].seq);
		for (const run of byArrival) {
			if (group.length >= MAX_BATCH_COMMANDS) break;
			const head = run.pending[0];
			if (!run.batching || mayFormBatchReference(head.params)) {
				if (group.length > 0 || !this.mayGoNow(run, head, now)) continue;
				this.lane.operating.sent(head.restMethod, now);
				this.take(run, group, 1);
				return group;
			}
			const keys = new Set<string>();
			let count = 0;
			while (count < run.pending.length && group.length + count < MAX_BATCH_COMMANDS) {
				const call = run.pending[count];
				if (count > 0 && mayFormBatchReference(call.params)) break;
				const key = call.orderKey;
				if (key !== undefined && keys.has(key)) break;
				if (!this.mayGoNow(run, call, now)) break;
				if (key !== undefined) keys.add(key);
				this.lane.operating.sent(call.restMethod, now);
				count++;
			}
			this.take(run, group, count);
		}
		return group;
	}

	/** Moves the run's first `count` calls into the group (in one splice: a run may hold thousands). */
	private take(run: RunState, group: PendingCall[], count: number): void {
		if (count === 0) return;
		for (const call of run.pending.splice(0, count)) group.push(call);
		if (run.pending.length === 0) this.runs.delete(run);
	}

	/**
	 * Whether the method's operating time lets the call go now. If not and it is the run's next
	 * call, the run pauses until it may (within its waiting budget) or the call fails.
	 */
	private mayGoNow(run: RunState, call: PendingCall, now: number): boolean {
		const at = this.lane.operating.nextSendAt(call.restMethod, now);
		if (at <= now) return true;
		if (call !== run.pending[0]) return false;
		const wait = at - now;
		if (!run.budget.affords(wait)) {
			run.pending.shift();
			if (run.pending.length === 0) this.runs.delete(run);
			call.reject(this.slowedDownTooLong(call, wait));
			return false;
		}
		run.budget.spend(wait);
		run.blockedUntil = at;
		return false;
	}

	private budgetError(call: PendingCall): Bitrix24Error {
		const seconds = Math.round(call.run.maxWaitMs / 1000);
		const refusedByPortal = call.refusedByPortal;
		return new Bitrix24Error({
			kind: 'budget',
			code: refusedByPortal ? 'QUERY_LIMIT_EXCEEDED' : 'WAIT_BUDGET_EXHAUSTED',
			message: refusedByPortal
				? `Bitrix24 kept refusing requests (too many per second) until the node's Max Wait of ${seconds} s ran out; this call was not sent`
				: `The node stopped pacing its requests after its Max Wait of ${seconds} s; this call was not sent`,
			httpStatus: refusedByPortal ? 503 : undefined,
			hint: 'Raise "Max Wait" in the node options, choose the Enterprise rate limit if your plan has it, or run fewer workflows against the portal at the same time.',
			delivery: 'notSent',
		});
	}

	/** The method's run time is (nearly) used up and waiting for it does not fit into Max Wait. */
	private slowedDownTooLong(call: PendingCall, wait: number): Bitrix24Error {
		const { operating } = this.lane;
		const used = operating.operatingSeconds(call.restMethod);
		const limit = operating.limitSeconds;
		const resetAt = operating.knownResetAt(call.restMethod);
		const usedUp = used !== undefined && used >= limit;
		const sum = `${used === undefined ? 'close to' : `${Math.round(used * 100) / 100} s of`} ${Math.round(limit * 100) / 100} s in the last 10 minutes`;
		return new Bitrix24Error({
			kind: 'budget',
			code: 'OPERATION_TIME_LIMIT',
			message: usedUp
				? `Bitrix24's run-time limit for ${call.restMethod} is used up (${sum}); this call was not sent`
				: `Bitrix24's run-time limit for ${call.restMethod} is nearly used up (${sum}); this call was not sent`,
			hint:
				usedUp && resetAt !== undefined
					? `The method will be available again at ${formatMoment(resetAt)} (in ${Math.ceil(wait / 1000)} s), which is beyond the node's "Max Wait". Run again after that time.`
					: `The node spaces such calls out instead of running into the portal's block; the next one may go in ${Math.ceil(wait / 1000)} s, which is beyond the node's "Max Wait". Run again later or raise "Max Wait".`,
			delivery: 'notSent',
		});
	}

	/** The request goes through the node context of a run that is still going: n8n aborts a cancelled run's requests. */
	private senderOf(calls: PendingCall[]): PendingCall {
		return calls.find((call) => !call.run.cancelled) ?? calls[0];
	}

	private settings(calls: PendingCall[]) {
		return {
			timeoutMs: Math.max(...calls.map((call) => call.run.timeoutMs)),
			secret: this.lane.secret,
			allowUnauthorizedCerts: this.lane.allowUnauthorizedCerts,
		};
	}

	private async sendPlain(call: PendingCall): Promise<void> {
		call.attempts++;
		try {
			const envelope = await sendRequest(
				call.run.ctx,
				call.restMethod,
				call.params,
				this.settings([call]),
			);
			this.lane.bucket.accepted();
			this.lane.operating.note(call.restMethod, envelope.time);
			call.resolve(envelope);
		} catch (error) {
			await this.handleFailure([call], error as Bitrix24Error);
		}
	}

	private async sendBatch(group: PendingCall[]): Promise<void> {
		// a value that cannot be encoded (e.g. half an emoji) fails its own call, not the batch
		const commands: Array<{ call: PendingCall; command: BatchCommand }> = [];
		for (const call of group) {
			const encoded = encodeCommand(`c${this.keySeq++}`, call.restMethod, call.params);
			if (encoded instanceof Bitrix24Error) call.reject(encoded);
			else commands.push({ call, command: encoded });
		}
		if (commands.length === 0) return;
		if (commands.length === 1) return await this.sendPlain(commands[0].call);
		const calls = commands.map(({ call }) => call);
		for (const call of calls) call.attempts++;
		let envelope: Envelope;
		try {
			envelope = await sendRequest(
				this.senderOf(calls).run.ctx,
				'batch',
				buildBatchBody(commands.map(({ command }) => command)),
				this.settings(calls),
			);
		} catch (error) {
			// the batch as a whole failed: every command shares its fate, each by its own run's rules
			await this.handleFailure(calls, error as Bitrix24Error);
			return;
		}
		this.lane.bucket.accepted();
		const outcomes = readBatchResult(
			envelope.result,
			commands.map(({ call, command }) => ({ key: command.key, statusByCode: call.statusByCode })),
			this.lane.secret,
		);
		const retries: Retry[] = [];
		for (const { call, command } of commands) {
			const outcome = outcomes.get(command.key);
			if (outcome && outcome.ok) {
				this.lane.operating.note(call.restMethod, outcome.envelope.time);
				call.resolve(outcome.envelope);
				continue;
			}
			const error = outcome?.error as Bitrix24Error;
			if (error.code === 'OPERATION_TIME_LIMIT') this.lane.operating.noteBlocked(call.restMethod);
			if (mayRetry(error, call.idempotent, call.attempts, call.run.maxAttempts))
				retries.push({ call, error });
			else this.fail(call, error);
		}
		if (retries.length > 0) this.requeue(retries);
	}

	/**
	 * Rejects a call. A fatal answer stops the run's further calls, and — unless it is the run's
	 * own (its cancellation, its budget) — the waiting calls of every run of this webhook, which
	 * would get the same answer. An error answer to a repeat of a call that may have run already says so.
	 */
	private fail(call: PendingCall, error: Bitrix24Error): void {
		const { verdict, sameMethodOnly } = classify(error);
		if (verdict === 'fatal') {
			const runs = RUN_ONLY_CODES.has(error.code) ? [call.run] : [call.run, ...this.runs];
			for (const run of runs) {
				if (sameMethodOnly) run.fatalByMethod.set(call.restMethod, error);
				else run.fatal = error;
			}
		}
		call.reject(
			call.mayHaveRun && error.kind === 'api'
				? error.with({ repeatedAfterLostAnswer: true })
				: error,
		);
	}

	/**
	 * n8n aborts the request of a cancelled execution. When it carried other runs' calls too, the
	 * portal may have run them: for those runs it is a lost answer, handled by their own rules.
	 */
	private errorFor(call: PendingCall, error: Bitrix24Error): Bitrix24Error {
		if (error.code !== 'CANCELED' || call.run.cancelled) return error;
		return new Bitrix24Error({
			kind: 'network',
			code: 'ECONNRESET',
			message: 'The connection to the portal was lost before it answered',
			hint: 'The request that carried this call was cut off because another execution sharing it was cancelled; the node retries calls that are safe to repeat.',
			delivery: 'unknown',
		});
	}

	private async handleFailure(calls: PendingCall[], error: Bitrix24Error): Promise<void> {
		if (error.code === 'QUERY_LIMIT_EXCEEDED') this.lane.bucket.refused();
		// an error the portal answered still passed its rate limit
		else if (error.delivery === 'answered') this.lane.bucket.accepted();
		const retries: Retry[] = [];
		for (const call of calls) {
			const own = this.errorFor(call, error);
			if (own.code === 'OPERATION_TIME_LIMIT') this.lane.operating.noteBlocked(call.restMethod);
			if (mayRetry(own, call.idempotent, call.attempts, call.run.maxAttempts))
				retries.push({ call, error: own });
			else this.fail(call, own);
		}
		if (retries.length > 0) this.requeue(retries);
	}

	/** What a retry must wait: until the method's operating time resets, or a growing back-off. */
	private delayFor({ call, error }: Retry): number {
		if (error.code === 'OPERATION_TIME_LIMIT') {
			const resetAt = this.lane.operating.knownResetAt(call.restMethod);
			if (resetAt === undefined) return UNKNOWN_RESET_WAIT_MS;
			return Math.max(1000, Math.ceil(resetAt * 1000 - Date.now()) + 500);
		}
		return backoffMs(call.attempts);
	}

	/** The error a retry ends with when its wait does not fit into Max Wait. */
	private gaveUp({ call, error }: Retry, delay: number): Bitrix24Error {
		if (error.code === 'QUERY_LIMIT_EXCEEDED') return this.budgetError(call);
		if (error.code !== 'OPERATION_TIME_LIMIT') return error;
		const resetAt = this.lane.operating.knownResetAt(call.restMethod);
		// a reset time is stated only when Bitrix24 gave one (spec §5)
		return error.with({
			message:
				resetAt !== undefined
					? `Bitrix24 blocked ${call.restMethod} until ${formatMoment(resetAt)}: its run time in the last 10 minutes is over the portal's limit`
					: `Bitrix24 blocked ${call.restMethod}: its run time in the last 10 minutes is over the portal's limit, and the portal did not say when the block ends`,
			hint:
				resetAt !== undefined
					? `The method will be available again at ${formatMoment(resetAt)} (in ${Math.ceil(delay / 1000)} s), which is beyond the node's "Max Wait". Run again after that time.`
					: 'Such a block ends within 10 minutes. Run again later, or raise "Max Wait" in the node options so that the node waits for it.',
			delivery: 'refused',
		});
	}

	/**
	 * Puts the calls back at the head of their runs, in order; each run pauses as long as its
	 * neediest retry asks, counted against its own budget. Other runs go on meanwhile.
	 */
	private requeue(retries: Retry[]): void {
		const byRun = new Map<RunState, Retry[]>();
		for (const retry of retries) {
			const { call, error } = retry;
			if (classify(error).mayHaveRun) call.mayHaveRun = true;
			if (error.code === 'QUERY_LIMIT_EXCEEDED') call.refusedByPortal = true;
			byRun.set(call.run, [...(byRun.get(call.run) ?? []), retry]);
		}
		for (const [run, own] of byRun) {
			const delay = Math.max(...own.map((retry) => this.delayFor(retry)));
			if (run.cancelled || !run.budget.affords(delay)) {
				for (const retry of own)
					this.fail(retry.call, run.cancelled ? cancelled() : this.gaveUp(retry, delay));
				continue;
			}
			run.budget.spend(delay);
			run.blockedUntil = Math.max(run.blockedUntil, Date.now() + delay);
			run.pending.unshift(...own.map(({ call }) => call).sort((a, b) => a.seq - b.seq));
			this.runs.add(run);
		}
	}
}

export function cancelled(): Bitrix24Error {
	return new Bitrix24Error({
		kind: 'network',
		code: 'CANCELED',
		message: 'The execution was cancelled',
		delivery: 'notSent',
	});
}
