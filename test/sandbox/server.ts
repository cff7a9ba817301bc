/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
/** The HTTP side of the sandbox: routing, body parsing, rate limit, faults, latency and the log. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { parseCommands } from './batch';
import { LeakyBucket, type OperatingLimit, type RateLimit } from './limits';
import { ERRORS, failure, type Outcome } from './outcome';
import { isPhpArray, parseQuery, phpJsonEncode, type PhpParams, type PhpValue } from './php';
import { Portal } from './portal';
import type {
	ConnectorState,
	FaultKind,
	ForcedRegistration,
	LogBatchCommand,
	LogEntry,
	RegistrationState,
	SandboxLine,
	SandboxOptions,
	ServerBehaviour,
	Webhook,
	WebhookSpec,
} from './types';

const DEFAULT_RATE_LIMIT: RateLimit = { burst: 50, perSecond: 2 };
const DEFAULT_OPERATING: OperatingLimit = {
	limitSeconds: 480,
	costSeconds: 0.01,
	basketMs: 60_000,
};

const HTTP_REASONS: Record<number, string> = {
	404: 'Not Found',
	502: 'Bad Gateway',
	504: 'Gateway Time-out',
};

interface PendingFault {
	kind: FaultKind | 'apiError';
	remaining: number;
	restMethods?: string[];
	answer?: InjectedError;
}

/** Any error answer of the spec, for the codes the sandbox has no natural way to produce. */
export interface InjectedError {
	status: number;
	error: string;
	description: string;
}

type Route =
	| { kind: 'rest'; userId: string; secret: string; method: string }
	| { kind: 'restOther' }
	| { kind: 'other' };

function route(pathname: string): Route {
	const match = /^\/rest\/([^/]+)\/([^/]+)\/([^/]*)$/.exec(pathname);
	if (match)
		return {
			kind: 'rest',
			userId: match[1],
			secret: match[2],
			method: match[3].replace(/\.json$/i, ''),
		};
	return pathname === '/rest' || pathname.startsWith('/rest/')
		? { kind: 'restOther' }
		: { kind: 'other' };
}

/** The secret never reaches the log: the secret segment (and any known secret) becomes ***. */
function redactPath(pathname: string, secrets: string[]): string {
	let path = pathname.replace(/^(\/rest\/[^/]+\/)([^/]+)/, '$1***');
	for (const secret of secrets) path = path.split(secret).join('***');
	return path;
}

