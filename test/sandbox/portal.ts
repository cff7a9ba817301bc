/* eslint-disable @n8n/community-nodes/require-node-api-error -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
/** The state of one Bitrix24 portal and the REST methods the sandbox answers. */
import { randomBytes } from 'node:crypto';

import { runBatch } from './batch';
import { applyFilter, applySort, FilterError, type Row } from './filter';
import { OperatingTime, type OperatingLimit } from './limits';
import { ERRORS, failure, RestException, type Outcome } from './outcome';
import { intval, phpString, type PhpParams, type PhpValue } from './php';
import { Registrations } from './registrations';
import { timeInfo } from './time';
import type {
	ConnectorState,
	LineType,
	LogBatchCommand,
	SandboxLine,
	Webhook,
	WebhookSpec,
} from './types';

const PAGE_SIZE = 50;
const MAX_CLOUD_LINES = 10;
const MAX_FIELD_LENGTH = 100;

/** A stored line; its registration and default-outgoing flag live elsewhere in the portal. */
type Line = Omit<SandboxLine, 'registration' | 'isDefaultOutgoing'>;

interface CallContext {
	webhook: Webhook;
	params: PhpParams;
	/** Filled by `batch` so the HTTP log can show the inner commands. */
	batchLog?: LogBatchCommand[];
}

interface MethodResult {
	result: unknown;
	total?: number;
	next?: number;
}

interface MethodDef {
	scope?: string;
	/** Needs the telephony permission "Manage numbers — modify". */
	managesNumbers?: boolean;
	run(ctx: CallContext): MethodResult;
}

