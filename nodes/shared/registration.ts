import type { IDataObject } from 'n8n-workflow';

// A registration as the code decides about it and words it; no calls here (registrationCheck.ts
// reads it from the portal), so each part can be tested alone.

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

/**
 * "SIP 403 Forbidden — check login and password", or undefined for a code without an explanation.
 */
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

/** A registration Bitrix24 is still setting up: `in_progress` or `wait`. */
export function isPending(registration: Registration): boolean {
	return (
		typeof registration === 'object' &&
		registration !== null &&
		(registration.STATUS_RESULT === 'in_progress' || registration.STATUS_RESULT === 'wait')
	);
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

/**
 * The registration a line row carries, as `voximplant.sip.get` last stored it
 * (docs/bitrix24-behaviour.md#listing-lines): no code
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
