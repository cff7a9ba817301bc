import type { IDataObject } from 'n8n-workflow';

import type { ResolvedSearchId } from '../searchId';
import { resolveSearchId } from '../searchId';
import {
	callTypeName,
	describeFailureCode,
	isFailedCall,
	normaliseFailureCode,
} from './failureCodes';
import type { FormObject } from './formBody';
import { objectField, textField } from './formBody';

/**
 * A telephony event as a Bitrix24 outgoing webhook delivers it (spec §A1, §A2), turned into one
 * clean item: Bitrix24's field names for the call's data, typed (numbers, ISO dates), the failure
 * code in words and the line the call went through. `auth` (the application token among it) is
 * read field by field and never copied.
 */

export const CALL_EVENTS = {
	ONVOXIMPLANTCALLEND: 'callEnd',
	ONVOXIMPLANTCALLSTART: 'callStart',
	ONVOXIMPLANTCALLINIT: 'callInit',
} as const;

export type CallEventName = keyof typeof CALL_EVENTS;
export type CallEventKind = (typeof CALL_EVENTS)[CallEventName];

export function isCallEventName(value: string): value is CallEventName {
	return Object.prototype.hasOwnProperty.call(CALL_EVENTS, value);
}

export interface Delivery {
	event: CallEventName;
	data: FormObject;
	/** `ts`: when Bitrix24 sent it */
	sentAt: string | null;
	eventHandlerId: number | null;
	/** `auth[domain]`: the portal's address */
	portal: string | null;
}

export type DeliveryReading = { ok: true; delivery: Delivery } | { ok: false; reason: string };

/** Text of the sender's that goes into an answer: short, one line. */
function quoted(value: string): string {
	const flat = value.replace(/\s+/g, ' ');
	return JSON.stringify(flat.length > 60 ? `${flat.slice(0, 60)}…` : flat);
}

/** The parts of an authenticated delivery, or why it is not a call event this trigger can read. */
export function readDelivery(body: FormObject): DeliveryReading {
	const rawEvent = textField(body, 'event');
	if (rawEvent === undefined || rawEvent.trim() === '') {
		return { ok: false, reason: 'The request names no event (field "event")' };
	}
	const event = rawEvent.trim().toUpperCase();
	if (!isCallEventName(event)) {
		return {
			ok: false,
			reason: `The event ${quoted(rawEvent)} is not a call event this trigger reads (${Object.keys(CALL_EVENTS).join(', ')})`,
		};
	}
	const data = objectField(body, 'data');
	if (data === undefined)
		return { ok: false, reason: `The ${event} request carries no call data (fields "data[…]")` };
	const auth = objectField(body, 'auth');
	const domain = textField(auth, 'domain');
	return {
		ok: true,
		delivery: {
			event,
			data,
			sentAt: unixSecondsToIso(textField(body, 'ts')),
			eventHandlerId: toInteger(textField(body, 'event_handler_id')),
			portal: domain === undefined || domain.trim() === '' ? null : domain.trim(),
		},
	};
}

// ---- typed values: Bitrix24 sends every value as text (a form); garbage becomes null, never NaN

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

/** A missing key is null: PHP leaves null values out of a form. */
function text(value: string | undefined): string | null {
	return value === undefined ? null : value;
}

