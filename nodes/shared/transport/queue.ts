import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { Envelope } from './answer';
import type { BatchCommand } from './batch';
import { buildBatchBody, encodeCommand, readBatchResult } from './batch';
import type { RunTimeUse } from './errors';
import {
	Bitrix24Error,
	blockedTooLong,
	cancelled,
	cutOffByCancellation,
	forApplication,
	slowedDownTooLong,
	waitBudgetExhausted,
} from './errors';
import type { ApiContext, RequestSettings } from './http';
import { sendRequest } from './http';
import type { Connection } from './connection';
import type { TokenRenewal } from './tokenRenewal';
import { RecentRuns, sendAt, steadyIntervalMs } from './grouping';
import type { LeakyBucket, WaitBudget } from './limiters';
import type { OperatingTimes } from './operatingTime';
import { pickGroup } from './requestGroup';
import { classify, fatalReach, mayRetry, retryDelayMs } from './retryPolicy';

// registrationWait.ts imports it from here

/** One node run (an execution's node, a poll, a list search) as the queue sees it. */
export interface RunState {
	readonly ctx: ApiContext;
	/**
	 * the execution the run belongs to: runs of one execution (nodes in a row) are no company for
	 * each other
	 */
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
	/**
	 * the portal refused an earlier attempt as too many requests: running out of budget is its doing
	 */
	refusedByPortal: boolean;
	resolve: (envelope: Envelope) => void;
	reject: (error: Bitrix24Error) => void;
}

/**
 * What all queues of one credential share in the process: the portal's bucket and the credential's
 * operating times.
 */
export interface Lane {
	readonly bucket: LeakyBucket;
	readonly operating: OperatingTimes;
	/** the credential the lane's requests go with */
	readonly connection: Connection;
	/** an application's one token renewal at a time */
	readonly renewal: TokenRenewal;
	/** the lane was used now: it is not idle */
	touch(): void;
}

interface Retry {
	call: PendingCall;
	error: Bitrix24Error;
}

/** Longer waits are slept in slices, so that a new call or a cancellation is seen soon. */
const WAKE_EVERY_MS = 25;

