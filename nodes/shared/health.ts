import type { IDataObject } from 'n8n-workflow';

import { fetchLines } from './lines';
import { Bitrix24Error } from './transport/errors';
import type { Bitrix24Client } from './transport/client';

/** How registrations that are still being set up (`in_progress`, `wait`) count. */
export type PendingAs = 'healthy' | 'unhealthy';

/** The answer of voximplant.sip.status, with its code as a number. */
export interface RegistrationStatus {
	STATUS_RESULT: string;
	STATUS_CODE: number | null;
	ERROR_MESSAGE: string;
	LAST_UPDATED: string | null;
}

/**
 * What is known about a line's registration: its status, `missing` for a cloud line the portal
 * has no registration for, or null for an office line (office PBXs connect to Bitrix24 themselves).
 */
export type Registration = RegistrationStatus | 'missing' | null;

/** The health part of an output item: the status fields plus the verdict. */
export interface StatusHealth extends IDataObject {
	hasRegistration: boolean;
	STATUS_RESULT: string | null;
	STATUS_CODE: number | null;
	ERROR_MESSAGE: string | null;
	LAST_UPDATED: string | null;
	healthy: boolean;
	summary: string;
}

interface SipCodeText {
	reason: string;
	advice: string;
}

const CHECK_CREDENTIALS = 'check login and password';

/** The SIP answers a registration commonly ends with, and what the user can do about each. */
export const SIP_CODES: Record<number, SipCodeText> = {
	401: { reason: 'Unauthorized', advice: CHECK_CREDENTIALS },
	403: { reason: 'Forbidden', advice: CHECK_CREDENTIALS },
	404: {
		reason: 'Not Found',
		advice: 'the server does not know this login: check the login and the server address',
	},
	407: { reason: 'Proxy Authentication Required', advice: CHECK_CREDENTIALS },
	408: {
		reason: 'Request Timeout',
		advice:
			'the server did not answer in time: check the server address and that it accepts SIP from the internet',
	},
	480: {
		reason: 'Temporarily Unavailable',
		advice:
			'the SIP account is unavailable at the moment: check that it is active with your SIP provider',
	},
	500: {
		reason: 'Server Internal Error',
		advice: 'the SIP server failed: try again later or ask your SIP provider',
	},
	502: {
		reason: 'Bad Gateway',
		advice:
			'a server between Bitrix24 and your provider failed: check the server address or ask your SIP provider',
	},
	503: {
		reason: 'Service Unavailable',
		advice: 'the SIP server is down or overloaded: try again later or ask your SIP provider',
	},
	504: {
		reason: 'Server Time-out',
		advice: 'the SIP server timed out: try again later or ask your SIP provider',
	},
};

/** "SIP 403 Forbidden — check login and password", or undefined for a code without an explanation. */
export function explainSipCode(code: number | null | undefined): string | undefined {
	if (code === null || code === undefined) return undefined;
	const known = SIP_CODES[code];
	return known ? `SIP ${code} ${known.reason} — ${known.advice}` : undefined;
}

// Voximplant reports a server name that does not resolve in words, often without a SIP code.
const UNRESOLVED_HOST = /resolve|hostname|dns|getaddrinfo|unknown host/i;

/** A short sentence for a person: what the registration's state is and what to do about it. */
export function summarise(registration: Registration): string {
	if (registration === null)
		return 'Office PBX — no registration to check (your PBX connects to Bitrix24)';
	if (registration === 'missing') {
		return 'No SIP registration found for this cloud line — open the line in Bitrix24 and save its settings again';
	}
	const { STATUS_RESULT: result, STATUS_CODE: code, ERROR_MESSAGE: message } = registration;
	if (result === 'success') return 'Registered';
	if (result === 'in_progress') return 'Registration in progress';
	if (result === 'wait') return 'Waiting to register';
	if (message && UNRESOLVED_HOST.test(message)) return `${message} — check the server address`;
	const explained = explainSipCode(code);
	if (explained) return explained;
	if (code !== null && code !== 200) return `SIP ${code}${message ? ` ${message}` : ''}`;
	return message ? `Registration failed: ${message}` : 'Registration failed';
}

