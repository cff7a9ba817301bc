import {
	callTypeName,
	describeFailureCode,
	isFailedCall,
	normaliseFailureCode,
} from './failureCodes';
import type { FormObject, FormValue } from './formBody';
import { textField } from './formBody';

/**
 * The values of a call event's form, typed. Bitrix24 sends every value as text (a PHP form):
 * numbers become numbers and dates ISO strings, and anything that is not one becomes null, never
 * NaN or a guess.
 */

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function toInteger(value: string | undefined): number | null {
	if (value === undefined) return null;
	const text = value.trim();
	if (!INTEGER.test(text)) return null;
	const number = Number(text);
	return Number.isSafeInteger(number) ? number : null;
}

export function toDecimal(value: string | undefined): number | null {
	if (value === undefined) return null;
	const text = value.trim();
	if (!DECIMAL.test(text)) return null;
	const number = Number(text);
	return Number.isFinite(number) ? number : null;
}

export function integerField(object: FormValue | undefined, key: string): number | null {
	return toInteger(textField(object, key));
}

export function decimalField(object: FormValue | undefined, key: string): number | null {
	return toDecimal(textField(object, key));
}

/** A text field as sent; a missing key is null, as PHP leaves null values out of a form. */
export function nullableTextField(object: FormValue | undefined, key: string): string | null {
	return textField(object, key) ?? null;
}

/** A text field with something in it besides spaces; null otherwise. */
export function filledTextField(object: FormValue | undefined, key: string): string | null {
	const value = textField(object, key);
	return value === undefined || value.trim() === '' ? null : value;
}

// ISO-8601 with an offset, as the portal converts CALL_START_DATE: 2026-03-11T17:28:46+03:00
// (docs/bitrix24-behaviour.md#call-end)
const ISO_WITH_OFFSET =
	/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * A portal date as an ISO string in UTC. A date without an offset cannot be placed in time (the
 * portal's zone is unknown here), so it is null rather than a guess; the text as sent is kept
 * beside it.
 */
export function portalDateToIso(value: string | undefined): string | null {
	if (value === undefined) return null;
	const match = ISO_WITH_OFFSET.exec(value.trim());
	if (!match) return null;
	const [, date, time, zone] = match;
	let offset = zone.toUpperCase();
	if (offset !== 'Z') {
		const digits = offset.slice(1).replace(':', '');
		offset = `${offset[0]}${digits.slice(0, 2)}:${digits.length > 2 ? digits.slice(2, 4) : '00'}`;
	}
	const parsed = new Date(`${date}T${time}${offset}`);
	const ms = parsed.getTime();
	// the day must exist as written: 2026-02-30 is no date
	if (!Number.isFinite(ms) || !sameCalendarDay(date, time, offset, ms)) return null;
	return parsed.toISOString();
}

export function portalDateField(object: FormValue | undefined, key: string): string | null {
	return portalDateToIso(textField(object, key));
}

function sameCalendarDay(date: string, time: string, offset: string, ms: number): boolean {
	const sign = offset === 'Z' ? 0 : offset[0] === '-' ? -1 : 1;
	const offsetMinutes =
		offset === 'Z' ? 0 : sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
	const local = new Date(ms + offsetMinutes * 60_000).toISOString();
	return local.slice(0, 10) === date && local.slice(11, 16) === time.slice(0, 5);
}

/** `ts`: Unix seconds → ISO string; null for anything else. */
export function unixSecondsToIso(value: string | undefined): string | null {
	const seconds = toInteger(value);
	if (seconds === null || seconds <= 0) return null;
	const date = new Date(seconds * 1000);
	return Number.isFinite(date.getTime()) ? date.toISOString() : null;
}

export interface CallType {
	CALL_TYPE: number | null;
	/** `outgoing`, `incoming`, …; `unknown` when CALL_TYPE is missing or not in the table */
	callType: string;
}

export function callTypeOf(data: FormObject): CallType {
	const type = integerField(data, 'CALL_TYPE');
	return { CALL_TYPE: type, callType: type === null ? 'unknown' : callTypeName(type) };
}

export interface CallResult {
	/** CALL_FAILED_CODE trimmed; null when the event carries none */
	code: string | null;
	/** everything but code 200 failed, a missing code too */
	failed: boolean;
	/** the failure in words; null for a call that succeeded */
	failure: string | null;
}

export function callResultOf(data: FormObject): CallResult {
	const rawCode = textField(data, 'CALL_FAILED_CODE');
	const code = rawCode === undefined ? null : normaliseFailureCode(rawCode);
	const failed = isFailedCall(code ?? '');
	return { code, failed, failure: failed ? describeFailureCode(code ?? '') : null };
}
