/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
/** The HTTP side of the sandbox: routing, body parsing, rate limit, faults, latency and the log. */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';

import { parseCommands } from './batch';
import { newMemberId, OutgoingWebhooks } from './deliveries';
import { LeakyBucket, type OperatingLimit, type RateLimit } from './limits';
import { DEFAULT_CODE_LIFETIME_MS, OAuthServer } from './oauth';
import { ERRORS, failure, type Outcome } from './outcome';
import { isPhpArray, parseQuery, phpJsonEncode, type PhpParams, type PhpValue } from './php';
import { Portal, webhookCaller, type Caller } from './portal';
import type {
	BeforeCallHook,
	CallSpec,
	ConnectorState,
	Delivery,
	DeliveryOptions,
	FaultKind,
	FaultOptions,
	ForcedRegistration,
	InjectedError,
	LineSpec,
	LogBatchCommand,
	LogEntry,
	OAuthApp,
	OAuthAppSpec,
	OAuthLogEntry,
	OAuthTokens,
	OperatingTimeFields,
	OutgoingWebhook,
	OutgoingWebhookSpec,
	PlacedCall,
	RegistrationState,
	SandboxLine,
	SandboxNumber,
	SandboxOptions,
	ServerBehaviour,
	StatisticsAccess,
	Webhook,
	WebhookSpec,
} from './types';

const DEFAULT_RATE_LIMIT: RateLimit = { burst: 50, perSecond: 2 };
const DEFAULT_OPERATING: OperatingLimit = {
	limitSeconds: 420,
	costSeconds: 0.01,
	basketMs: 60_000,
};
const DEFAULT_MOVED_TO = 'https://moved-portal.example.com';
const DEFAULT_DELIVERY_TIMEOUT_MS = 30_000;
const TLS_DIR = join(__dirname, 'tls');

const HTTP_REASONS: Record<number, string> = {
	301: 'Moved Permanently',
	302: 'Found',
	404: 'Not Found',
	502: 'Bad Gateway',
	504: 'Gateway Time-out',
};

/** A body a proxy or a dying PHP worker cut off; nothing ran. */
const TRUNCATED_BODY = '{"result":[{"CONFIG_ID":"3","TI';
/** What display_errors puts before the JSON on many self-hosted portals. */
const PHP_NOTICE =
	'<br />\n<b>Notice</b>:  Undefined index: AUTH_USER in <b>/home/bitrix/www/bitrix/modules/voximplant/lib/sip.php</b> on line <b>120</b><br />\n';

interface PendingFault {
	kind: FaultKind | 'apiError';
	remaining: number;
	restMethods?: string[];
	answer?: InjectedError;
	location?: string;
}

type Route =
	| { kind: 'rest'; userId: string; secret: string; method: string }
	| { kind: 'noAuth' }
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
	// `/rest/profile.json`: a method with no user id and code, so no authentication applies.
	if (/^\/rest\/[^/]+$/.test(pathname)) return { kind: 'noAuth' };
	return pathname === '/rest' || pathname.startsWith('/rest/')
		? { kind: 'restOther' }
		: { kind: 'other' };
}

/** /oauth/authorize/ is the portal's page; /oauth/token/ stands in for oauth.bitrix.info. */
function oauthEndpoint(pathname: string): OAuthLogEntry['endpoint'] | undefined {
	const match = /^\/oauth\/(authorize|token)\/?$/.exec(pathname);
	return match ? (match[1] as OAuthLogEntry['endpoint']) : undefined;
}

/**
 * An OAuth access token on a REST call: the Authorization header is read first, then the `auth`
 * parameter. Other Authorization schemes count as none, as on the portal.
 */
function accessToken(
	header: string | undefined,
	params: PhpParams | 'invalidJson',
): { token: string; via: 'bearer' | 'param' } | undefined {
	const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
	if (bearer) return { token: bearer[1], via: 'bearer' };
	if (params === 'invalidJson' || typeof params.auth !== 'string' || params.auth === '')
		return undefined;
	return { token: params.auth, via: 'param' };
}