export function isHealthy(registration: Registration, pendingAs: PendingAs): boolean {
	if (registration === null) return true;
	if (registration === 'missing') return false;
	const result = registration.STATUS_RESULT;
	if (result === 'success') return true;
	if (result === 'in_progress' || result === 'wait') return pendingAs === 'healthy';
	return false;
}

function toCode(value: unknown): number | null {
	if (value === null || value === undefined || value === '') return null;
	const code = Number(value);
	return Number.isFinite(code) ? code : null;
}

/** Reads a voximplant.sip.status answer; the code comes as a number or as a string. */
export function readStatus(result: IDataObject): RegistrationStatus {
	return {
		STATUS_RESULT: String(result.STATUS_RESULT ?? ''),
		STATUS_CODE: toCode(result.STATUS_CODE),
		ERROR_MESSAGE: typeof result.ERROR_MESSAGE === 'string' ? result.ERROR_MESSAGE : '',
		LAST_UPDATED: typeof result.LAST_UPDATED === 'string' ? result.LAST_UPDATED : null,
	};
}

export function statusHealth(registration: Registration, pendingAs: PendingAs): StatusHealth {
	const status =
		typeof registration === 'object' && registration !== null ? registration : undefined;
	return {
		hasRegistration: status !== undefined,
		STATUS_RESULT: status?.STATUS_RESULT ?? null,
		STATUS_CODE: status?.STATUS_CODE ?? null,
		ERROR_MESSAGE: status?.ERROR_MESSAGE ?? null,
		LAST_UPDATED: status?.LAST_UPDATED ?? null,
		healthy: isHealthy(registration, pendingAs),
		summary: summarise(registration),
	};
}

/** The line fields a health report shows: never its passwords. */
export interface LineIdentity extends IDataObject {
	CONFIG_ID: number;
	TITLE: string;
	TYPE: string;
	SERVER: string;
	LOGIN: string;
	REG_ID: number | null;
}

export function lineIdentity(line: IDataObject): LineIdentity {
	const regId = toCode(line.REG_ID);
	return {
		CONFIG_ID: Number(line.CONFIG_ID),
		TITLE: String(line.TITLE ?? ''),
		TYPE: String(line.TYPE ?? ''),
		SERVER: String(line.SERVER ?? ''),
		LOGIN: String(line.LOGIN ?? ''),
		REG_ID: regId !== null && regId > 0 ? regId : null,
	};
}

/** How Bitrix24 itself names a line: its title, or "Cloud PBX (5)" when it has none. */
export function lineLabel(line: Pick<LineIdentity, 'CONFIG_ID' | 'TITLE' | 'TYPE'>): string {
	if (line.TITLE.trim() !== '') return `"${line.TITLE}" (${line.CONFIG_ID})`;
	return `${line.TYPE === 'office' ? 'Office' : 'Cloud'} PBX (${line.CONFIG_ID})`;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whole calendar days from today (UTC) to a date such as "2027-01-31", "2027-01-31T00:00:00+03:00"
 * or "31.01.2027"; negative once it has passed, undefined when the text is not a date.
 */
export function daysUntil(dateText: unknown, now: Date): number | undefined {
	if (typeof dateText !== 'string') return undefined;
	const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(dateText.trim());
	const dotted = /^(\d{2})\.(\d{2})\.(\d{4})/.exec(dateText.trim());
	let end: number;
	if (iso) end = Date.UTC(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]));
	else if (dotted) end = Date.UTC(Number(dotted[3]), Number(dotted[2]) - 1, Number(dotted[1]));
	else return undefined;
	if (!Number.isFinite(end)) return undefined;
	const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
	return Math.round((end - today) / DAY_MS);
}

export interface LineCheck {
	line: IDataObject;
	registration: Registration;
}

/** A registration Bitrix24 is still setting up: `in_progress` or `wait`. */
export function isPending(registration: Registration): boolean {
	return (
		typeof registration === 'object' &&
		registration !== null &&
		(registration.STATUS_RESULT === 'in_progress' || registration.STATUS_RESULT === 'wait')
	);
}

/**
 * Asks for the status of one cloud line; a registration the portal does not know is a finding, not
 * a failure. Any REG_ID of the portal can be read, a line the webhook cannot see too (spec §3).
 */
