/* eslint-disable @n8n/community-nodes/require-node-api-error -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
/** The state of one Bitrix24 portal and the REST methods the sandbox answers. */
import { randomBytes } from 'node:crypto';

import { runBatch } from './batch';
import { CallStatistics, prepareCall, type CallLine, type PreparedCall } from './calls';
import { applyFilter, applySort, ArgumentError, checkOrder, FilterError, type Row } from './filter';
import { OperatingTime, type OperatingLimit, type OperatingState } from './limits';
import { ERRORS, failure, RestException, type Outcome } from './outcome';
import { intval, isPhpArray, phpString, phpTrim, type PhpParams, type PhpValue } from './php';
import { Registrations, type Credentials } from './registrations';
import { timeInfo } from './time';
import type {
	BeforeCallHook,
	CallSpec,
	ConnectorState,
	InjectedError,
	LineSpec,
	LineType,
	LogBatchCommand,
	OperatingTimeFields,
	SandboxLine,
	SandboxNumber,
	StatisticsAccess,
	Webhook,
	WebhookSpec,
} from './types';

const PAGE_SIZE = 50;
const MAX_CLOUD_LINES = 10;
const MAX_FIELD_LENGTH = 100;

/** The portal's default outgoing line when none of its configs is (a fresh portal's too). */
export const LINK_BASE_NUMBER = 'LINK_BASE_NUMBER';

/** An inbound webhook has no application id: webhooks and the UI share the lines stored with ''. */
const WEBHOOK_APP_ID = '';

/** Who a REST call runs as: an inbound webhook, or an OAuth application acting for its user. */
export interface Caller {
	/** Operating time is counted per key: per webhook, or per application. */
	key: string;
	/** '' for a webhook; an application's client id, which its lines are stored and filtered by. */
	appId: string;
	via: 'webhook' | 'oauth';
	userId: number;
	scopes: string[];
	canManageNumbers: boolean;
	callStatistics: StatisticsAccess;
}

/** Built per request, so a permission changed between calls (setCallStatistics) applies. */
export function webhookCaller(webhook: Webhook): Caller {
	return {
		key: webhook.id,
		appId: WEBHOOK_APP_ID,
		via: 'webhook',
		userId: webhook.userId,
		scopes: webhook.scopes,
		canManageNumbers: webhook.canManageNumbers,
		callStatistics: webhook.callStatistics,
	};
}

/** A stored line; its registration and default-outgoing flag live elsewhere in the portal. */
type Line = Omit<SandboxLine, 'registration' | 'isDefaultOutgoing'> & {
	/** Set when update restarted the registration: the row shows status code "0" until it settles. */
	statusReset: boolean;
};

/** A rented number: a telephony config that is not a SIP line. */
type RentedNumber = Omit<SandboxNumber, 'isDefaultOutgoing'>;

/** voximplant.sip.add's fields after the server's normalisation; password is the untrimmed text. */
interface LineFields {
	type: string;
	title: string;
	server: string;
	login: string;
	rawPassword: string;
}

interface PendingMethodError {
	answer: InjectedError;
	remaining: number;
	restMethods?: string[];
}

interface CallContext {
	caller: Caller;
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
	/** Needs "Call statistics — view" (CALL_DETAIL/VIEW), not "Manage numbers". */
	viewsCallStatistics?: boolean;
	run(ctx: CallContext): MethodResult;
}