/**
 * The calls of one credential (a webhook or an application), waiting to be sent. Calls made at about the same moment — the items of
 * a run, and with merging the calls of other executions of the same credential that arrive while the
 * grouping policy holds a request (grouping.ts) — are sent together as `batch` requests of up to
 * 50 commands, one HTTP request at a time, paced by the portal's leaky bucket. Each call keeps its
 * own run's rules: its retries, its waiting budget, its cancellation, and its order among that
 * run's calls (a later call with the same order key never overtakes an earlier one of the same
 * run). Another run's failure is never this run's.
 *
 * A call's path: this queue picks the next request (requestGroup.ts) → batch.ts encodes it →
 * http.ts sends it → answer.ts (and batch.ts per command) decodes the answer → retryPolicy.ts
 * decides what a failure means → the caller gets its answer or error.
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

	/**
	 * The run's execution was cancelled: its waiting calls fail at the queue's next pass, nobody
	 * else's.
	 */
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

	/**
	 * Waits for company: a full batch or a cancellation ends the wait early, and it counts as pacing.
	 */
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
			this.failAll(run, (call) => waitBudgetExhausted(run.maxWaitMs, call.refusedByPortal));
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

	/**
	 * Calls that a cancellation or a fatal answer already decided fail at once, without being sent.
	 */
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

	/** The calls that go in the next request (requestGroup.ts), taken out of their runs. */
	private nextGroup(ready: RunState[], now: number): PendingCall[] {
		const group: PendingCall[] = [];
		for (const { run, count } of pickGroup(ready, (run, call) => this.admit(run, call, now)))
			this.take(run, group, count);
		return group;
	}

	/** Whether the call's operating time lets it go now; if so, it counts as sent. */
	private admit(run: RunState, call: PendingCall, now: number): boolean {
		if (!this.mayGoNow(run, call, now)) return false;
		this.lane.operating.sent(call.restMethod, now);
		return true;
	}

	/**
	 * Moves the run's first `count` calls into the group (in one splice: a run may hold thousands).
	 */
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
			call.reject(slowedDownTooLong(this.runTimeUse(call.restMethod), wait));
			return false;
		}
		run.budget.spend(wait);
		run.blockedUntil = at;
		return false;
	}

	private runTimeUse(restMethod: string): RunTimeUse {
		const { operating } = this.lane;
		return {
			restMethod,
			usedSeconds: operating.operatingSeconds(restMethod),
			limitSeconds: operating.limitSeconds,
			resetAt: operating.knownResetAt(restMethod),
		};
	}

	/**
	 * The request goes through the node context of a run that is still going: n8n aborts a cancelled
	 * run's requests.
	 */
	private senderOf(calls: PendingCall[]): PendingCall {
		return calls.find((call) => !call.run.cancelled) ?? calls[0];
	}

	private settings(calls: PendingCall[]): RequestSettings {
		return {
			timeoutMs: Math.max(...calls.map((call) => call.run.timeoutMs)),
			connection: this.lane.connection,
			renewal: this.lane.renewal,
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
			this.lane.connection.secrets,
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
			this.retryOrFail(
				call,
				this.lane.connection.authentication === 'oAuth2' ? forApplication(error) : error,
				retries,
			);
		}
		if (retries.length > 0) this.requeue(retries);
	}

	/** A failed call goes back for a retry if the policy allows one, or fails. */
	private retryOrFail(call: PendingCall, error: Bitrix24Error, retries: Retry[]): void {
		if (error.code === 'OPERATION_TIME_LIMIT') this.lane.operating.noteBlocked(call.restMethod);
		if (mayRetry(error, call.idempotent, call.attempts, call.run.maxAttempts))
			retries.push({ call, error });
		else this.fail(call, error);
	}

	/**
	 * Rejects a call. A fatal answer stops the run's further calls, and — unless it is the run's
	 * own (its cancellation, its budget) — the waiting calls of every run of this credential, which
	 * would get the same answer. An error answer to a repeat of a call that may have run already says
	 * so.
	 */
	private fail(call: PendingCall, error: Bitrix24Error): void {
		this.spreadFatal(call, error);
		call.reject(
			call.mayHaveRun && error.kind === 'api'
				? error.with({ repeatedAfterLostAnswer: true })
				: error,
		);
	}

	/**
	 * Marks the runs a fatal answer stops (retryPolicy.ts, fatalReach); dropStopped fails their
	 * calls.
	 */
	private spreadFatal(call: PendingCall, error: Bitrix24Error): void {
		const reach = fatalReach(error);
		if (!reach) return;
		for (const run of reach.allRuns ? [call.run, ...this.runs] : [call.run]) {
			if (reach.sameMethodOnly) run.fatalByMethod.set(call.restMethod, error);
			else run.fatal = error;
		}
	}

	/**
	 * n8n aborts the request of a cancelled execution. When it carried other runs' calls too, the
	 * portal may have run them: for those runs it is a lost answer, handled by their own rules.
	 */
	private errorFor(call: PendingCall, error: Bitrix24Error): Bitrix24Error {
		if (error.code !== 'CANCELED' || call.run.cancelled) return error;
		return cutOffByCancellation();
	}

	private async handleFailure(calls: PendingCall[], error: Bitrix24Error): Promise<void> {
		if (error.code === 'QUERY_LIMIT_EXCEEDED') this.lane.bucket.refused();
		// an error the portal answered still passed its rate limit
		else if (error.delivery === 'answered') this.lane.bucket.accepted();
		const retries: Retry[] = [];
		for (const call of calls) this.retryOrFail(call, this.errorFor(call, error), retries);
		if (retries.length > 0) this.requeue(retries);
	}

	/** What a retry must wait (retryPolicy.ts), by what the portal said of the method's block. */
	private delayFor({ call, error }: Retry): number {
		return retryDelayMs(error, call.attempts, this.lane.operating.knownResetAt(call.restMethod));
	}

	/** The error a retry ends with when its wait does not fit into Max Wait. */
	private gaveUp({ call, error }: Retry, delay: number): Bitrix24Error {
		if (error.code === 'QUERY_LIMIT_EXCEEDED')
			return waitBudgetExhausted(call.run.maxWaitMs, call.refusedByPortal);
		if (error.code !== 'OPERATION_TIME_LIMIT') return error;
		return blockedTooLong(
			error,
			call.restMethod,
			this.lane.operating.knownResetAt(call.restMethod),
			delay,
		);
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