export async function readRegistration(
	client: Bitrix24Client,
	line: IDataObject,
): Promise<Registration> {
	if (String(line.TYPE) !== 'cloud') return null;
	const regId = Number(line.REG_ID);
	if (!Number.isSafeInteger(regId) || regId <= 0) return 'missing';
	const outcome = await client.call<IDataObject>('voximplant.sip.status', { REG_ID: regId }).then(
		({ result }) => ({ status: readStatus(result ?? {}) }),
		(error: unknown) => ({ error }),
	);
	if ('status' in outcome) return outcome.status;
	if (outcome.error instanceof Bitrix24Error && outcome.error.code === 'REG_ID_NOT_FOUND')
		return 'missing';
	throw outcome.error;
}

/** Reads every line a check covers (all pages), in line id order. */
export async function readLinesToCheck(
	client: Bitrix24Client,
	includeOffice: boolean,
): Promise<IDataObject[]> {
	const lines = await fetchLines(client, includeOffice ? {} : { FILTER: { TYPE: 'cloud' } });
	return lines.sort((a, b) => Number(a.CONFIG_ID) - Number(b.CONFIG_ID));
}

/**
 * Reads the registration status of each cloud line. The status calls are made together, so the
 * client sends them as batches of up to 50, with any other call the caller makes at the same time.
 */
export async function readRegistrations(
	client: Bitrix24Client,
	lines: IDataObject[],
): Promise<LineCheck[]> {
	return await Promise.all(
		lines.map(async (line) => ({ line, registration: await readRegistration(client, line) })),
	);
}

/**
 * The registration a line row carries, as `voximplant.sip.get` last stored it (spec §3): no code
 * yet, 0 while it registers again after a change, 200 when registered, else the SIP code that
 * refused it. Read here once for the Line picker and Simplify, which word it each their own way.
 */
export type StoredRegistration =
	| { state: 'notChecked' }
	| { state: 'registering' }
	| { state: 'registered' }
	| { state: 'refused'; code: number; raw: string; message: string }
	| { state: 'unreadable'; raw: string; message: string };

export function storedRegistration(line: IDataObject): StoredRegistration {
	const text = (value: unknown) =>
		value === null || value === undefined ? '' : String(value).trim();
	const raw = text(line.REGISTRATION_STATUS_CODE);
	if (raw === '') return { state: 'notChecked' };
	const code = Number(raw);
	if (code === 0) return { state: 'registering' };
	if (code === 200) return { state: 'registered' };
	const message = text(line.REGISTRATION_ERROR_MESSAGE);
	return Number.isFinite(code)
		? { state: 'refused', code, raw, message }
		: { state: 'unreadable', raw, message };
}

/** voximplant.sip.connector.status, read the same way wherever it is shown. */
export interface ConnectorReading {
	FREE_MINUTES: number | null;
	PAID: boolean;
	PAID_DATE_END: string | null;
}

export function readConnector(result: IDataObject): ConnectorReading {
	const minutes = Number(result.FREE_MINUTES);
	return {
		FREE_MINUTES:
			result.FREE_MINUTES === undefined || result.FREE_MINUTES === null || !Number.isFinite(minutes)
				? null
				: minutes,
		PAID: result.PAID === true || result.PAID === 'Y' || result.PAID === 1 || result.PAID === '1',
		PAID_DATE_END:
			typeof result.PAID_DATE_END === 'string' && result.PAID_DATE_END !== ''
				? result.PAID_DATE_END
				: null,
	};
}

/** "ends in 5 days, on 2027-01-31", "ends today (…)", "ended on …". */
export function paidEndWords(days: number, date: string): string {
	if (days < 0) return `ended on ${date}`;
	if (days === 0) return `ends today (${date})`;
	return `ends in ${days} day${days === 1 ? '' : 's'}, on ${date}`;
}

/** "SIP connector: 42 free minutes, not paid" — the connector in one line for a person. */
export function connectorWords(connector: ConnectorReading, now: Date): string {
	const days = connector.PAID ? daysUntil(connector.PAID_DATE_END, now) : undefined;
	const paid = connector.PAID
		? days !== undefined && connector.PAID_DATE_END
			? `paid period ${paidEndWords(days, connector.PAID_DATE_END)}`
			: 'paid'
		: 'not paid';
	const minutes =
		connector.FREE_MINUTES === null
			? 'free minutes unknown'
			: `${connector.FREE_MINUTES} free minutes`;
	return `SIP connector: ${minutes}, ${paid}`;
}