export function randomSecret(length = 16): string {
	const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
	return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

function given(params: PhpParams, name: string): boolean {
	return params[name] !== undefined && params[name] !== null;
}

/** Trimmed, then str_replace(['http://', 'https://'], '') over the whole text (case-sensitive). */
function normaliseServer(server: string): string {
	return phpTrim(server).split('http://').join('').split('https://').join('');
}

function credentials(line: Line): Credentials {
	return { server: line.server, login: line.login, password: line.password };
}

function length(text: string): number {
	return [...text].length;
}

const accessDenied = (): RestException => new RestException(403, 'ACCESS_DENIED', 'Access denied!');
const configNotFound = (status: number): RestException =>
	new RestException(status, 'ERROR_NOT_FOUND', 'Specified CONFIG_ID is not found');
const registrationNotFound = (): RestException =>
	new RestException(400, 'REG_ID_NOT_FOUND', 'Configuration was not found.');

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
	/** Every secret ever issued, removed webhooks' too, so the log can hide them. */
	readonly secrets = new Set<string>();
	readonly registrations: Registrations;
	readonly operating: OperatingTime;
	readonly statistics: CallStatistics;
	connector: ConnectorState = { FREE_MINUTES: 60, PAID: false };
	baseUrl = 'http://127.0.0.1';

	operatingTimeFields: OperatingTimeFields = 'whenActive';
	/** `get` leaves out the passwords (see SandboxOptions.hidePasswords) */
	hidePasswords = false;
	beforeCall: BeforeCallHook | null = null;

	private readonly lines = new Map<number, Line>();
	private readonly numbers = new Map<number, RentedNumber>();
	/** REST telephony applications (handlers of OnExternalCallStart) by id: pseudo-lines `REST_APP:<id>`. */
	private readonly restApps = new Set<number>();
	/** External lines of REST applications (telephony.externalLine.add): number → application id. */
	private readonly restAppNumbers = new Map<string, number>();
	/** Verified caller-id numbers (the portal's "link" numbers). */
	private readonly callerIds = new Set<string>();
	/** The departments each user belongs to; a user not listed is in none. */
	private readonly userDepartments = new Map<number, number[]>();
	private readonly methods: Map<string, MethodDef>;
	private methodErrors: PendingMethodError[] = [];
	private lastWebhookId = 0;
	// Row ids and config ids come from different tables; config ids 1-2 are taken by configs the
	// sandbox does not model, so the first line is config 3.
	private lastLineId = 0;
	private lastConfigId = 2;
	/**
	 * The stored option "portal_number": a line's search id or LINK_BASE_NUMBER, or whatever was
	 * stored once, even if that line is gone; what counts is portalNumber() (GetPortalNumber).
	 */
	private storedPortalNumber: string = LINK_BASE_NUMBER;
	/** CRM activities the calls' CRM registration makes; ids in the range of a used portal. */
	private lastActivityId = 7700;

	constructor(
		operating: OperatingLimit,
		registrationStepMs: number | null,
		private readonly now: () => number = Date.now,
	) {
		this.operating = new OperatingTime(operating);
		this.registrations = new Registrations(registrationStepMs, now);
		this.statistics = new CallStatistics(now);
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
			callStatistics: spec.callStatistics ?? 'any',
			url: `${this.baseUrl}/rest/${userId}/${secret}/`,
		};
		this.webhooks.set(webhook.id, webhook);
		this.secrets.add(secret);
		return webhook;
	}

	/** The departments a user belongs to (the company structure); [] takes the user out of all. */
	setUserDepartments(userId: number, departmentIds: number[]): void {
		this.userDepartments.set(userId, [...departmentIds]);
	}

	/**
	 * Helper::getAllowedUserIds for "Call statistics → View": null (every call) for `any`; for
	 * `department` the user and CIntranetUtils::getDepartmentColleagues, i.e. everyone who shares
	 * one of the user's departments (sub-departments are not modelled).
	 */
	private allowedCallUsers(caller: Caller): number[] | null {
		switch (caller.callStatistics) {
			case 'any':
				return null;
			case 'department': {
				const own = new Set(this.userDepartments.get(caller.userId) ?? []);
				const colleagues = [...this.userDepartments]
					.filter(([, departments]) => departments.some((id) => own.has(id)))
					.map(([userId]) => userId);
				return [...new Set([caller.userId, ...colleagues])];
			}
			case 'own':
				return [caller.userId];
			case 'none':
				return [];
		}
	}

	findWebhook(userId: string, secret: string): Webhook | undefined {
		for (const webhook of this.webhooks.values()) {
			if (String(webhook.userId) === userId && webhook.secret === secret) return webhook;
		}
		return undefined;
	}

	/** Runs one REST method with everything a real portal checks first. */
	call(
		caller: Caller,
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
		if (def.scope && !caller.scopes.includes(def.scope))
			return ERRORS.insufficientScope(inBatch, caller.via);
		// `batch` itself is exempt; each inner command counts toward its own method.
		const operatingKey = method === 'batch' ? undefined : `${caller.key}|${method}`;
		if (operatingKey !== undefined && this.operating.isBlocked(operatingKey, this.now()))
			return ERRORS.operationTimeLimit();
		const operating =
			operatingKey === undefined ? undefined : this.operating.charge(operatingKey, this.now());
		const ctx: CallContext = { caller, params, batchLog };
		try {
			if (def.managesNumbers && !caller.canManageNumbers) throw accessDenied();
			if (def.viewsCallStatistics && caller.callStatistics === 'none') throw accessDenied();
			const injected = this.takeMethodError(method);
			if (injected) {
				const { status, error, description, extra } = injected;
				return failure(status, error, description, extra);
			}
			this.beforeCall?.(method, params);
			const answer = def.run(ctx);
			return {
				ok: true,
				...answer,
				time: timeInfo(startedAt, this.now(), this.shownOperating(operating)),
			};
		} catch (error) {
			if (error instanceof RestException)
				return failure(error.status, error.code, error.description, error.extra);
			if (error instanceof ArgumentError)
				return failure(400, 'ERROR_ARGUMENT', error.message, { argument: error.argument });
			if (error instanceof FilterError) return failure(400, 'ERROR_CORE', error.message);
			throw error;
		}
	}

	/** The next `count` runs of a matching method answer with this error instead of running. */
	injectMethodError(answer: InjectedError, count: number, restMethods?: string[]): void {
		this.methodErrors.push({
			answer,
			remaining: count,
			restMethods: restMethods?.map((m) => m.toLowerCase()),
		});
	}

	private takeMethodError(method: string): InjectedError | undefined {
		const pending = this.methodErrors.find(
			(e) => e.remaining > 0 && (!e.restMethods || e.restMethods.includes(method)),
		);
		if (!pending) return undefined;
		pending.remaining -= 1;
		this.methodErrors = this.methodErrors.filter((e) => e.remaining > 0);
		return pending.answer;
	}

	/** time.operating* appear only while the limiter is active for the method (its sum above 0). */
	private shownOperating(state: OperatingState | undefined): OperatingState | undefined {
		if (this.operatingTimeFields === 'never' || !state || state.operating <= 0) return undefined;
		return state;
	}

	/** A line made in the Bitrix24 UI: stored with no application id, so every webhook sees it. */
	addLineByHand(spec: LineSpec): SandboxLine {
		return this.snapshot(this.createLine(WEBHOOK_APP_ID, this.normaliseSpec(spec)));
	}

	/** A line of an OAuth application: only that application sees it. */
	addAppLine(appId: string, spec: LineSpec): SandboxLine {
		if (appId === WEBHOOK_APP_ID) throw new Error('An OAuth application needs a client id');
		return this.snapshot(this.createLine(appId, this.normaliseSpec(spec)));
	}

	/**
	 * A REST telephony application: GetPortalNumbers(true, true) lists it as the pseudo-line
	 * `REST_APP:<id>`, which can be the default outgoing line. Returns that pseudo-line.
	 */
	addRestAppLine(appId: number): string {
		if (!Number.isSafeInteger(appId) || appId <= 0)
			throw new Error('A REST application id is a positive integer');
		this.restApps.add(appId);
		return `REST_APP:${appId}`;
	}

	/**
	 * An external line a REST application registered (telephony.externalLine.add): GetPortalNumbers
	 * lists it by its plain NUMBER, so it can be the default outgoing line. Returns the number.
	 */
	addRestAppNumber(appId: number, number: string): string {
		if (this.restAppNumbers.has(number)) throw new Error(`Number ${number} is registered already`);
		// Bitrix24 lists an external line only under an application that handles external calls
		this.addRestAppLine(appId);
		this.restAppNumbers.set(number, appId);
		return number;
	}

	/**
	 * A verified caller-id number: a line of the portal (GetPortalNumbers lists it by its number),
	 * so it can be the default outgoing line. Its telephony config is not modelled.
	 */
	addCallerId(number: string): string {
		if (this.callerIds.has(number)) throw new Error(`Caller ID ${number} is verified already`);
		this.callerIds.add(number);
		return number;
	}

	addRentedNumber(number: string, title: string): SandboxNumber {
		for (const existing of this.numbers.values()) {
			if (existing.number === number) throw new Error(`Number ${number} is rented already`);
		}
		const rented: RentedNumber = { configId: ++this.lastConfigId, number, title };
		this.numbers.set(rented.configId, rented);
		return this.numberSnapshot(rented);
	}

	/** Deletes a config as a person in the UI would: no checks, its registration goes too. */
	removeConfig(configId: number): void {
		const line = this.lines.get(configId);
		const rented = this.numbers.get(configId);
		if (!line && !rented) throw new Error(`No telephony config ${configId}`);
		if (line) this.dropLine(line);
		if (rented) this.numbers.delete(configId);
	}

	/**
	 * Every line GetPortalNumbers(true, true) lists, by the value the default is stored as: SIP
	 * lines (any application's) by search id, rented numbers, REST apps' pseudo-lines, caller ids.
	 */
	private currentLineNumbers(): Set<string> {
		return new Set([
			...[...this.lines.values()].map((line) => this.lineSearchId(line)),
			...[...this.numbers.values()].map((rented) => rented.number),
			...[...this.restApps].map((appId) => `REST_APP:${appId}`),
			...this.restAppNumbers.keys(),
			...this.callerIds,
		]);
	}

	/**
	 * GetPortalNumber (vi_config.php): the stored value while it names a current line, else
	 * LINK_BASE_NUMBER — so a deleted or stale default reads as "none".
	 */
	private portalNumber(): string {
		const stored = this.storedPortalNumber;
		return this.currentLineNumbers().has(stored) ? stored : LINK_BASE_NUMBER;
	}

	/** What voximplant.line.outgoing.get answers: a current line's number, or LINK_BASE_NUMBER. */
	get defaultOutgoing(): string {
		return this.portalNumber();
	}

	/** The value stored, even one that names no current line. */
	get storedDefaultOutgoing(): string {
		return this.storedPortalNumber;
	}

	/** A config id picks that config; a string is stored as it is (even a stale one); null: none. */
	setDefaultOutgoing(value: string | number | null): void {
		if (typeof value === 'number') {
			const searchId = this.searchIdOf(value);
			if (searchId === undefined) throw new Error(`No telephony config ${value}`);
			this.storedPortalNumber = searchId;
		} else {
			this.storedPortalNumber = value ?? LINK_BASE_NUMBER;
		}
	}

	/** A SIP line's DETECT_LINE_NUMBER, as set in the line's settings in the UI. */
	setDetectLineNumber(configId: number, on: boolean): void {
		const line = this.lines.get(configId);
		if (!line) throw new Error(`No SIP line with config ${configId}`);
		line.detectLineNumber = on;
	}

	/**
	 * A finished call's row and events. The line: configId (a SIP line or rented number), a raw
	 * portalNumber, or else the default outgoing line.
	 */
	prepareCall(spec: CallSpec): PreparedCall {
		return prepareCall(spec, this.callLine(spec), this.now(), () => ++this.lastActivityId);
	}

	private callLine(spec: CallSpec): CallLine {
		if (spec.configId !== undefined && spec.portalNumber !== undefined)
			throw new Error('A call takes configId or portalNumber, not both');
		if (spec.configId !== undefined) {
			const line = this.lines.get(spec.configId);
			if (line)
				return { searchId: this.lineSearchId(line), detectLineNumber: line.detectLineNumber };
			const rented = this.numbers.get(spec.configId);
			if (rented) return { searchId: rented.number, detectLineNumber: false };
			throw new Error(`No telephony config ${spec.configId}`);
		}
		if (spec.portalNumber !== undefined)
			return { searchId: spec.portalNumber, detectLineNumber: false };
		const portalNumber = this.portalNumber();
		if (portalNumber === LINK_BASE_NUMBER)
			throw new Error('No default outgoing line: give the call a configId or portalNumber');
		const line = [...this.lines.values()].find((l) => this.lineSearchId(l) === portalNumber);
		return { searchId: portalNumber, detectLineNumber: line?.detectLineNumber ?? false };
	}

	numberSnapshots(): SandboxNumber[] {
		return [...this.numbers.values()].map((rented) => this.numberSnapshot(rented));
	}

	lineSnapshots(): SandboxLine[] {
		return [...this.lines.values()].map((line) => this.snapshot(line));
	}

	private snapshot(line: Line): SandboxLine {
		return {
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
			isDefaultOutgoing: this.portalNumber() === this.lineSearchId(line),
			detectLineNumber: line.detectLineNumber,
		};
	}

	private numberSnapshot(rented: RentedNumber): SandboxNumber {
		return { ...rented, isDefaultOutgoing: this.portalNumber() === rented.number };
	}

	private defineMethods(): Map<string, MethodDef> {
		const telephony = (run: (ctx: CallContext) => MethodResult): MethodDef => ({
			scope: 'telephony',
			managesNumbers: true,
			run,
		});
		return new Map<string, MethodDef>([
			['scope', { run: (ctx) => ({ result: this.scope(ctx) }) }],
			['profile', { run: (ctx) => ({ result: this.profile(ctx.caller) }) }],
			['user.current', { scope: 'user', run: (ctx) => ({ result: this.userCurrent(ctx.caller) }) }],
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
				telephony((ctx) => ({ result: this.setOutgoingLine(ctx) })),
			],
			['voximplant.line.outgoing.get', telephony(() => ({ result: this.portalNumber() }))],
			['voximplant.url.get', telephony(() => ({ result: this.urls() }))],
			[
				'voximplant.statistic.get',
				{
					scope: 'telephony',
					viewsCallStatistics: true,
					run: (ctx) =>
						this.statistics.get({
							params: ctx.params,
							allowedUserIds: this.allowedCallUsers(ctx.caller),
						}),
				},
			],
		]);
	}

	private scope(ctx: CallContext): string[] {
		return ctx.params.full === 'true' || ctx.params.full === true
			? [...PORTAL_SCOPES]
			: [...ctx.caller.scopes];
	}

	private profile(caller: Caller): Record<string, unknown> {
		const [name, lastName] = USER_NAMES[caller.userId] ?? ['User', String(caller.userId)];
		return {
			ID: String(caller.userId),
			ADMIN: caller.userId === 1,
			NAME: name,
			LAST_NAME: lastName,
			PERSONAL_GENDER: '',
			TIME_ZONE: '',
			TIME_ZONE_OFFSET: 10800,
		};
	}

	private userCurrent(caller: Caller): Record<string, unknown> {
		const [name, lastName] = USER_NAMES[caller.userId] ?? ['User', String(caller.userId)];
		return {
			ID: String(caller.userId),
			XML_ID: null,
			ACTIVE: true,
			NAME: name,
			LAST_NAME: lastName,
			EMAIL: `user${caller.userId}@example.com`,
			TIME_ZONE: '',
			TIME_ZONE_OFFSET: '10800',
		};
	}

	private methodGet(ctx: CallContext): { isExisting: boolean; isAvailable: boolean } {
		const def = this.methods.get(phpString(ctx.params.name).toLowerCase());
		if (!def) return { isExisting: false, isAvailable: false };
		return { isExisting: true, isAvailable: !def.scope || ctx.caller.scopes.includes(def.scope) };
	}

	private batch(ctx: CallContext): unknown {
		const { parts, log } = runBatch(ctx.params, (method, params) =>
			this.call(ctx.caller, method, params, true, this.now()),
		);
		ctx.batchLog?.push(...log);
		return parts;
	}

	private visibleLine(ctx: CallContext, configIdParam: PhpValue | undefined): Line | undefined {
		const line = this.lines.get(intval(configIdParam));
		return line && line.appId === ctx.caller.appId ? line : undefined;
	}

	/**
	 * The CHECK_FIELDS_ERROR parts, in the server's order; fields left undefined (update) are not
	 * checked. The password is checked before it is trimmed.
	 */
	private checkFields(fields: {
		type: string;
		server?: string;
		login?: string;
		rawPassword?: string;
	}): void {
		const errors: string[] = [];
		if (fields.type !== 'cloud' && fields.type !== 'office')
			errors.push('PBX type is not specified.');
		if (fields.server === '') errors.push('Server address is not specified.');
		else if (fields.server !== undefined && length(fields.server) > MAX_FIELD_LENGTH)
			errors.push('Server address must not exceed 100 characters.');
		if (fields.login === '') errors.push('Server login is not specified.');
		else if (fields.login !== undefined && length(fields.login) > MAX_FIELD_LENGTH)
			errors.push('Server login must not exceed 100 characters.');
		if (fields.rawPassword !== undefined && length(fields.rawPassword) > MAX_FIELD_LENGTH)
			errors.push('Server password must not exceed 100 characters.');
		if (errors.length > 0) throw new RestException(400, 'CHECK_FIELDS_ERROR', errors.join('<br> '));
	}

	/**
	 * Titles are unique over every telephony config of the portal, whoever made it and whether the
	 * caller sees it or not; MySQL's collation makes the comparison ignore case.
	 */
	private checkTitle(title: string, exceptConfigId?: number): void {
		const titles = [
			...[...this.lines.values()].map((line) => ({ configId: line.configId, title: line.title })),
			...this.numbers.values(),
		];
		for (const config of titles) {
			if (
				config.configId !== exceptConfigId &&
				config.title.toLowerCase() === title.toLowerCase()
			) {
				throw new RestException(
					400,
					'TITLE_EXISTS',
					'The specified connection name is already used in the system.',
				);
			}
		}
	}

	/** Counts every cloud line of the portal, the caller's or not. */
	private checkCloudLimit(): void {
		const cloudLines = [...this.lines.values()].filter((line) => line.type === 'cloud').length;
		if (cloudLines >= MAX_CLOUD_LINES) {
			throw new RestException(
				400,
				'MAX_CLOUD_PBX',
				`You cannot connect more than ${MAX_CLOUD_LINES} cloud hosted PBX's.`,
			);
		}
	}

	private normaliseSpec(spec: LineSpec): LineFields {
		return {
			type: (spec.type ?? 'cloud').toLowerCase(),
			title: phpTrim(spec.title ?? ''),
			server: normaliseServer(spec.server),
			login: phpTrim(spec.login),
			rawPassword: spec.password ?? '',
		};
	}

	/** What line.outgoing.get answers while the line is the default. */
	private lineSearchId(line: Line): string {
		return line.type === 'cloud' ? `reg${line.regId}` : (line.incomingLogin ?? '');
	}

	private searchIdOf(configId: number): string | undefined {
		const line = this.lines.get(configId);
		if (line) return this.lineSearchId(line);
		return this.numbers.get(configId)?.number;
	}

	private createLine(appId: string, fields: LineFields): Line {
		const line: Line = {
			id: ++this.lastLineId,
			configId: ++this.lastConfigId,
			appId,
			type: fields.type as LineType,
			title: fields.title,
			server: fields.server,
			login: fields.login,
			password: phpTrim(fields.rawPassword),
			regId: null,
			incomingServer: null,
			incomingLogin: null,
			incomingPassword: null,
			detectLineNumber: false,
			statusReset: false,
		};
		if (line.type === 'cloud') {
			line.regId = this.registrations.create(line.configId, credentials(line));
		} else {
			line.incomingServer = 'ip.b24-sandbox.voximplant.com';
			line.incomingLogin = `sip${line.configId}`;
			line.incomingPassword = randomSecret(10);
		}
		this.lines.set(line.configId, line);
		// A new line takes over only when there is no valid default: the base link number, or a
		// stored value that names no current line (GetPortalNumber reads both as LINK_BASE_NUMBER).
		if (this.portalNumber() === LINK_BASE_NUMBER) this.storedPortalNumber = this.lineSearchId(line);
		return line;
	}

	private dropLine(line: Line): void {
		if (line.regId !== null) this.registrations.delete(line.regId);
		// The stored default is left as it is: once its line is gone, portalNumber() reads it as none.
		this.lines.delete(line.configId);
	}

	private addLine(ctx: CallContext): Record<string, unknown> {
		const p = ctx.params;
		const fields: LineFields = {
			type: given(p, 'TYPE') ? phpString(p.TYPE).toLowerCase() : 'cloud',
			title: phpTrim(phpString(p.TITLE)),
			server: normaliseServer(phpString(p.SERVER)),
			login: phpTrim(phpString(p.LOGIN)),
			rawPassword: phpString(p.PASSWORD),
		};
		this.checkFields(fields);
		if (fields.type === 'cloud') this.checkCloudLimit();
		// An empty title clashes with nothing here.
		if (fields.title !== '') this.checkTitle(fields.title);
		const line = this.createLine(ctx.caller.appId, fields);
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
		// TYPE defaults to cloud and is not lower-cased here; it is only validated, never stored.
		const type = given(p, 'TYPE') ? phpString(p.TYPE) : 'cloud';
		const server = given(p, 'SERVER') ? normaliseServer(phpString(p.SERVER)) : undefined;
		const login = given(p, 'LOGIN') ? phpTrim(phpString(p.LOGIN)) : undefined;
		const rawPassword = given(p, 'PASSWORD') ? phpString(p.PASSWORD) : undefined;
		const title = given(p, 'TITLE') ? phpTrim(phpString(p.TITLE)) : undefined;
		this.checkFields({ type, server, login, rawPassword });
		// Not guarded against '': an empty title clashes with any other untitled config.
		if (title !== undefined) this.checkTitle(title, line.configId);

		if (title !== undefined) line.title = title;
		if (server !== undefined) line.server = server;
		if (login !== undefined) line.login = login;
		if (rawPassword !== undefined) line.password = phpTrim(rawPassword);
		const credentialsChanged =
			server !== undefined || login !== undefined || rawPassword !== undefined;
		if (line.type === 'cloud' && credentialsChanged && line.regId !== null) {
			this.registrations.restart(line.regId, credentials(line));
			line.statusReset = true;
		}
		return 1;
	}

	private deleteLine(ctx: CallContext): number {
		const line = this.visibleLine(ctx, ctx.params.CONFIG_ID);
		if (!line) throw configNotFound(400);
		if (line.regId !== null && this.registrations.isBroken(line.regId))
			throw registrationNotFound();
		this.dropLine(line);
		return 1;
	}

	/** A line as a database row: every value a string or null. */
	private row(line: Line): Row {
		const registration = line.regId === null ? undefined : this.registrations.state(line.regId);
		const settled =
			registration?.STATUS_RESULT === 'success' || registration?.STATUS_RESULT === 'error';
		const reset = !settled && line.statusReset;
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
			DETECT_LINE_NUMBER: line.detectLineNumber ? 'Y' : 'N',
			LINE_DETECT_HEADER_ORDER: 'diversion;to',
			REGISTRATION_STATUS_CODE: reset
				? '0'
				: settled && registration?.STATUS_CODE != null
					? String(registration.STATUS_CODE)
					: null,
			REGISTRATION_ERROR_MESSAGE: reset
				? ''
				: settled
					? (registration?.ERROR_MESSAGE ?? null)
					: null,
		};
	}

	private getLines(ctx: CallContext): MethodResult {
		const p = ctx.params;
		checkOrder(p.SORT, p.ORDER);
		// The server sets FILTER[APP_ID] to the caller's own, whatever the caller sent there.
		let filter = p.FILTER;
		if (isPhpArray(filter) && !Array.isArray(filter) && 'APP_ID' in filter) {
			filter = { ...filter };
			delete filter.APP_ID;
		}
		let rows = [...this.lines.values()]
			.filter((line) => line.appId === ctx.caller.appId)
			.map((line) => this.row(line));
		rows = applyFilter(rows, filter);
		rows = applySort(rows, p.SORT, p.ORDER);
		if (rows.length === 0) return { result: [] };
		// A negative start reads the first page.
		const offset = Math.max(0, intval(p.start));
		const page = rows.slice(offset, offset + PAGE_SIZE).map((row) => {
			// The server removes ID (and APP_ID) from the rows; add still returns an ID.
			const out: Record<string, string | null> = { ...row };
			delete out.ID;
			delete out.APP_ID;
			if (this.hidePasswords) {
				delete out.PASSWORD;
				delete out.INCOMING_PASSWORD;
			}
			if (row.TYPE === 'cloud') {
				delete out.INCOMING_SERVER;
				delete out.INCOMING_LOGIN;
				delete out.INCOMING_PASSWORD;
			} else {
				delete out.REG_ID;
			}
			return out;
		});
		return {
			result: page,
			total: rows.length,
			...(offset + PAGE_SIZE < rows.length ? { next: offset + PAGE_SIZE } : {}),
		};
	}

	/** Not filtered by application: any registration of the portal can be read by its REG_ID. */
	private status(ctx: CallContext): Record<string, unknown> {
		const regId = intval(ctx.params.REG_ID);
		const state = this.registrations.state(regId);
		if (!state) throw registrationNotFound();
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

	/** Not filtered by application: any config of the portal, SIP line or rented number. */
	private setOutgoingLine(ctx: CallContext): number {
		const searchId = this.searchIdOf(intval(ctx.params.CONFIG_ID));
		if (searchId === undefined) {
			throw new RestException(400, 'ERROR_ARGUMENT', 'Specified CONFIG_ID is not found', {
				argument: 'CONFIG_ID',
			});
		}
		this.storedPortalNumber = searchId;
		return 1;
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
