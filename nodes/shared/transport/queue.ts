import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { Envelope } from './answer';
import type { BatchCommand } from './batch';
import { buildBatchBody, encodeCommand, MAX_BATCH_COMMANDS, readBatchResult } from './batch';
import { Bitrix24Error, invalidWebhookUrl } from './errors';
import type { ApiContext, RequestSettings } from './http';
import { CREDENTIAL_TYPE, sendRequest } from './http';
import type { RateLimit } from './limiters';
import { LeakyBucket, OperatingTimes, sharedBucket, STANDARD_PLAN, WaitBudget } from './limiters';
import { mayFormBatchReference } from './phpQuery';
import { backoffMs, classify, mayRetry } from './retryPolicy';
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

interface PendingCall {
	restMethod: string;
	params: IDataObject;
	idempotent: boolean;
	attempts: number;
	/** an earlier attempt failed in a way that may have run it on the portal */
	mayHaveRun: boolean;
	/** the portal refused an earlier attempt as too many requests: running out of budget is its doing */
	refusedByPortal: boolean;
	resolve: (envelope: Envelope) => void;
	reject: (error: Bitrix24Error) => void;
}

interface Retry {
	call: PendingCall;
	error: Bitrix24Error;
}

/** Methods that change nothing on the portal: their order among other calls does not matter. */
const READ_METHODS = new Set([
	'voximplant.sip.get',
	'voximplant.sip.status',
	'voximplant.sip.connector.status',
	'voximplant.line.outgoing.get',
	'voximplant.url.get',
	'scope',
]);

/** While Bitrix24 does not say when an operating-time block ends, wait this long and ask again. */
const UNKNOWN_RESET_WAIT_MS = 60_000;

/** The credential's URL, or the error that names the fix. */
function readWebhookUrl(raw: unknown): ParsedWebhookUrl | Bitrix24Error {
	try {
		return parseWebhookUrl(raw);
	} catch (error) {
		return invalidWebhookUrl((error as Error).message);
	}
}