// ISO-8601 with an offset, as the portal converts CALL_START_DATE (spec §A1): 2026-03-11T17:28:46+03:00
const ISO_WITH_OFFSET =
	/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * A portal date as an ISO string in UTC. A date without an offset cannot be placed in time (the
 * portal's zone is unknown here), so it is null rather than a guess; the text as sent is kept beside it.
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

// ---- the line

/** What the trigger knows of the portal's lines for this delivery. */
export interface LineKnowledge {
	/** voximplant.sip.get rows; null when Look Up Lines is off or the lookup failed */
	lines: IDataObject[] | null;
	/** why the lookup failed, in words without secrets */
	lookupError?: string;
}

export interface CallLine {
	/** the line is known by its search id (a SIP line), even if this webhook cannot see it */
	identified: boolean;
	kind: ResolvedSearchId['kind'];
	type: 'cloud' | 'office' | null;
	/** the value the event named the line by (PORTAL_NUMBER, ACCOUNT_SEARCH_ID) */
	searchId: string | null;
	CONFIG_ID: number | null;
	TITLE: string | null;
	REG_ID: number | null;
	description: string;
	lookupError?: string;
}

const NOT_IDENTIFIED = 'line not identified';

function describeLine(
	resolved: ResolvedSearchId,
	lookedUp: boolean,
	lines: IDataObject[] | null,
): string {
	const type = resolved.type === 'office' ? 'office' : 'cloud';
	switch (resolved.kind) {
		case 'sipLine': {
			if (!resolved.line) return `${type} SIP line ${resolved.value}`;
			return `${type} SIP line "${String(resolved.line.TITLE ?? '')}" (CONFIG_ID ${String(resolved.line.CONFIG_ID)})`;
		}
		case 'unknownSipLine':
			return lookedUp
				? `${type} SIP line ${resolved.value} that this webhook cannot see (a line of an OAuth application, or one deleted since)`
				: `${type} SIP line ${resolved.value}`;
		case 'restApp':
			return `${NOT_IDENTIFIED}: ${resolved.value} is a call of a REST telephony application, not of a SIP line`;
		case 'number': {
			const base = `${NOT_IDENTIFIED}: ${resolved.value} is a number — a rented number, or the number a SIP line with Detect Line Number read from the SIP headers`;
			if (!lines) return base;
			const detecting = lines.filter(detectsLineNumber).length;
			return detecting === 0
				? `${base}; no SIP line this webhook can see has Detect Line Number on, so most likely a rented number`
				: `${base}; ${detecting} SIP line${detecting === 1 ? '' : 's'} this webhook can see ${detecting === 1 ? 'has' : 'have'} Detect Line Number on`;
		}
		case 'none':
			return `${NOT_IDENTIFIED}: the event names no line`;
	}
}

/** Whether a voximplant.sip.get row reads the line number from the SIP headers (DETECT_LINE_NUMBER = Y). */
export function detectsLineNumber(line: IDataObject): boolean {
	return String(line.DETECT_LINE_NUMBER ?? '').toUpperCase() === 'Y';
}

function numberOrNull(value: unknown): number | null {
	if (value === null || value === undefined || value === '') return null;
	const number = Number(value);
	return Number.isSafeInteger(number) ? number : null;
}

/** The line a search id names, with CONFIG_ID and TITLE when the lines were looked up. */
export function resolveCallLine(searchId: string | null, knowledge: LineKnowledge): CallLine {
	const lookedUp = knowledge.lines !== null;
	const resolved = resolveSearchId(searchId ?? '', knowledge.lines ?? []);
	// without a lookup, "a SIP line none of the seen lines is" only means "a SIP line": none were read
	const kind = !lookedUp && resolved.kind === 'unknownSipLine' ? 'sipLine' : resolved.kind;
	const line = resolved.line;
	const out: CallLine = {
		identified: kind === 'sipLine' || kind === 'unknownSipLine',
		kind,
		type: resolved.type,
		searchId: resolved.value === '' ? null : resolved.value,
		CONFIG_ID: line ? numberOrNull(line.CONFIG_ID) : null,
		TITLE: line && typeof line.TITLE === 'string' ? line.TITLE : null,
		REG_ID: line ? numberOrNull(line.REG_ID) : resolved.regId,
		description: describeLine({ ...resolved, kind }, lookedUp, knowledge.lines),
	};
	if (knowledge.lookupError !== undefined) out.lookupError = knowledge.lookupError;
	return out;
}

// ---- the items

/** The search id an event names its line by: PORTAL_NUMBER (end), ACCOUNT_SEARCH_ID or REST_APP (init). */
export function lineSearchIdOf(delivery: Delivery): string | null {
	const { data } = delivery;
	if (delivery.event === 'ONVOXIMPLANTCALLEND') return text(textField(data, 'PORTAL_NUMBER'));
	if (delivery.event === 'ONVOXIMPLANTCALLINIT') {
		const account = textField(data, 'ACCOUNT_SEARCH_ID');
		if (account !== undefined && account.trim() !== '') return account;
		// a REST application's call names its application instead of a line (spec §A1)
		const app = toInteger(textField(data, 'REST_APP_ID'));
		return app !== null ? `REST_APP:${app}` : text(account);
	}
	return null;
}

function callTypeOf(data: FormObject): { CALL_TYPE: number | null; callType: string } {
	const type = toInteger(textField(data, 'CALL_TYPE'));
	return { CALL_TYPE: type, callType: type === null ? 'unknown' : callTypeName(type) };
}

/** "outgoing call to +4930…" / "incoming call from +4930…" */
function callPhrase(callType: string, phone: string | null): string {
	const who = phone === null || phone.trim() === '' ? 'an unknown number' : phone;
	switch (callType) {
		case 'outgoing':
			return `Outgoing call to ${who}`;
		case 'callback':
			return `Callback to ${who}`;
		case 'infocall':
			return `Info call to ${who}`;
		case 'incoming':
			return `Incoming call from ${who}`;
		case 'incomingRedirected':
			return `Redirected incoming call from ${who}`;
		default:
			return `Call with ${who}`;
	}
}

function lineLabel(line: CallLine): string {
	if (line.TITLE !== null) return `line "${line.TITLE}"`;
	if (line.identified && line.searchId !== null) return `line ${line.searchId}`;
	return line.searchId !== null ? `${line.searchId} (line not identified)` : 'an unidentified line';
}

function common(delivery: Delivery): IDataObject {
	return {
		sentAt: delivery.sentAt,
		eventHandlerId: delivery.eventHandlerId,
		portal: delivery.portal,
	};
}

function callEndItem(delivery: Delivery, line: CallLine): IDataObject {
	const { data } = delivery;
	const { CALL_TYPE, callType } = callTypeOf(data);
	const rawCode = textField(data, 'CALL_FAILED_CODE');
	const code = rawCode === undefined ? null : normaliseFailureCode(rawCode);
	const failed = isFailedCall(code ?? '');
	const failure = failed ? describeFailureCode(code ?? '') : null;
	const phone = text(textField(data, 'PHONE_NUMBER'));
	const duration = toInteger(textField(data, 'CALL_DURATION'));
	const rawDate = textField(data, 'CALL_START_DATE');
	const phrase = `${callPhrase(callType, phone)} on ${lineLabel(line)}`;
	return {
		event: CALL_EVENTS.ONVOXIMPLANTCALLEND,
		message: failed
			? `${phrase} failed: ${failure ?? ''}${code ? ` (${code})` : ''}`
			: `${phrase} succeeded${duration !== null ? ` (${duration} s)` : ''}`,
		CALL_ID: textField(data, 'CALL_ID') ?? null,
		CALL_TYPE,
		callType,
		PHONE_NUMBER: phone,
		PORTAL_NUMBER: text(textField(data, 'PORTAL_NUMBER')),
		PORTAL_USER_ID: toInteger(textField(data, 'PORTAL_USER_ID')),
		CALL_DURATION: duration,
		CALL_START_DATE: portalDateToIso(rawDate),
		CALL_START_DATE_PORTAL: text(rawDate),
		COST: toDecimal(textField(data, 'COST')),
		COST_CURRENCY: text(textField(data, 'COST_CURRENCY')),
		CALL_FAILED_CODE: code,
		CALL_FAILED_REASON: text(textField(data, 'CALL_FAILED_REASON')),
		failed,
		failure,
		CRM_ACTIVITY_ID: toInteger(textField(data, 'CRM_ACTIVITY_ID')),
		line: { ...line },
		...common(delivery),
	};
}

const INCOMING_AT_INIT = new Set([2, 3]);
const OUTGOING_AT_INIT = new Set([1, 4, 5]);

function filled(value: string | undefined): string | null {
	return value === undefined || value.trim() === '' ? null : value;
}

/**
 * The other party's number at Call Init. The portal fills PHONE_NUMBER and CALLER_ID by direction
 * (spec §A1): incoming, PHONE_NUMBER is the line's search id and CALLER_ID the caller; outgoing,
 * CALLER_ID is the line and PHONE_NUMBER the number dialled. A REST application's call carries the
 * client as CALLER_ID only, whatever its type. Without a known type the party is the field that is
 * not the line.
 */
function initOtherParty(data: FormObject, type: number | null): string | null {
	const account = filled(textField(data, 'ACCOUNT_SEARCH_ID'));
	const phone = filled(textField(data, 'PHONE_NUMBER'));
	const caller = filled(textField(data, 'CALLER_ID'));
	if (account === null && toInteger(textField(data, 'REST_APP_ID')) !== null) return caller;
	if (type !== null && INCOMING_AT_INIT.has(type)) return caller;
	if (type !== null && OUTGOING_AT_INIT.has(type)) return phone;
	if (account !== null && phone === account) return caller;
	if (account !== null && caller === account) return phone;
	return null;
}

function callInitItem(delivery: Delivery, line: CallLine): IDataObject {
	const { data } = delivery;
	const { CALL_TYPE, callType } = callTypeOf(data);
	const otherParty = initOtherParty(data, CALL_TYPE);
	return {
		event: CALL_EVENTS.ONVOXIMPLANTCALLINIT,
		message: `${callPhrase(callType, otherParty)} started on ${lineLabel(line)}`,
		CALL_ID: textField(data, 'CALL_ID') ?? null,
		CALL_TYPE,
		callType,
		ACCOUNT_SEARCH_ID: text(textField(data, 'ACCOUNT_SEARCH_ID')),
		PHONE_NUMBER: text(textField(data, 'PHONE_NUMBER')),
		CALLER_ID: text(textField(data, 'CALLER_ID')),
		otherPartyNumber: otherParty,
		REST_APP_ID: toInteger(textField(data, 'REST_APP_ID')),
		line: { ...line },
		...common(delivery),
	};
}

function callStartItem(delivery: Delivery, line: CallLine): IDataObject {
	const { data } = delivery;
	const callId = textField(data, 'CALL_ID') ?? null;
	const userId = toInteger(textField(data, 'USER_ID'));
	return {
		event: CALL_EVENTS.ONVOXIMPLANTCALLSTART,
		message: `Call ${callId ?? '(no CALL_ID)'} was answered${userId !== null ? ` by user ${userId}` : ''}`,
		CALL_ID: callId,
		USER_ID: userId,
		line: { ...line },
		...common(delivery),
	};
}

/** One item for one delivery. A Call Start event names no line: its line is `none`. */
export function buildCallItem(delivery: Delivery, knowledge: LineKnowledge): IDataObject {
	const line = resolveCallLine(lineSearchIdOf(delivery), knowledge);
	if (delivery.event === 'ONVOXIMPLANTCALLSTART') {
		line.description = `${NOT_IDENTIFIED}: Call Start events carry no line (match the call by CALL_ID to its Call Init or Call End)`;
		return callStartItem(delivery, line);
	}
	if (delivery.event === 'ONVOXIMPLANTCALLINIT') return callInitItem(delivery, line);
	return callEndItem(delivery, line);
}
