/**
 * CALL_FAILED_CODE of call events and call statistics, in plain words. Codes are stored raw as
 * strings by the server (`603-S`, `402-B24`, `OTHER` are not numbers), so they stay strings here.
 * Table: docs/bitrix24-behaviour.md#call-failure-codes (REST docs and the server's own texts).
 */

export const SUCCESS_CODE = '200';

const FAILURE_CODES: Record<string, string> = {
	'200': 'successful',
	'304': 'missed (nobody answered)',
	'603': 'declined',
	'603-S': 'canceled',
	'403': 'forbidden',
	'404': 'invalid number',
	'486': 'busy',
	'484': 'route unavailable',
	'503': 'route unavailable',
	'480': 'temporarily unavailable',
	'402': 'insufficient funds on the provider balance',
	'402-B24': 'unavailable on the free Bitrix24 plan',
	'423': 'blocked',
	'500': 'server error',
	OTHER: 'undefined failure',
};

/** A code as sent: trimmed text; '' when the event or row carries none. */
export function normaliseFailureCode(value: unknown): string {
	if (value === null || value === undefined) return '';
	return String(value).trim();
}

/**
 * Whether a call with this CALL_FAILED_CODE failed: everything but "200"
 * (docs/bitrix24-behaviour.md#call-failure-codes).
 */
export function isFailedCall(code: string): boolean {
	return normaliseFailureCode(code) !== SUCCESS_CODE;
}

/** "busy", "insufficient funds on the provider balance"; an unknown code is named as such. */
export function describeFailureCode(code: string): string {
	const normalised = normaliseFailureCode(code);
	if (normalised === '') return 'no result code';
	return (
		FAILURE_CODES[normalised.toUpperCase()] ??
		FAILURE_CODES[normalised] ??
		`unknown code ${normalised}`
	);
}

/** CALL_TYPE of call events and statistics (docs/bitrix24-behaviour.md#call-types). */
export const CALL_TYPES: Record<string, string> = {
	'1': 'outgoing',
	'2': 'incoming',
	'3': 'incomingRedirected',
	'4': 'callback',
	'5': 'infocall',
};

/** The name of a CALL_TYPE; `unknown` for a value the table does not have. */
export function callTypeName(value: unknown): string {
	const key = value === null || value === undefined ? '' : String(value).trim();
	return CALL_TYPES[key] ?? 'unknown';
}