export function randomSecret(length = 16): string {
	const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
	return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

function given(params: PhpParams, name: string): boolean {
	return params[name] !== undefined && params[name] !== null;
}

function stripScheme(server: string): string {
	return server.replace(/^https?:\/\//i, '');
}

function length(text: string): number {
	return [...text].length;
}

const accessDenied = (): RestException => new RestException(403, 'ACCESS_DENIED', 'Access denied!');
const configNotFound = (status: number): RestException =>
	new RestException(status, 'ERROR_NOT_FOUND', 'Specified CONFIG_ID is not found');
const settingsNotFound = (): RestException =>
	new RestException(400, 'REG_ID_NOT_FOUND', 'Settings not found');

const PORTAL_SCOPES = [
	'bizproc',
	'calendar',
	'crm',
	'department',
	'disk',
	'im',
	'imopenlines',
	'lists',
	'log',
	'placement',
	'task',
	'telephony',
	'user',
	'user_basic',
];

const USER_NAMES: Record<number, [string, string]> = {
	1: ['Anna', 'Petrova'],
	2: ['Ivan', 'Sokolov'],
	3: ['Maria', 'Volkova'],
};

export class Portal {
	readonly webhooks = new Map<string, Webhook>();
	readonly registrations: Registrations;
	readonly operating: OperatingTime;
	connector: ConnectorState = { FREE_MINUTES: 60, PAID: false };
	baseUrl = 'http://127.0.0.1';

	private readonly lines = new Map<number, Line>();
	private readonly methods: Map<string, MethodDef>;
	private lastWebhookId = 0;
	// Row ids and config ids come from different tables; configs #1-#2 are the portal's own.
	private lastLineId = 0;
	private lastConfigId = 2;
	private defaultOutgoingConfigId: number | null = null;

	constructor(
		operating: OperatingLimit,
		registrationStepMs: number | null,
		private readonly now: () => number = Date.now,
	) {
		this.operating = new OperatingTime(operating);
		this.registrations = new Registrations(registrationStepMs, now);
		this.methods = this.defineMethods();
	}

	addWebhook(spec: WebhookSpec = {}): Webhook {
		const userId = spec.userId ?? 1;
		const secret = spec.secret ?? randomSecret();
		for (const existing of this.webhooks.values()) {
			if (existing.userId === userId && existing.secret === secret) {
				throw new Error(`A webhook for user ${userId} with that secret exists already`);
			}
		}
		const webhook: Webhook = {
			id: String(++this.lastWebhookId),
			userId,
			secret,
			scopes: [...(spec.scopes ?? ['telephony', 'user'])],
			canManageNumbers: spec.canManageNumbers ?? true,
			url: `${this.baseUrl}/rest/${userId}/${secret}/`,
		};
		this.webhooks.set(webhook.id, webhook);
		return webhook;
	}

	findWebhook(userId: string, secret: string): Webhook | undefined {
		for (const webhook of this.webhooks.values()) {
			if (String(webhook.userId) === userId && webhook.secret === secret) return webhook;
		}
		return undefined;
	}

	/** Runs one REST method with everything a real portal checks first. */
	call(
		webhook: Webhook,
		rawMethod: string,
		params: PhpParams,
		inBatch: boolean,
		startedAt: number,
		batchLog?: LogBatchCommand[],
	): Outcome {
		const method = rawMethod.toLowerCase();
		const def = this.methods.get(method);
		if (!def) return ERRORS.methodNotFound();
		if (inBatch && method === 'batch') return ERRORS.batchMethodNotAllowed();
		const operatingKey = `${webhook.id}|${method}`;
		if (this.operating.isBlocked(operatingKey, this.now())) return ERRORS.operationTimeLimit();
		if (def.scope && !webhook.scopes.includes(def.scope)) return ERRORS.insufficientScope();
		const operating = this.operating.charge(operatingKey, this.now());
		const ctx: CallContext = { webhook, params, batchLog };
		try {
			if (def.managesNumbers && !webhook.canManageNumbers) throw accessDenied();
			const answer = def.run(ctx);
			return { ok: true, ...answer, time: timeInfo(startedAt, this.now(), operating) };
		} catch (error) {
			if (error instanceof RestException)
				return failure(error.status, error.code, error.description);
			if (error instanceof FilterError) return failure(400, 'ERROR_CORE', error.message);
			throw error;
		}
	}

	lineSnapshots(): SandboxLine[] {
		return [...this.lines.values()].map((line) => ({
			appId: line.appId,
			id: line.id,
			configId: line.configId,
			type: line.type,
			title: line.title,
			server: line.server,
			login: line.login,
			password: line.password,
			regId: line.regId,
			incomingServer: line.incomingServer,
			incomingLogin: line.incomingLogin,
			incomingPassword: line.incomingPassword,
			registration: line.regId === null ? null : (this.registrations.state(line.regId) ?? null),
			isDefaultOutgoing: this.defaultOutgoingConfigId === line.configId,
		}));
	}

	private defineMethods(): Map<string, MethodDef> {
		const telephony = (run: (ctx: CallContext) => MethodResult): MethodDef => ({
			scope: 'telephony',
			managesNumbers: true,
			run,
		});
		return new Map<string, MethodDef>([
			['scope', { run: (ctx) => ({ result: this.scope(ctx) }) }],
			['profile', { run: (ctx) => ({ result: this.profile(ctx.webhook) }) }],
			[
				'user.current',
				{ scope: 'user', run: (ctx) => ({ result: this.userCurrent(ctx.webhook) }) },
			],
			['method.get', { run: (ctx) => ({ result: this.methodGet(ctx) }) }],
			['batch', { run: (ctx) => ({ result: this.batch(ctx) }) }],
			['voximplant.sip.add', telephony((ctx) => ({ result: this.addLine(ctx) }))],
			['voximplant.sip.update', telephony((ctx) => ({ result: this.updateLine(ctx) }))],
			['voximplant.sip.delete', telephony((ctx) => ({ result: this.deleteLine(ctx) }))],
			['voximplant.sip.get', telephony((ctx) => this.getLines(ctx))],
			['voximplant.sip.status', telephony((ctx) => ({ result: this.status(ctx) }))],
			['voximplant.sip.connector.status', telephony(() => ({ result: { ...this.connector } }))],
			[
				'voximplant.line.outgoing.sip.set',
				telephony((ctx) => ({ result: this.setDefaultOutgoing(ctx) })),
			],
			['voximplant.line.outgoing.get', telephony(() => ({ result: this.defaultOutgoing() }))],
			['voximplant.url.get', telephony(() => ({ result: this.urls() }))],
		]);
	}

	private scope(ctx: CallContext): string[] {
		return ctx.params.full === 'true' || ctx.params.full === true
			? [...PORTAL_SCOPES]
			: [...ctx.webhook.scopes];
	}

	private profile(webhook: Webhook): Record<string, unknown> {
		const [name, lastName] = USER_NAMES[webhook.userId] ?? ['User', String(webhook.userId)];
		return {
			ID: String(webhook.userId),
			ADMIN: webhook.userId === 1,
			NAME: name,
			LAST_NAME: lastName,
			PERSONAL_GENDER: '',
			TIME_ZONE: '',
			TIME_ZONE_OFFSET: 10800,
		};
	}

	private userCurrent(webhook: Webhook): Record<string, unknown> {
		const [name, lastName] = USER_NAMES[webhook.userId] ?? ['User', String(webhook.userId)];
		return {
			ID: String(webhook.userId),
			XML_ID: null,
			ACTIVE: true,
			NAME: name,
			LAST_NAME: lastName,
			EMAIL: `user${webhook.userId}@example.com`,
			TIME_ZONE: '',
			TIME_ZONE_OFFSET: '10800',
		};
	}

	private methodGet(ctx: CallContext): { isExisting: boolean; isAvailable: boolean } {
		const def = this.methods.get(phpString(ctx.params.name).toLowerCase());
		if (!def) return { isExisting: false, isAvailable: false };
		return { isExisting: true, isAvailable: !def.scope || ctx.webhook.scopes.includes(def.scope) };
	}

	private batch(ctx: CallContext): unknown {
		const { parts, log } = runBatch(ctx.params, (method, params) =>
			this.call(ctx.webhook, method, params, true, this.now()),
		);
		ctx.batchLog?.push(...log);
		return parts;
	}

	private visibleLine(ctx: CallContext, configIdParam: PhpValue | undefined): Line | undefined {
		const line = this.lines.get(intval(configIdParam));
		return line && line.appId === ctx.webhook.id ? line : undefined;
	}

	/** The CHECK_FIELDS_ERROR parts, in Bitrix24's order; absent fields (update) are not checked. */
	private checkFields(fields: {
		type?: string;
		server?: string;
		login?: string;
		password?: string;
	}): void {
		const errors: string[] = [];
		if (fields.server === '') errors.push('Server address not specified');
		if (fields.login === '') errors.push('Login for connecting to the server not specified');
		if (fields.server !== undefined && length(fields.server) > MAX_FIELD_LENGTH) {
			errors.push('Server address cannot exceed 100 characters');
		}
		if (fields.login !== undefined && length(fields.login) > MAX_FIELD_LENGTH) {
			errors.push('Login for connecting to the server cannot exceed 100 characters');
		}
		if (fields.password !== undefined && length(fields.password) > MAX_FIELD_LENGTH) {
			errors.push('Password for connecting to the server cannot exceed 100 characters');
		}
		if (fields.type !== undefined && fields.type !== 'cloud' && fields.type !== 'office') {
			errors.push('Wrong PBX type');
		}
		if (errors.length > 0) throw new RestException(400, 'CHECK_FIELDS_ERROR', errors.join('<br> '));
	}

	/** Titles are unique over the whole portal; MySQL's collation makes the check case-insensitive. */
	private checkTitle(title: string, exceptConfigId?: number): void {
		if (title === '') return;
		for (const line of this.lines.values()) {
			if (line.configId !== exceptConfigId && line.title.toLowerCase() === title.toLowerCase()) {
				throw new RestException(
					400,
					'TITLE_EXISTS',
					'The specified connection name is already registered in the system',
				);
			}
		}
	}

	private checkCloudLimit(): void {
		const cloudLines = [...this.lines.values()].filter((line) => line.type === 'cloud').length;
		if (cloudLines >= MAX_CLOUD_LINES) {
			throw new RestException(
				400,
				'MAX_CLOUD_PBX',
				`You cannot connect more than ${MAX_CLOUD_LINES} virtual PBXs.`,
			);
		}
	}

	private makeIncoming(line: Line): void {
		line.incomingServer = 'ip.b24-sandbox.voximplant.com';
		line.incomingLogin = `sip${line.configId}`;
		line.incomingPassword = randomSecret(10);
	}

	private addLine(ctx: CallContext): Record<string, unknown> {
		const p = ctx.params;
		const type = given(p, 'TYPE') ? phpString(p.TYPE).toLowerCase() : 'cloud';
		const title = phpString(p.TITLE).trim();
		const server = stripScheme(phpString(p.SERVER));
		const login = phpString(p.LOGIN);
		const password = phpString(p.PASSWORD);
		this.checkFields({ type, server, login, password });
		this.checkTitle(title);
		if (type === 'cloud') this.checkCloudLimit();
		const line: Line = {
			id: ++this.lastLineId,
			configId: ++this.lastConfigId,
			appId: ctx.webhook.id,
			type: type as LineType,
			title,
			server,
			login,
			password,
			regId: null,
			incomingServer: null,
			incomingLogin: null,
			incomingPassword: null,
		};
		if (line.type === 'cloud') line.regId = this.registrations.create(line.configId, line);
		else this.makeIncoming(line);
		this.lines.set(line.configId, line);
		if (this.defaultOutgoingConfigId === null) this.defaultOutgoingConfigId = line.configId;
		return {
			ID: String(line.id),
			TYPE: line.type,
			CONFIG_ID: String(line.configId),
			...(line.type === 'cloud'
				? { REG_ID: line.regId }
				: {
						INCOMING_SERVER: line.incomingServer,
						INCOMING_LOGIN: line.incomingLogin,
						INCOMING_PASSWORD: line.incomingPassword,
					}),
			TITLE: line.title,
			SERVER: line.server,
			LOGIN: line.login,
			PASSWORD: line.password,
			AUTH_USER: null,
			OUTBOUND_PROXY: null,
			DETECT_LINE_NUMBER: 'N',
			LINE_DETECT_HEADER_ORDER: 'diversion;to',
			REGISTRATION_STATUS_CODE: null,
			REGISTRATION_ERROR_MESSAGE: null,
		};
	}

	private updateLine(ctx: CallContext): number {
		const p = ctx.params;
		const line = this.visibleLine(ctx, p.CONFIG_ID);
		if (!line) throw configNotFound(404);
		if (!['TITLE', 'SERVER', 'LOGIN', 'PASSWORD'].some((name) => given(p, name))) return 1;
		// Bitrix24 defaults a missing TYPE to cloud here (and does not lower-case it), so an
		// office line updated without its TYPE is saved as a cloud line: clients must send the real TYPE.
		const type = given(p, 'TYPE') ? phpString(p.TYPE) : 'cloud';
		const server = given(p, 'SERVER') ? stripScheme(phpString(p.SERVER)) : undefined;
		const login = given(p, 'LOGIN') ? phpString(p.LOGIN) : undefined;
		const password = given(p, 'PASSWORD') ? phpString(p.PASSWORD) : undefined;
		const title = given(p, 'TITLE') ? phpString(p.TITLE).trim() : undefined;
		this.checkFields({ type, server, login, password });
		if (title !== undefined) this.checkTitle(title, line.configId);
		if (type === 'cloud' && line.type === 'office') this.checkCloudLimit();

		if (title !== undefined) line.title = title;
		if (server !== undefined) line.server = server;
		if (login !== undefined) line.login = login;
		if (password !== undefined) line.password = password;
		const credentialsChanged =
			server !== undefined || login !== undefined || password !== undefined;
		if (type !== line.type) {
			line.type = type as LineType;
			if (line.type === 'cloud') {
				line.incomingServer = line.incomingLogin = line.incomingPassword = null;
				line.regId = this.registrations.create(line.configId, line);
			} else {
				if (line.regId !== null) this.registrations.delete(line.regId);
				line.regId = null;
				this.makeIncoming(line);
			}
		} else if (line.type === 'cloud' && credentialsChanged && line.regId !== null) {
			this.registrations.restart(line.regId, line);
		}
		return 1;
	}

	private deleteLine(ctx: CallContext): number {
		const line = this.visibleLine(ctx, ctx.params.CONFIG_ID);
		if (!line) throw configNotFound(400);
		if (line.regId !== null) {
			if (this.registrations.isBroken(line.regId)) throw settingsNotFound();
			this.registrations.delete(line.regId);
		}
		this.lines.delete(line.configId);
		if (this.defaultOutgoingConfigId === line.configId) this.defaultOutgoingConfigId = null;
		return 1;
	}

	/** A line as a database row: every value a string or null. */
	private row(line: Line): Row {
		const registration = line.regId === null ? undefined : this.registrations.state(line.regId);
		const settled =
			registration?.STATUS_RESULT === 'success' || registration?.STATUS_RESULT === 'error';
		return {
			ID: String(line.id),
			APP_ID: line.appId,
			TYPE: line.type,
			CONFIG_ID: String(line.configId),
			REG_ID: line.regId === null ? null : String(line.regId),
			INCOMING_SERVER: line.incomingServer,
			INCOMING_LOGIN: line.incomingLogin,
			INCOMING_PASSWORD: line.incomingPassword,
			TITLE: line.title,
			SERVER: line.server,
			LOGIN: line.login,
			PASSWORD: line.password,
			AUTH_USER: null,
			OUTBOUND_PROXY: null,
			DETECT_LINE_NUMBER: 'N',
			LINE_DETECT_HEADER_ORDER: 'diversion;to',
			REGISTRATION_STATUS_CODE:
				settled && registration?.STATUS_CODE != null ? String(registration.STATUS_CODE) : null,
			REGISTRATION_ERROR_MESSAGE: settled ? (registration?.ERROR_MESSAGE ?? null) : null,
		};
	}

	private getLines(ctx: CallContext): MethodResult {
		const p = ctx.params;
		let rows = [...this.lines.values()]
			.filter((line) => line.appId === ctx.webhook.id)
			.map((line) => this.row(line));
		rows = applyFilter(rows, p.FILTER);
		rows = applySort(rows, p.SORT, p.ORDER);
		// start=-1 is Bitrix's "first page, skip counting".
		const start = intval(p.start);
		const offset = Math.max(0, start);
		const page = rows.slice(offset, offset + PAGE_SIZE).map((row) => {
			const out: Record<string, string | null> = { ...row };
			delete out.APP_ID;
			if (row.TYPE === 'cloud') {
				delete out.INCOMING_SERVER;
				delete out.INCOMING_LOGIN;
				delete out.INCOMING_PASSWORD;
			} else {
				delete out.REG_ID;
			}
			return out;
		});
		if (page.length === 0) return { result: [] };
		if (start === -1) return { result: page };
		return {
			result: page,
			total: rows.length,
			...(offset + PAGE_SIZE < rows.length ? { next: offset + PAGE_SIZE } : {}),
		};
	}

	private status(ctx: CallContext): Record<string, unknown> {
		const regId = intval(ctx.params.REG_ID);
		const state = this.registrations.state(regId);
		if (!state) throw settingsNotFound();
		// The read itself is what moves a registration on when no step interval is set.
		this.registrations.afterStatusRead(regId);
		return {
			REG_ID: state.regId,
			LAST_UPDATED: state.LAST_UPDATED,
			ERROR_MESSAGE: state.ERROR_MESSAGE,
			STATUS_CODE: state.STATUS_CODE,
			STATUS_RESULT: state.STATUS_RESULT,
		};
	}

	private setDefaultOutgoing(ctx: CallContext): number {
		const line = this.visibleLine(ctx, ctx.params.CONFIG_ID);
		if (!line) throw configNotFound(400);
		this.defaultOutgoingConfigId = line.configId;
		return 1;
	}

	private defaultOutgoing(): string {
		const line =
			this.defaultOutgoingConfigId === null
				? undefined
				: this.lines.get(this.defaultOutgoingConfigId);
		if (!line) return '';
		return line.type === 'cloud' ? `reg${line.regId}` : `sip${line.configId}`;
	}

	private urls(): Record<string, string> {
		const base = this.baseUrl;
		return {
			detail_statistics: `${base}/telephony/detail.php`,
			buy_connector: `${base}/settings/license_phone_sip.php`,
			edit_config: `${base}/telephony/edit.php?ID=#CONFIG_ID#`,
			lines: `${base}/telephony/lines.php`,
			link_callerid: `${base}/telephony/lines.php`,
			link_numbers: `${base}/telephony/lines.php`,
			link_sip: `${base}/telephony/lines.php`,
			configure_numbers: `${base}/telephony/lines.php`,
		};
	}
}
