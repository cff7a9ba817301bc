import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { buildBatchBody, MAX_BATCH_COMMANDS, readBatchResult } from './batch';
import { Bitrix24Error } from './errors';
import type { ApiContext, Envelope, TimeInfo } from './http';
import { CREDENTIAL_TYPE, sendRequest } from './http';
import type { RateLimit } from './limiter';
import { LeakyBucket, sharedBucket, STANDARD_PLAN, WaitBudget } from './limiter';
import { mayFormBatchReference } from './phpQuery';
import type { ParsedWebhookUrl } from './webhookUrl';
import { parseWebhookUrl } from './webhookUrl';

export interface ClientOptions {
	/** send the calls of several items as one `batch` request */
	batching: boolean;
	rateLimit: RateLimit;
	timeoutMs: number;
	/** how long one node run may spend waiting in all (pacing, back-off, limits) */
	maxWaitMs: number;
	/** how often a failed call that is safe to repeat is tried in all */
	maxAttempts: number;
}

export const DEFAULT_CLIENT_OPTIONS: ClientOptions = {
	batching: true,
	rateLimit: STANDARD_PLAN,
	timeoutMs: 60_000,
	maxWaitMs: 300_000,
	maxAttempts: 4,
};

export interface CallOptions {
	/** false for a call that must never be repeated blindly: it may have run before its answer was lost */
	idempotent?: boolean;
}

interface Retry {
	call: PendingCall;
	error: Bitrix24Error;
}

interface PendingCall {
	restMethod: string;
	params: IDataObject;
	idempotent: boolean;
	attempts: number;
	/** an earlier attempt failed in a way that may have run it on the portal */
	mayHaveRun: boolean;
	resolve: (envelope: Envelope) => void;
	reject: (error: Bitrix24Error) => void;
}

/** The portal may have run the call even though it failed: repeating it could do it twice. */
export function mayHaveRun(error: unknown): boolean {
	if (!(error instanceof Bitrix24Error) || error.notExecuted) return false;
	if (error.kind === 'timeout' || error.kind === 'network') return true;
	if (error.kind === 'html' || error.kind === 'http') return (error.httpStatus ?? 500) >= 500;
	return error.kind === 'api' && (error.httpStatus ?? 0) >= 500 && !NEVER_RETRY.has(error.code);
}

const NEVER_RETRY = new Set(['OVERLOAD_LIMIT', 'PORTAL_DELETED']);

/** Answers that every further call of the run would get too: the calls not yet sent fail at once. */
const FATAL = new Set([
	'OVERLOAD_LIMIT',
	'PORTAL_DELETED',
	'NO_AUTH_FOUND',
	'expired_token',
	'insufficient_scope',
	'ACCESS_DENIED',
	'INVALID_WEBHOOK_URL',
	'CANCELED',
]);

function isTransient(error: Bitrix24Error): boolean {
	if (NEVER_RETRY.has(error.code)) return false;
	if (error.kind === 'timeout' || error.kind === 'network') return error.code !== 'CANCELED';
	if (error.kind === 'html' || error.kind === 'http') return (error.httpStatus ?? 0) >= 500;
	if (error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'ERROR_UNEXPECTED_ANSWER') return true;
	return false;
}

/** Exponential back-off with jitter: 0.5 s, 1 s, 2 s, … (±50 %), at most 30 s. */
function backoffMs(attempt: number): number {
	const base = Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
	return Math.round(base * (0.5 + Math.random()));
}