function formatMoment(unixSeconds: number): string {
	return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Every call of a node run goes through one client. Calls made at the same moment (the items of
 * the run) wait in a queue, are sent together as `batch` requests of up to 50 commands, one HTTP
 * request at a time, paced by the portal's leaky bucket; the retry policy says which failures are
 * sent again. Calls leave the queue in the order they were made, so a later write to a line
 * never overtakes an earlier one.
 */
export class Bitrix24Client {
	private readonly queue: PendingCall[] = [];
	private running = false;
	private readonly budget: WaitBudget;
	private readonly operating = new OperatingTimes();
	private keySeq = 0;
	/** an answer every further call would get too, for all methods or per method */
	private fatal?: Bitrix24Error;
	private readonly fatalByMethod = new Map<string, Bitrix24Error>();

	private constructor(
		private readonly ctx: ApiContext,
		private readonly options: ClientOptions,
		private readonly bucket: LeakyBucket,
		private readonly request: RequestSettings,
	) {
		this.budget = new WaitBudget(options.maxWaitMs);
	}

	/** Reads the credential once; a malformed webhook URL fails here with a message naming the fix. */
	static async create(ctx: ApiContext, options: Partial<ClientOptions> = {}): Promise<Bitrix24Client> {
		const merged = { ...DEFAULT_CLIENT_OPTIONS, ...options };
		const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
		const parsed = readWebhookUrl(credentials.webhookUrl);
		if (parsed instanceof Bitrix24Error) throw parsed;
		const execution = 'getExecutionId' in ctx ? String(ctx.getExecutionId() ?? '') : '';
		const bucket = sharedBucket(`${execution}|${parsed.origin}|${parsed.userId}`, merged.rateLimit);
		return new Bitrix24Client(ctx, merged, bucket, {
			timeoutMs: merged.timeoutMs,
			secret: parsed.secret,
			allowUnauthorizedCerts: credentials.ignoreSSLIssues === true,
		});
	}

	/** Calls one REST method; resolves with its envelope or rejects with a Bitrix24Error. */
	async call<T = unknown>(restMethod: string, params: IDataObject = {}, options: CallOptions = {}): Promise<Envelope<T>> {
		// checked here, not only when a batch is built: a broken character fails its own call at once
		const encoded = encodeCommand('check', restMethod, params);
		if (encoded instanceof Bitrix24Error) throw encoded;
		return await new Promise<Envelope<T>>((resolve, reject) => {
			this.queue.push({
				restMethod,
				params,
				idempotent: options.idempotent ?? true,
				attempts: 0,
				mayHaveRun: false,
				refusedByPortal: false,
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
				this.rejectStopped();
				if (this.queue.length === 0) break;
				const group = this.nextGroup();
				if (group.length === 1) await this.sendPlain(group[0]);
				else await this.sendBatch(group);
			}
		} finally {
			this.running = false;
		}
	}

	/** Calls that a fatal answer already decided fail at once, without being sent. */
	private rejectStopped(): void {
		for (let index = 0; index < this.queue.length; ) {
			const call = this.queue[index];
			const stop = this.fatal ?? this.fatalByMethod.get(call.restMethod);
			if (stop) {
				this.queue.splice(index, 1);
				call.reject(stop);
			} else index++;
		}
	}

	/**
	 * The calls at the head of the queue that can share one batch, in order: the group ends before
	 * a call that must go alone (a value Bitrix24 would read as a batch reference), so that no
	 * call overtakes another.
	 */
	private nextGroup(): PendingCall[] {
		const first = this.queue[0];
		if (!this.options.batching || mayFormBatchReference(first.params)) return this.queue.splice(0, 1);
		// a second write to the same line waits for the next request: if the first needs a retry,
		// the retry must still come before it
		const written = new Set<string>();
		const writeKey = (call: PendingCall): string | undefined =>
			READ_METHODS.has(call.restMethod) || call.params.CONFIG_ID === undefined ? undefined : String(call.params.CONFIG_ID);
		let size = 0;
		while (size < this.queue.length && size < MAX_BATCH_COMMANDS) {
			const call = this.queue[size];
			const key = writeKey(call);
			if (size > 0 && (mayFormBatchReference(call.params) || (key !== undefined && written.has(key)))) break;
			if (key !== undefined) written.add(key);
			size++;
		}
		return this.queue.splice(0, size);
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

	private async sendPlain(call: PendingCall): Promise<void> {
		if (!(await this.pace())) return call.reject(this.budgetError(call.refusedByPortal));
		call.attempts++;
		try {
			const envelope = await sendRequest(this.ctx, call.restMethod, call.params, this.request);
			this.operating.note(call.restMethod, envelope.time);
			call.resolve(envelope);
		} catch (error) {
			await this.handleFailure([call], error as Bitrix24Error);
		}
	}

	private async sendBatch(group: PendingCall[]): Promise<void> {
		// a value that cannot be encoded (e.g. half an emoji) fails its own call, not the batch
		const commands: Array<{ call: PendingCall; command: BatchCommand }> = [];
		for (const call of group) {
			const key = `c${this.keySeq++}`;
			const encoded = encodeCommand(key, call.restMethod, call.params);
			if (encoded instanceof Bitrix24Error) call.reject(encoded);
			else commands.push({ call, command: encoded });
		}
		if (commands.length === 0) return;
		if (commands.length === 1) return await this.sendPlain(commands[0].call);
		if (!(await this.pace())) {
			for (const { call } of commands) call.reject(this.budgetError(call.refusedByPortal));
			return;
		}
		for (const { call } of commands) call.attempts++;
		let envelope: Envelope;
		try {
			envelope = await sendRequest(this.ctx, 'batch', buildBatchBody(commands.map(({ command }) => command)), this.request);
		} catch (error) {
			// the batch as a whole failed: every command shares its fate, each by its own rules
			await this.handleFailure(
				commands.map(({ call }) => call),
				error as Bitrix24Error,
			);
			return;
		}
		const outcomes = readBatchResult(envelope.result, commands.map(({ command }) => command), this.request.secret);
		const retries: Retry[] = [];
		for (const { call, command } of commands) {
			const outcome = outcomes.get(command.key);
			if (outcome && outcome.ok) {
				this.operating.note(call.restMethod, outcome.envelope.time);
				call.resolve(outcome.envelope);
				continue;
			}
			const error = outcome?.error as Bitrix24Error;
			if (mayRetry(error, call.idempotent, call.attempts, this.options.maxAttempts)) retries.push({ call, error });
			else this.fail(call, error);
		}
		if (retries.length > 0) await this.requeue(retries);
	}

	/** Rejects a call; an error answer to a repeat of a call that may have run already says so. */
	private fail(call: PendingCall, error: Bitrix24Error): void {
		const { verdict, sameMethodOnly } = classify(error);
		if (verdict === 'fatal') {
			if (sameMethodOnly) this.fatalByMethod.set(call.restMethod, error);
			else this.fatal = error;
		}
		call.reject(call.mayHaveRun && error.kind === 'api' ? error.with({ repeatedAfterLostAnswer: true }) : error);
	}

	private async handleFailure(calls: PendingCall[], error: Bitrix24Error): Promise<void> {
		if (error.code === 'QUERY_LIMIT_EXCEEDED') this.bucket.markFull();
		const retries: Retry[] = [];
		for (const call of calls) {
			if (mayRetry(error, call.idempotent, call.attempts, this.options.maxAttempts)) retries.push({ call, error });
			else this.fail(call, error);
		}
		if (retries.length > 0) await this.requeue(retries);
	}

	/** What a retry must wait: until the method's operating time resets, or a growing back-off. */
	private delayFor({ call, error }: Retry): number {
		if (error.code === 'OPERATION_TIME_LIMIT') {
			const resetAt = this.operating.knownResetAt(call.restMethod);
			if (resetAt === undefined) return UNKNOWN_RESET_WAIT_MS;
			return Math.max(1000, Math.ceil(resetAt * 1000 - Date.now()) + 500);
		}
		return backoffMs(call.attempts);
	}

	/** The error a retry ends with when its wait does not fit into Max Wait. */
	private gaveUp({ call, error }: Retry, delay: number): Bitrix24Error {
		if (error.code === 'QUERY_LIMIT_EXCEEDED') return this.budgetError(true);
		if (error.code !== 'OPERATION_TIME_LIMIT') return error;
		const resetAt = this.operating.knownResetAt(call.restMethod);
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

	/** Waits as long as the neediest retry asks, then puts the calls back at the head of the queue, in order. */
	private async requeue(retries: Retry[]): Promise<void> {
		for (const { call, error } of retries) {
			if (classify(error).mayHaveRun) call.mayHaveRun = true;
			if (error.code === 'QUERY_LIMIT_EXCEEDED') call.refusedByPortal = true;
		}
		const delay = Math.max(...retries.map((retry) => this.delayFor(retry)));
		if (!(await this.budget.wait(delay))) {
			for (const retry of retries) this.fail(retry.call, this.gaveUp(retry, delay));
			return;
		}
		this.queue.unshift(...retries.map(({ call }) => call));
	}
}