function errorPage(message: string): string {
	return `<!DOCTYPE html>\n<html>\n<head><title>Authorization error</title></head>\n<body>\n<h1>Authorization error</h1>\n<p>${message}</p>\n</body>\n</html>\n`;
}

function redact(text: string, secrets: Iterable<string>): string {
	for (const secret of secrets) text = text.split(secret).join('***');
	return text;
}

/** A request value with every given secret in its keys and texts replaced by ***. */
function redactValue(value: PhpValue, secrets: Set<string>): PhpValue {
	if (typeof value === 'string') return redact(value, secrets);
	if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
	if (isPhpArray(value)) {
		const out: PhpParams = {};
		for (const [key, v] of Object.entries(value))
			out[redact(key, secrets)] = redactValue(v, secrets);
		return out;
	}
	return value;
}

/** The secret never reaches the log: the secret segment (and any known secret) becomes ***. */
function redactPath(pathname: string, secrets: Iterable<string>): string {
	return redact(pathname.replace(/^(\/rest\/[^/]+\/)([^/]+)/, '$1***'), secrets);
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
	/** Every outgoing-webhook delivery so far, each stage of a call in handler order. */
	readonly deliveries: Delivery[] = [];
	/** The portal's member_id in event auth: 32 hex digits, fixed for the sandbox's life. */
	readonly memberId = newMemberId();
	/** Every request to /oauth/authorize/ and /oauth/token/; REST calls go to `log`. */
	readonly oauthLog: OAuthLogEntry[] = [];

	private readonly bucket: LeakyBucket;
	private latencyMs: number;
	private readonly requestTimeoutMs?: number;
	private requireHttps: boolean;
	private faults: PendingFault[] = [];
	private readonly sockets = new Set<Socket>();
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly outgoing: OutgoingWebhooks;
	private readonly oauth: OAuthServer;
	private seq = 0;
	private closed = false;

	private constructor(
		private readonly server: Server,
		private readonly portal: Portal,
		readonly baseUrl: string,
		private readonly tls: boolean,
		options: SandboxOptions,
	) {
		this.bucket = new LeakyBucket(options.rateLimit ?? DEFAULT_RATE_LIMIT);
		this.latencyMs = options.latencyMs ?? 0;
		this.requestTimeoutMs = options.requestTimeoutMs;
		this.requireHttps = options.requireHttps ?? false;
		portal.baseUrl = baseUrl;
		portal.operatingTimeFields = options.operatingTimeFields ?? 'whenActive';
		portal.hidePasswords = options.hidePasswords ?? false;
		this.webhook = portal.addWebhook();
		this.outgoing = new OutgoingWebhooks({
			baseUrl,
			memberId: this.memberId,
			timeoutMs: options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
		});
		this.oauth = new OAuthServer(
			baseUrl,
			this.memberId,
			options.oauthCodeLifetimeMs ?? DEFAULT_CODE_LIFETIME_MS,
		);
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
		const tls = options.tls === true || options.tls === 'expired';
		// Throwaway key material from test/sandbox/tls; see the README there.
		const server: Server = tls
			? createHttpsServer({
					key: readFileSync(join(TLS_DIR, 'key.pem')),
					cert: readFileSync(
						join(TLS_DIR, options.tls === 'expired' ? 'expired-cert.pem' : 'cert.pem'),
					),
				})
			: createServer();
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
		});
		const { port } = server.address() as AddressInfo;
		const portal = new Portal(
			{ ...DEFAULT_OPERATING, ...options.operating },
			options.registrationStepMs ?? null,
		);
		const scheme = tls ? 'https' : 'http';
		return new Bitrix24Sandbox(server, portal, `${scheme}://127.0.0.1:${port}`, tls, options);
	}

	/** The certificate `tls: true` serves, for a client that wants to trust it as its CA. */
	static certificate(): string {
		return readFileSync(join(TLS_DIR, 'cert.pem'), 'utf8');
	}

	addWebhook(spec?: WebhookSpec): Webhook {
		return this.portal.addWebhook(spec);
	}

	/** Where the OAuth credential sends the user's browser. */
	get authorizeUrl(): string {
		return `${this.baseUrl}/oauth/authorize/`;
	}

	/** Stands in for https://oauth.bitrix.info/oauth/token/. */
	get tokenUrl(): string {
		return `${this.baseUrl}/oauth/token/`;
	}

	/** The tokens' client_endpoint: REST calls go to `${restEndpoint}<method>.json`. */
	get restEndpoint(): string {
		return `${this.baseUrl}/rest/`;
	}

	/** A local application installed on the portal; its user approves it at authorizeUrl. */
	addOAuthApp(spec?: OAuthAppSpec): OAuthApp {
		return this.oauth.addApp(spec);
	}

	/** The authorize step and the code exchange at once, for tests that need a token only. */
	issueTokens(clientId: string, userId?: number): OAuthTokens {
		return this.oauth.issueTokens(clientId, userId);
	}

	/** Every access token issued so far (of that application) expires now; refresh tokens live on. */
	expireAccessTokens(clientId?: string): void {
		this.oauth.expireAccessTokens(clientId);
	}

	/** The application was uninstalled: its tokens stop working and it cannot be authorized. */
	revokeApp(clientId: string): void {
		this.oauth.revoke(clientId);
	}

	removeWebhook(id: string): void {
		this.portal.webhooks.delete(id);
	}

	/** The "Call statistics → View" level of a webhook's user. */
	setCallStatistics(webhookId: string, access: StatisticsAccess): void {
		const webhook = this.portal.webhooks.get(webhookId);
		if (!webhook) throw new Error(`No webhook ${webhookId}`);
		webhook.callStatistics = access;
	}

	/**
	 * The departments a user belongs to, for the "department" level of "Call statistics → View":
	 * such a webhook sees the calls of every user who shares one of its user's departments.
	 */
	setUserDepartments(userId: number, departmentIds: number[]): void {
		this.portal.setUserDepartments(userId, departmentIds);
	}

	/**
	 * A call that has just ended: its statistics row is written (statistic.get sees it from then on)
	 * and its events go to the outgoing webhooks subscribed to them. Resolves once every delivery of
	 * the call was answered or timed out.
	 */
	async placeCall(spec: CallSpec, options: DeliveryOptions = {}): Promise<PlacedCall> {
		if (this.closed) throw new Error('The sandbox is closed');
		const call = this.portal.prepareCall(spec);
		const deliveries: Delivery[] = [];
		const send = async (index: number): Promise<void> => {
			const sent = await this.outgoing.deliver(call.callId, call.events[index], options);
			deliveries.push(...sent);
			this.deliveries.push(...sent);
		};
		// Init and Start go out while the call runs, before any row exists; the row is written when
		// the call ends, and CallEnd is sent after that.
		const end = call.events.length - 1;
		for (let i = 0; i < end; i++) await send(i);
		const row = this.portal.statistics.insert(call);
		await send(end);
		return { callId: call.callId, row, deliveries };
	}

	/** An outgoing webhook: its URL gets a POST for each event it takes, signed with its token. */
	addOutgoingWebhook(spec: OutgoingWebhookSpec): OutgoingWebhook {
		const hook = this.outgoing.add(spec);
		// The log hides application tokens as it hides webhook secrets.
		this.portal.secrets.add(hook.token);
		return hook;
	}

	removeOutgoingWebhook(id: number): void {
		this.outgoing.remove(id);
	}

	/** The statistics rows as voximplant.statistic.get answers them, oldest first (a copy). */
	calls(): Array<Record<string, string | null>> {
		return this.portal.statistics.rows();
	}

	/** A SIP line's DETECT_LINE_NUMBER ('Y'/'N' in voximplant.sip.get rows). */
	setDetectLineNumber(configId: number, on: boolean): void {
		this.portal.setDetectLineNumber(configId, on);
	}

	clearLog(): void {
		this.log.length = 0;
	}

	lines(): SandboxLine[] {
		return this.portal.lineSnapshots();
	}

	/** A line made by a person in the Bitrix24 UI: empty APP_ID, seen by every webhook; no checks. */
	addLineByHand(spec: LineSpec): SandboxLine {
		return this.portal.addLineByHand(spec);
	}

	/** A line of an OAuth application (APP_ID = its client id): invisible to webhooks. */
	addAppLine(appId: string, spec: LineSpec): SandboxLine {
		return this.portal.addAppLine(appId, spec);
	}

	/** A rented number: a telephony config with a title that can be the default outgoing line. */
	addRentedNumber(number: string, title: string): SandboxNumber {
		return this.portal.addRentedNumber(number, title);
	}

	rentedNumbers(): SandboxNumber[] {
		return this.portal.numberSnapshots();
	}

	/** A REST telephony application; returns its pseudo-line `REST_APP:<id>`, which can be the default. */
	addRestAppLine(appId: number): string {
		return this.portal.addRestAppLine(appId);
	}

	/** A REST application's external line, listed by its plain number; returns the number. */
	addRestAppNumber(appId: number, number: string): string {
		return this.portal.addRestAppNumber(appId, number);
	}

	/** A verified caller-id number, which can be the default outgoing line; returns the number. */
	addCallerId(number: string): string {
		return this.portal.addCallerId(number);
	}

	/** Deletes a line (and its registration) or a rented number directly, as a person in the UI would. */
	removeLine(configId: number): void {
		this.portal.removeConfig(configId);
	}

	/** What voximplant.line.outgoing.get answers now: LINK_BASE_NUMBER when the stored value is stale. */
	defaultOutgoing(): string {
		return this.portal.defaultOutgoing;
	}

	/** The default as stored, even when it names no current line (then get answers LINK_BASE_NUMBER). */
	storedDefaultOutgoing(): string {
		return this.portal.storedDefaultOutgoing;
	}

	/**
	 * A config id makes that config the default; a string is stored as it is (a REST app's
	 * `REST_APP:<id>`, a caller id, or a stale value); null: LINK_BASE_NUMBER.
	 */
	setDefaultOutgoing(value: string | number | null): void {
		this.portal.setDefaultOutgoing(value);
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

	/** `never`: answers carry no time.operating / time.operating_reset_at at all. */
	setOperatingTimeFields(mode: OperatingTimeFields): void {
		this.portal.operatingTimeFields = mode;
	}

	setRequireHttps(required: boolean): void {
		this.requireHttps = required;
	}

	/** Called right before a method runs, plain or inside a batch; null removes it. */
	setBeforeCall(hook: BeforeCallHook | null): void {
		this.portal.beforeCall = hook;
	}

	injectFault(kind: FaultKind, count: number, options?: FaultOptions): void {
		this.faults.push({
			kind,
			remaining: count,
			restMethods: options?.restMethods?.map((m) => m.toLowerCase()),
			location: options?.location?.replace(/\/+$/, ''),
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

	/**
	 * The next `count` runs of a matching method (a plain call or a command inside a batch, where
	 * the error lands in result_error without a status) answer with this error instead of running.
	 */
	injectMethodError(
		answer: InjectedError,
		count: number,
		filter?: { restMethods?: string[] },
	): void {
		this.portal.injectMethodError(answer, count, filter?.restMethods);
	}

	async close(): Promise<void> {
		this.closed = true;
		this.outgoing.close();
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
		const contentType = req.headers['content-type'] ?? '';
		// Not the portal's REST: no faults, rate limit or latency, and a log of its own.
		const endpoint = oauthEndpoint(url.pathname);
		if (endpoint) return this.handleOAuth(req, res, url, endpoint);
		const target = route(url.pathname);
		const entry: LogEntry = {
			seq: ++this.seq,
			at: startedAt,
			httpMethod: req.method ?? 'GET',
			path: redactPath(url.pathname, this.secrets()),
			restMethod:
				target.kind === 'rest'
					? target.method.toLowerCase()
					: target.kind === 'noAuth'
						? url.pathname
								.slice('/rest/'.length)
								.replace(/\.json$/i, '')
								.toLowerCase()
						: '',
			params: {},
			contentType,
			status: 0,
		};
		this.log.push(entry);
		const body = await readBody(req);
		const params = parseParams(url.search, contentType, body);
		const token =
			target.kind === 'noAuth' ? accessToken(req.headers.authorization, params) : undefined;
		if (token) entry.auth = token.via;
		// The portal takes `auth` out before the method sees its parameters.
		if (target.kind === 'noAuth' && params !== 'invalidJson') delete params.auth;
		if (params !== 'invalidJson') entry.params = this.redactParams(params);
		let batchCommands: LogBatchCommand[] | undefined;
		if (entry.restMethod === 'batch' && params !== 'invalidJson') {
			batchCommands = parseCommands(params).map((c) => ({
				key: c.key,
				restMethod: c.method.toLowerCase(),
				params: parseQuery(c.query),
			}));
			entry.batchCommands = batchCommands.map((c) => ({
				...c,
				params: this.redactParams(c.params),
			}));
		}

		const pending = this.takeFault([
			entry.restMethod,
			...(batchCommands ?? []).map((c) => c.restMethod),
		]);
		const fault = pending?.kind;
		if (pending?.answer) {
			if (this.latencyMs > 0) await this.delay(this.latencyMs);
			const { status, error, description, extra } = pending.answer;
			return this.answer(res, entry, failure(status, error, description, extra));
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
			case 'redirect301':
			case 'redirect302': {
				// A portal that moved its domain sends the whole URL on, secret included.
				const location = `${pending?.location ?? DEFAULT_MOVED_TO}${url.pathname}${url.search}`;
				return this.sendHtml(res, entry, fault === 'redirect301' ? 301 : 302, {
					Location: location,
				});
			}
			case 'truncated200':
				entry.status = 200;
				return this.sendJsonText(res, 200, TRUNCATED_BODY);
		}

		if (!this.bucket.tryTake(Date.now())) return this.answer(res, entry, ERRORS.queryLimit());
		if (target.kind === 'other') return this.sendHtml(res, entry, 404);
		if (target.kind === 'restOther') return this.answer(res, entry, ERRORS.methodNotFound());
		if (this.requireHttps && !this.tls) return this.answer(res, entry, ERRORS.httpsRequired());
		let caller: Caller;
		if (target.kind === 'noAuth') {
			if (!token) return this.answer(res, entry, ERRORS.noAuth());
			const check = this.oauth.checkAccessToken(token.token);
			if (!check.ok) {
				if (check.appId !== undefined) entry.appId = check.appId;
				const outcome =
					check.error === 'expired_token' ? ERRORS.expiredToken() : ERRORS.invalidToken();
				return this.answer(res, entry, outcome);
			}
			caller = check.caller;
			entry.appId = caller.appId;
		} else {
			// A wrong, deleted or expired code: the webhook check fails with INVALID_CREDENTIALS.
			const webhook = this.portal.findWebhook(target.userId, target.secret);
			if (!webhook) return this.answer(res, entry, ERRORS.invalidCredentials());
			entry.webhookId = webhook.id;
			if (target.method === '') return this.answer(res, entry, ERRORS.methodNotFound());
			caller = webhookCaller(webhook);
		}
		if (params === 'invalidJson') {
			return this.answer(
				res,
				entry,
				failure(400, 'INVALID_REQUEST', 'Request body is not valid JSON'),
			);
		}

		const innerLog: LogBatchCommand[] = [];
		const outcome = this.portal.call(
			caller,
			target.kind === 'rest' ? target.method : entry.restMethod,
			params,
			false,
			startedAt,
			innerLog,
		);
		if (batchCommands && outcome.ok) {
			entry.batchCommands = innerLog.map((c) => ({
				...c,
				params: this.redactParams(c.params),
				...(c.error === undefined ? {} : { error: redact(c.error, this.secrets()) }),
			}));
		}
		switch (fault) {
			case 'lostAfterRun':
				// The portal did the work; the answer is lost on the way back.
				req.socket.destroy();
				return;
			case 'truncatedAfterRun': {
				this.record(entry, outcome);
				const { status, text } = this.encode(outcome);
				return this.sendJsonText(res, status, text.slice(0, Math.floor(text.length / 2)));
			}
			case 'phpNoticeAfterRun': {
				this.record(entry, outcome);
				const { status, text } = this.encode(outcome);
				return this.sendJsonText(res, status, PHP_NOTICE + text);
			}
		}
		this.answer(res, entry, outcome);
	}

	private async handleOAuth(
		req: IncomingMessage,
		res: ServerResponse,
		url: URL,
		endpoint: OAuthLogEntry['endpoint'],
	): Promise<void> {
		const entry: OAuthLogEntry = {
			at: Date.now(),
			endpoint,
			httpMethod: req.method ?? 'GET',
			status: 0,
		};
		this.oauthLog.push(entry);
		const body = await readBody(req);
		if (this.closed) return;
		const params = parseParams(url.search, req.headers['content-type'] ?? '', body);
		if (params !== 'invalidJson') {
			if (typeof params.client_id === 'string') entry.clientId = params.client_id;
			if (endpoint === 'token' && typeof params.grant_type === 'string')
				entry.grantType = params.grant_type;
		}
		if (endpoint === 'authorize') {
			const answer = this.oauth.authorize(params === 'invalidJson' ? {} : params);
			if (!answer.ok) {
				entry.status = 400;
				entry.error = answer.message;
				res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
				res.end(errorPage(answer.message));
				return;
			}
			entry.status = 302;
			res.writeHead(302, { Location: answer.location });
			res.end();
			return;
		}
		const answer =
			params === 'invalidJson'
				? {
						ok: false as const,
						answer: { status: 400, error: 'invalid_request', error_description: 'Invalid JSON' },
					}
				: this.oauth.token(params);
		if (!answer.ok) {
			const { status, ...error } = answer.answer;
			entry.status = status;
			entry.error = error.error;
			return this.sendJsonText(res, status, phpJsonEncode(error));
		}
		entry.status = 200;
		this.sendJsonText(res, 200, phpJsonEncode(answer.tokens));
	}

	/** Webhook secrets and every OAuth secret: what a path or an error text must never show. */
	private secrets(): Set<string> {
		return new Set([...this.portal.secrets, ...this.oauth.secrets]);
	}

	/**
	 * Only application tokens and OAuth secrets are hidden in parameters: a webhook secret can be
	 * a short word that legitimately occurs in them, while a token sent to a REST method is always
	 * a leak.
	 */
	private redactParams(params: Record<string, unknown>): PhpParams {
		return redactValue(
			params as PhpParams,
			new Set([...this.outgoing.tokens, ...this.oauth.secrets]),
		) as PhpParams;
	}

	private record(entry: LogEntry, outcome: Outcome): void {
		entry.status = outcome.ok ? 200 : outcome.status;
		// An injected error code may echo a webhook URL; the log never shows a secret.
		if (!outcome.ok) entry.error = redact(outcome.error, this.secrets());
	}

	private answer(res: ServerResponse, entry: LogEntry, outcome: Outcome): void {
		this.record(entry, outcome);
		this.sendOutcome(res, outcome);
	}

	private encode(outcome: Outcome): { status: number; text: string } {
		const body = outcome.ok
			? {
					result: outcome.result,
					...(outcome.next !== undefined ? { next: outcome.next } : {}),
					...(outcome.total !== undefined ? { total: outcome.total } : {}),
					time: outcome.time,
				}
			: { error: outcome.error, error_description: outcome.description, ...outcome.extra };
		return { status: outcome.ok ? 200 : outcome.status, text: phpJsonEncode(body) };
	}

	private sendOutcome(res: ServerResponse, outcome: Outcome): void {
		const { status, text } = this.encode(outcome);
		this.sendJsonText(res, status, text);
	}

	private sendJsonText(res: ServerResponse, status: number, text: string): void {
		res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
		res.end(text);
	}

	private sendHtml(
		res: ServerResponse,
		entry: LogEntry,
		status: number,
		headers: Record<string, string> = {},
	): void {
		entry.status = status;
		res.writeHead(status, { 'Content-Type': 'text/html', Server: 'nginx', ...headers });
		res.end(nginxPage(status));
	}
}