function formatMoment(unixSeconds: number): string {
	return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Every call of a node run goes through one client. Calls made at the same moment (the items of
 * the run) are sent together as `batch` requests of up to 50 commands, one HTTP request at a time,
 * paced by the portal's leaky bucket; refusals and transient faults are retried where that is safe.
 */
export class Bitrix24Client {
	private readonly queue: PendingCall[] = [];
	private running = false;
	private readonly budget: WaitBudget;
	private readonly resetAt = new Map<string, number>();
	private keySeq = 0;
	private fatal?: Bitrix24Error;

	private constructor(
		private readonly ctx: ApiContext,
		private readonly options: ClientOptions,
		private readonly bucket: LeakyBucket,
		private readonly secret: string,
	) {
		this.budget = new WaitBudget(options.maxWaitMs);
	}

	/** Reads the credential once; a malformed webhook URL fails here with a message naming the fix. */
	static async create(ctx: ApiContext, options: Partial<ClientOptions> = {}): Promise<Bitrix24Client> {
		const merged = { ...DEFAULT_CLIENT_OPTIONS, ...options };
		const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
		let parsed: ParsedWebhookUrl | undefined;
		let problem = '';
		try {
			parsed = parseWebhookUrl(credentials.webhookUrl);
		} catch (error) {
			problem = (error as Error).message;
		}
		if (!parsed) {
			throw new Bitrix24Error(
				'network',
				'INVALID_WEBHOOK_URL',
				problem,
				undefined,
				'Fix the Webhook URL in the Bitrix24 Webhook API credential.',
				true,
			);
		}
		const execution = 'getExecutionId' in ctx ? String(ctx.getExecutionId() ?? '') : '';
		const bucket = sharedBucket(`${execution}|${parsed.origin}|${parsed.userId}`, merged.rateLimit);
		return new Bitrix24Client(ctx, merged, bucket, parsed.secret);
	}

	/** Calls one REST method; resolves with its envelope or rejects with a Bitrix24Error. */
	async call<T = unknown>(restMethod: string, params: IDataObject = {}, options: CallOptions = {}): Promise<Envelope<T>> {
		return await new Promise<Envelope<T>>((resolve, reject) => {
			this.queue.push({
				restMethod,
				params,
				idempotent: options.idempotent ?? true,
				attempts: 0,
				mayHaveRun: false,
				resolve: resolve as (envelope: Envelope) => void,
				reject,
			});
			if (!this.running) {
				this.running = true;
				void this.drain();
			}
		});
	}

	private async drain(): Promise<void> {
		try {
			while (this.queue.length > 0) {
				// let every item of the run queue its call first, so that they share a batch
				await sleep(0);
				if (this.fatal) {
					for (const call of this.queue.splice(0)) call.reject(this.fatal);
					break;
				}
				const group = this.nextGroup();
				if (group.length === 1) await this.sendPlain(group[0]);
				else await this.sendBatch(group);
			}
		} finally {
			this.running = false;
		}
	}

	private nextGroup(): PendingCall[] {
		const first = this.queue[0];
		if (!this.options.batching || mayFormBatchReference(first.params)) return this.queue.splice(0, 1);
		const group: PendingCall[] = [];
		for (let index = 0; index < this.queue.length && group.length < MAX_BATCH_COMMANDS; ) {
			if (mayFormBatchReference(this.queue[index].params)) {
				index++;
				continue;
			}
			group.push(...this.queue.splice(index, 1));
		}
		return group;
	}

	/** Waits until the bucket has room; false when the waiting budget does not allow it. */
	private async pace(): Promise<boolean> {
		for (;;) {
			const delay = this.bucket.delayFor();
			if (delay === 0) {
				this.bucket.take();
				return true;
			}
			if (!(await this.budget.wait(delay))) return false;
		}
	}

	private budgetError(refusedByPortal = false): Bitrix24Error {
		const seconds = Math.round(this.options.maxWaitMs / 1000);
		return new Bitrix24Error(
			'budget',
			refusedByPortal ? 'QUERY_LIMIT_EXCEEDED' : 'WAIT_BUDGET_EXHAUSTED',
			refusedByPortal
				? `Bitrix24 kept refusing requests (too many per second) until the node's Max Wait of ${seconds} s ran out; this call was not sent`
				: `The node stopped pacing its requests after its Max Wait of ${seconds} s; this call was not sent`,
			refusedByPortal ? 503 : undefined,
			'Raise "Max Wait" in the node options, choose the Enterprise rate limit if your plan has it, or run fewer workflows against the portal at the same time.',
			true,
		);
	}

	private async sendPlain(call: PendingCall): Promise<void> {
		if (!(await this.pace())) return call.reject(this.budgetError());
		call.attempts++;
		try {
			const envelope = await sendRequest(this.ctx, call.restMethod, call.params, {
				timeoutMs: this.options.timeoutMs,
				secret: this.secret,
			});
			this.noteTime(call.restMethod, envelope.time);
			call.resolve(envelope);
		} catch (error) {
			await this.handleFailure([call], error as Bitrix24Error);
		}
	}

	private async sendBatch(group: PendingCall[]): Promise<void> {
		if (!(await this.pace())) {
			const error = this.budgetError();
			for (const call of group) call.reject(error);
			return;
		}
		const keyed = group.map((call) => ({ call, key: `c${this.keySeq++}` }));
		for (const { call } of keyed) call.attempts++;
		let envelope: Envelope;
		try {
			envelope = await sendRequest(
				this.ctx,
				'batch',
				buildBatchBody(keyed.map(({ call, key }) => ({ key, restMethod: call.restMethod, params: call.params }))),
				{ timeoutMs: this.options.timeoutMs, secret: this.secret },
			);
		} catch (error) {
			// the batch as a whole failed: every command shares its fate, each by its own rules
			await this.handleFailure(group, error as Bitrix24Error);
			return;
		}
		const outcomes = readBatchResult(
			envelope.result,
			keyed.map(({ call, key }) => ({ key, restMethod: call.restMethod })),
		);
		const retries: Retry[] = [];
		for (const { call, key } of keyed) {
			const outcome = outcomes.get(key) ?? {
				ok: false as const,
				error: new Bitrix24Error('http', 'BATCH_RESULT_MISSING', 'Bitrix24 returned no result for this command', undefined),
			};
			if (outcome.ok) {
				this.noteTime(call.restMethod, outcome.envelope.time);
				call.resolve(outcome.envelope);
			} else if (this.shouldRetry(call, outcome.error)) {
				retries.push({ call, error: outcome.error });
			} else {
				this.fail(call, outcome.error);
			}
		}
		if (retries.length > 0) await this.requeue(retries);
	}

	private shouldRetry(call: PendingCall, error: Bitrix24Error): boolean {
		if (error.code === 'QUERY_LIMIT_EXCEEDED' || error.code === 'OPERATION_TIME_LIMIT') return true;
		if (!isTransient(error) || call.attempts >= this.options.maxAttempts) return false;
		return call.idempotent || error.notExecuted;
	}

	/** Rejects a call; an error answer to a repeat of a call that may have run already says so. */
	private fail(call: PendingCall, error: Bitrix24Error): void {
		if (FATAL.has(error.code)) this.fatal = error;
		call.reject(call.mayHaveRun && error.kind === 'api' ? error.afterLostAnswer() : error);
	}

	private async handleFailure(calls: PendingCall[], error: Bitrix24Error): Promise<void> {
		if (error.code === 'QUERY_LIMIT_EXCEEDED') this.bucket.markFull();
		const retries: Retry[] = [];
		for (const call of calls) {
			if (this.shouldRetry(call, error)) retries.push({ call, error });
			else this.fail(call, error);
		}
		if (retries.length > 0) await this.requeue(retries);
	}

	/** What a retry must wait: until the method's operating time resets, or a growing back-off. */
	private delayFor({ call, error }: Retry): number {
		if (error.code === 'OPERATION_TIME_LIMIT') {
			const resetAt = this.resetAt.get(call.restMethod) ?? Date.now() / 1000 + 60;
			return Math.max(1000, Math.ceil(resetAt * 1000 - Date.now()) + 500);
		}
		return backoffMs(call.attempts);
	}

	/** The error a retry ends with when its wait does not fit into Max Wait. */
	private gaveUp({ call, error }: Retry, delay: number): Bitrix24Error {
		if (error.code === 'QUERY_LIMIT_EXCEEDED') return this.budgetError(true);
		if (error.code !== 'OPERATION_TIME_LIMIT') return error;
		const resetAt = this.resetAt.get(call.restMethod) ?? (Date.now() + delay) / 1000;
		return new Bitrix24Error(
			'api',
			'OPERATION_TIME_LIMIT',
			`Bitrix24 blocked ${call.restMethod} until ${formatMoment(resetAt)}: its run time in the last 10 minutes is over the portal's limit`,
			error.httpStatus ?? 429,
			`The method will be available again at ${formatMoment(resetAt)} (in ${Math.ceil(delay / 1000)} s), which is beyond the node's "Max Wait". Run again after that time.`,
			true,
		);
	}

	/** Waits as long as the neediest retry asks, then puts the calls back at the head of the queue. */
	private async requeue(retries: Retry[]): Promise<void> {
		for (const retry of retries) if (mayHaveRun(retry.error)) retry.call.mayHaveRun = true;
		const delay = Math.max(...retries.map((retry) => this.delayFor(retry)));
		if (!(await this.budget.wait(delay))) {
			for (const retry of retries) this.fail(retry.call, this.gaveUp(retry, delay));
			return;
		}
		this.queue.unshift(...retries.map(({ call }) => call));
	}

	private noteTime(restMethod: string, time?: TimeInfo): void {
		const resetAt = Number(time?.operating_reset_at);
		if (Number.isFinite(resetAt) && resetAt > 0) this.resetAt.set(restMethod, resetAt);
	}
}