function nginxPage(status: number): string {
	const title = `${status} ${HTTP_REASONS[status]}`;
	return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

/** Query string and body merged as PHP's $_REQUEST would; only JSON and form bodies are read. */
function parseParams(search: string, contentType: string, body: string): PhpParams | 'invalidJson' {
	const params = parseQuery(search.replace(/^\?/, ''));
	if (/^application\/json/i.test(contentType)) {
		if (body.trim() === '') return params;
		let decoded: PhpValue;
		try {
			decoded = JSON.parse(body) as PhpValue;
		} catch {
			return 'invalidJson';
		}
		if (Array.isArray(decoded)) decoded = Object.fromEntries(decoded.map((v, i) => [String(i), v]));
		return isPhpArray(decoded) ? { ...params, ...(decoded as PhpParams) } : params;
	}
	if (/^application\/x-www-form-urlencoded/i.test(contentType))
		return { ...params, ...parseQuery(body) };
	return params;
}

export class Bitrix24Sandbox {
	readonly log: LogEntry[] = [];
	readonly webhook: Webhook;

	private readonly bucket: LeakyBucket;
	private latencyMs: number;
	private readonly requestTimeoutMs?: number;
	private faults: PendingFault[] = [];
	private readonly sockets = new Set<Socket>();
	private readonly timers = new Set<NodeJS.Timeout>();
	private seq = 0;
	private closed = false;

	private constructor(
		private readonly server: Server,
		private readonly portal: Portal,
		readonly baseUrl: string,
		options: SandboxOptions,
	) {
		this.bucket = new LeakyBucket(options.rateLimit ?? DEFAULT_RATE_LIMIT);
		this.latencyMs = options.latencyMs ?? 0;
		this.requestTimeoutMs = options.requestTimeoutMs;
		portal.baseUrl = baseUrl;
		this.webhook = portal.addWebhook();
		server.on('connection', (socket: Socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		server.on('request', (req: IncomingMessage, res: ServerResponse) => {
			this.handle(req, res).catch(() => {
				if (!res.headersSent && !res.destroyed) this.sendOutcome(res, ERRORS.internal());
			});
		});
	}

	/** Starts on 127.0.0.1; `port` (not part of the options interface) is for the CLI. */
	static async start(options: SandboxOptions & { port?: number } = {}): Promise<Bitrix24Sandbox> {
		const server = createServer();
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
		});
		const { port } = server.address() as AddressInfo;
		const portal = new Portal(
			options.operating ?? DEFAULT_OPERATING,
			options.registrationStepMs ?? null,
		);
		return new Bitrix24Sandbox(server, portal, `http://127.0.0.1:${port}`, options);
	}

	addWebhook(spec?: WebhookSpec): Webhook {
		return this.portal.addWebhook(spec);
	}

	removeWebhook(id: string): void {
		this.portal.webhooks.delete(id);
	}

	clearLog(): void {
		this.log.length = 0;
	}

	lines(): SandboxLine[] {
		return this.portal.lineSnapshots();
	}

	registration(regId: number): RegistrationState | undefined {
		return this.portal.registrations.state(regId);
	}

	setServerBehaviour(server: string, behaviour: ServerBehaviour | null): void {
		this.portal.registrations.setBehaviour(server, behaviour);
	}

	setRegistration(regId: number, state: ForcedRegistration): void {
		this.portal.registrations.force(regId, state);
	}

	advanceRegistrations(steps = 1): void {
		this.portal.registrations.advance(steps);
	}

	breakRegistration(regId: number): void {
		if (!this.portal.registrations.has(regId)) throw new Error(`No registration ${regId}`);
		this.portal.registrations.markBroken(regId);
	}

	setConnector(connector: ConnectorState): void {
		this.portal.connector = { ...connector };
	}

	setRateLimit(limit: RateLimit | false): void {
		this.bucket.setLimit(limit);
	}

	setLatency(ms: number): void {
		this.latencyMs = ms;
	}

	setOperating(limit: OperatingLimit): void {
		this.portal.operating.setLimit(limit);
	}

	injectFault(kind: FaultKind, count: number, filter?: { restMethods?: string[] }): void {
		this.faults.push({
			kind,
			remaining: count,
			restMethods: filter?.restMethods?.map((m) => m.toLowerCase()),
		});
	}

	/** The next `count` matching requests get this error answer, without running anything. */
	injectError(answer: InjectedError, count: number, filter?: { restMethods?: string[] }): void {
		this.faults.push({
			kind: 'apiError',
			remaining: count,
			restMethods: filter?.restMethods?.map((m) => m.toLowerCase()),
			answer,
		});
	}

	async close(): Promise<void> {
		this.closed = true;
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
		await new Promise<void>((resolve) => {
			this.server.close(() => resolve());
			for (const socket of this.sockets) socket.destroy();
		});
	}

	private delay(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.timers.delete(timer);
				resolve();
			}, ms);
			this.timers.add(timer);
		});
	}

	private takeFault(methods: string[]): PendingFault | undefined {
		const fault = this.faults.find(
			(f) => f.remaining > 0 && (!f.restMethods || f.restMethods.some((m) => methods.includes(m))),
		);
		if (!fault) return undefined;
		fault.remaining -= 1;
		this.faults = this.faults.filter((f) => f.remaining > 0);
		return fault;
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const startedAt = Date.now();
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const target = route(url.pathname);
		const contentType = req.headers['content-type'] ?? '';
		const entry: LogEntry = {
			seq: ++this.seq,
			at: startedAt,
			httpMethod: req.method ?? 'GET',
			path: redactPath(
				url.pathname,
				[...this.portal.webhooks.values()].map((w) => w.secret),
			),
			restMethod: target.kind === 'rest' ? target.method.toLowerCase() : '',
			params: {},
			contentType,
			status: 0,
		};
		this.log.push(entry);
		const body = await readBody(req);
		const params = parseParams(url.search, contentType, body);
		if (params !== 'invalidJson') entry.params = params;
		let batchCommands: LogBatchCommand[] | undefined;
		if (entry.restMethod === 'batch' && params !== 'invalidJson') {
			batchCommands = parseCommands(params).map((c) => ({
				key: c.key,
				restMethod: c.method.toLowerCase(),
				params: parseQuery(c.query),
			}));
			entry.batchCommands = batchCommands;
		}

		const pending = this.takeFault([
			entry.restMethod,
			...(batchCommands ?? []).map((c) => c.restMethod),
		]);
		const fault = pending?.kind;
		if (pending?.answer) {
			if (this.latencyMs > 0) await this.delay(this.latencyMs);
			const { status, error, description } = pending.answer;
			return this.answer(res, entry, failure(status, error, description));
		}
		if (fault && fault !== 'apiError') entry.fault = fault;
		if (this.latencyMs > 0) await this.delay(this.latencyMs);
		if (this.closed) return;

		switch (fault) {
			case 'reset':
				req.socket.destroy();
				return;
			case 'hang':
				if (this.requestTimeoutMs !== undefined) {
					await this.delay(this.requestTimeoutMs);
					if (!this.closed && !res.destroyed) this.sendHtml(res, entry, 504);
				}
				return;
			case 'http500':
				return this.answer(res, entry, ERRORS.internal());
			case 'overload':
				return this.answer(res, entry, ERRORS.overload());
			case 'html502':
				return this.sendHtml(res, entry, 502);
			case 'html504':
				return this.sendHtml(res, entry, 504);
		}

		if (!this.bucket.tryTake(Date.now())) return this.answer(res, entry, ERRORS.queryLimit());
		if (target.kind === 'other') return this.sendHtml(res, entry, 404);
		if (target.kind === 'restOther') return this.answer(res, entry, ERRORS.methodNotFound());
		const webhook = this.portal.findWebhook(target.userId, target.secret);
		if (!webhook) return this.answer(res, entry, ERRORS.noAuth());
		entry.webhookId = webhook.id;
		if (target.method === '') return this.answer(res, entry, ERRORS.methodNotFound());
		if (params === 'invalidJson') {
			return this.answer(
				res,
				entry,
				failure(400, 'INVALID_REQUEST', 'Request body is not valid JSON'),
			);
		}

		const innerLog: LogBatchCommand[] = [];
		const outcome = this.portal.call(webhook, target.method, params, false, startedAt, innerLog);
		if (batchCommands && outcome.ok) entry.batchCommands = innerLog;
		if (fault === 'lostAfterRun') {
			// The portal did the work; the answer is lost on the way back.
			req.socket.destroy();
			return;
		}
		this.answer(res, entry, outcome);
	}

	private answer(res: ServerResponse, entry: LogEntry, outcome: Outcome): void {
		entry.status = outcome.ok ? 200 : outcome.status;
		if (!outcome.ok) entry.error = outcome.error;
		this.sendOutcome(res, outcome);
	}

	private sendOutcome(res: ServerResponse, outcome: Outcome): void {
		const body = outcome.ok
			? {
					result: outcome.result,
					...(outcome.next !== undefined ? { next: outcome.next } : {}),
					...(outcome.total !== undefined ? { total: outcome.total } : {}),
					time: outcome.time,
				}
			: { error: outcome.error, error_description: outcome.description };
		res.writeHead(outcome.ok ? 200 : outcome.status, {
			'Content-Type': 'application/json; charset=utf-8',
		});
		res.end(phpJsonEncode(body));
	}

	private sendHtml(res: ServerResponse, entry: LogEntry, status: number): void {
		entry.status = status;
		res.writeHead(status, { 'Content-Type': 'text/html', Server: 'nginx' });
		res.end(nginxPage(status));
	}
}
