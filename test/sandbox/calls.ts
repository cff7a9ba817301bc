/**
 * The portal's call history: finished calls as rows of b_voximplant_statistic, the events a call
 * fires, and voximplant.statistic.get over the rows (CVoxImplantRestService::statisticGet).
 */
import { randomBytes, randomInt } from 'node:crypto';

import { compareText, matchesCondition, type Compare, type Row } from './filter';
import { intval, isPhpArray, phpString, phpTrim, type PhpParams, type PhpValue } from './php';
import { phpStrToTime, portalDateTime, portalIsoDate } from './time';
import type { CallSpec } from './types';

const PAGE_SIZE = 50;

/** The columns of StatisticTable::getMap, in its order; getList without select reads all of them. */
const TABLE_COLUMNS = [
	'ID',
	'ACCOUNT_ID',
	'APPLICATION_ID',
	'APPLICATION_NAME',
	'PORTAL_USER_ID',
	'PORTAL_NUMBER',
	'PHONE_NUMBER',
	'INCOMING',
	'CALL_ID',
	'EXTERNAL_CALL_ID',
	'CALL_CATEGORY',
	'CALL_LOG',
	'CALL_DIRECTION',
	'CALL_DURATION',
	'CALL_START_DATE',
	'CALL_STATUS',
	'CALL_RECORD_ID',
	'CALL_RECORD_URL',
	'CALL_WEBDAV_ID',
	'CALL_VOTE',
	'COST',
	'COST_CURRENCY',
	'CALL_FAILED_CODE',
	'CALL_FAILED_REASON',
	'CRM_ENTITY_TYPE',
	'CRM_ENTITY_ID',
	'CRM_ACTIVITY_ID',
	'REST_APP_ID',
	'REST_APP_NAME',
	'TRANSCRIPT_ID',
	'TRANSCRIPT_PENDING',
	'SESSION_ID',
	'REDIAL_ATTEMPT',
	'COMMENT',
	'RECORD_DURATION',
];

/** Integer and float columns: the ORM casts filter values to numbers for them. */
const NUMERIC_COLUMNS = new Set([
	'ID',
	'ACCOUNT_ID',
	'APPLICATION_ID',
	'PORTAL_USER_ID',
	'CALL_DURATION',
	'CALL_STATUS',
	'CALL_RECORD_ID',
	'CALL_WEBDAV_ID',
	'CALL_VOTE',
	'COST',
	'CRM_ENTITY_ID',
	'CRM_ACTIVITY_ID',
	'REST_APP_ID',
	'TRANSCRIPT_ID',
	'SESSION_ID',
	'REDIAL_ATTEMPT',
	'RECORD_DURATION',
]);

/** statisticGet unsets these before answering. */
const HIDDEN_COLUMNS = new Set([
	'ACCOUNT_ID',
	'APPLICATION_ID',
	'APPLICATION_NAME',
	'CALL_RECORD_ID',
	'CALL_WEBDAV_ID',
	'CALL_STATUS',
	'CALL_DIRECTION',
	'INCOMING',
]);

/** CVoxImplantRestService::$allowedFilterOperations. */
const ALLOWED_OPERATIONS = ['', '!', '<', '<=', '>', '>=', '><', '!><', '?', '=', '!=', '%', '!%'];

/** The server's English texts for CALL_FAILED_CODE (docs/bitrix24-behaviour.md#call-failure-codes, "Server text"). */
export const FAILURE_REASONS: Record<string, string> = {
	'200': 'The call was successful',
	'304': 'The call was skipped',
	'603': 'Declined',
	'603-S': 'The call was canceled',
	'403': 'Denied',
	'404': 'Invalid number',
	'486': 'Busy',
	'484': 'This route is unavailable',
	'503': 'This route is unavailable',
	'480': 'Temporary unavailable',
	'402': 'Insufficient balance',
	'402-B24': 'Unavailable on free plan',
	'423': 'Blocked',
	OTHER: 'Undefined',
};

export const CALL_EVENTS = ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLSTART', 'ONVOXIMPLANTCALLEND'];

const INCOMING_TYPES = new Set([2, 3]);
const INFOCALL = 5;

/** The line a call goes through, as the portal resolved it from CallSpec. */
export interface CallLine {
	/** ACCOUNT_SEARCH_ID: `reg<REG_ID>`, an office line's INCOMING_LOGIN, a number, `REST_APP:<id>`. */
	searchId: string;
	/** A SIP line with DETECT_LINE_NUMBER = Y. */
	detectLineNumber: boolean;
}

/** An event's `data` with PHP's types: http_build_query writes numbers as text and drops nulls. */
export type EventData = Record<string, string | number | null>;

export interface CallEvent {
	event: string;
	data: EventData;
}

export interface PreparedCall {
	callId: string;
	/** The table row, without ID until it is stored. */
	row: Row;
	startMs: number;
	/** In the order they fire; CallEnd last (it is sent once the row is written). */
	events: CallEvent[];
}

interface StoredCall {
	row: Row;
	startMs: number;
}

interface Condition {
	key: string;
	value: PhpValue;
}

export interface StatisticQuery {
	params: PhpParams;
	/** Helper::getAllowedUserIds: the PORTAL_USER_IDs the caller may see; null: every call. */
	allowedUserIds: number[] | null;
}

function hex(bytes: number): string {
	return randomBytes(bytes).toString('hex');
}

function isRestAppNumber(searchId: string): boolean {
	return /^REST_APP:/i.test(searchId);
}

/** The leading number of a text, as PHP's numeric casts read it. */
function phpNumber(value: PhpValue): number {
	if (typeof value === 'number') return value;
	const match = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(phpString(value));
	return match ? Number(match[0]) : 0;
}

/** Integer columns compare as numbers, the rest as text under the case-insensitive collation. */
const compareColumn: Compare = (field, rowValue, wanted) => {
	if (NUMERIC_COLUMNS.has(field)) return Number(rowValue) - phpNumber(wanted);
	return compareText(rowValue, phpString(wanted));
};

/** array_change_key_case(…, CASE_UPPER): a later key that upper-cases the same wins. */
function upperKeys(value: PhpParams | PhpValue[]): Map<string, PhpValue> {
	const out = new Map<string, PhpValue>();
	const entries: [string, PhpValue][] = Array.isArray(value)
		? value.map((v, i) => [String(i), v])
		: Object.entries(value);
	for (const [key, v] of entries) out.set(key.toUpperCase(), v);
	return out;
}

/** PHP arrays whose keys are all integers ("plain" in checkStatisticFilter): a list of values. */
function plainValues(value: PhpParams | PhpValue[]): PhpValue[] | undefined {
	if (Array.isArray(value)) return value;
	const keys = Object.keys(value);
	return keys.every((key) => /^(0|-?[1-9]\d*)$/.test(key)) ? Object.values(value) : undefined;
}

/** CRestUtil::unConvertDateTime into the stored form; undefined where strtotime fails. */
function convertDate(value: PhpValue, nowMs: number): string | undefined {
	const ms = phpStrToTime(phpString(value), nowMs);
	return ms === null ? undefined : portalDateTime(ms);
}

/**
 * checkStatisticFilter: keys upper-cased; the operation is everything before the first letter;
 * unknown operations and unknown fields are dropped without an error; CALL_TYPE is the INCOMING
 * column; an empty array drops its condition; an array with non-integer keys is checked as a
 * nested filter (its conditions are ANDed here: the check drops a LOGIC key, as it is no field).
 * CRM_BINDINGS.* conditions are not modelled and dropped.
 */
function checkFilter(filter: PhpValue | undefined, nowMs: number): Condition[] {
	if (!isPhpArray(filter)) return [];
	const conditions: Condition[] = [];
	for (const [key, raw] of upperKeys(filter)) {
		let value = raw;
		const match = /^([^a-zA-Z]*)(.*)$/s.exec(key);
		const operation = match?.[1] ?? '';
		let field = match?.[2] ?? '';
		if (isPhpArray(value)) {
			const list = plainValues(value);
			if ((list ?? Object.keys(value)).length === 0) continue;
			if (!list) {
				conditions.push(...checkFilter(value, nowMs));
				continue;
			}
			value = list;
		}
		if (!ALLOWED_OPERATIONS.includes(operation)) continue;
		if (field === 'CALL_TYPE') field = 'INCOMING';
		if (!TABLE_COLUMNS.includes(field)) continue;
		if (field === 'CALL_START_DATE') {
			// strtotime() false goes on to the ORM as the value; the sandbox drops such a condition
			// (and a list with any unparseable date) instead of guessing what the ORM makes of false.
			const dates = (Array.isArray(value) ? value : [value]).map((v) => convertDate(v, nowMs));
			if (dates.some((d) => d === undefined)) continue;
			value = Array.isArray(value) ? (dates as string[]) : (dates[0] as string);
		}
		conditions.push({ key: (operation === '' ? '=' : operation) + field, value });
	}
	return conditions;
}

/** SORT (a column, exactly as written) and ORDER (exactly ASC or DESC), each trimmed. */
function sortOf(
	params: Map<string, PhpValue>,
): { field: string; order: 'ASC' | 'DESC' } | undefined {
	const sort = params.get('SORT');
	const order = params.get('ORDER');
	// Non-strings are unset by the server, nulls are not "set" to begin with.
	if (typeof sort !== 'string' || typeof order !== 'string') return undefined;
	const field = phpTrim(sort);
	const direction = phpTrim(order);
	if (!TABLE_COLUMNS.includes(field)) return undefined;
	if (direction !== 'ASC' && direction !== 'DESC') return undefined;
	return { field, order: direction };
}

function sortRows(rows: StoredCall[], field: string, order: 'ASC' | 'DESC'): StoredCall[] {
	const sign = order === 'ASC' ? 1 : -1;
	return [...rows].sort((a, b) => {
		const av = a.row[field] ?? null;
		const bv = b.row[field] ?? null;
		let diff: number;
		// MySQL puts NULLs first ascending.
		if (av === null || bv === null) diff = av === bv ? 0 : av === null ? -1 : 1;
		else diff = compareColumn(field, av, bv);
		return diff !== 0 ? sign * diff : Number(a.row.ID) - Number(b.row.ID);
	});
}

/** A stored row as statisticGet answers it. */
function apiRow(stored: StoredCall): Record<string, string | null> {
	const out: Record<string, string | null> = {};
	for (const column of TABLE_COLUMNS) {
		if (HIDDEN_COLUMNS.has(column)) continue;
		out[column] = column === 'CALL_START_DATE' ? portalIsoDate(stored.startMs) : stored.row[column];
	}
	// (int)CALL_WEBDAV_ID ?: null; the sandbox stores no recordings, so it is always null.
	out.RECORD_FILE_ID = null;
	out.CALL_TYPE = stored.row.INCOMING;
	return out;
}

function checkSpec(spec: CallSpec): void {
	const type = spec.type ?? 1;
	if (!Number.isInteger(type) || type < 1 || type > 5)
		throw new Error(`CALL_TYPE must be 1..5; got ${type}`);
	const duration = spec.duration ?? 0;
	if (!Number.isInteger(duration) || duration < 0)
		throw new Error(`duration must be whole seconds; got ${duration}`);
}

/**
 * CALL_TYPE of a Voximplant call's CallInit. Only two places fire it: OutgoingRegister with 1 and
 * vi_incoming.php with 2 (docs/bitrix24-behaviour.md#call-init). A redirected incoming call comes in as an incoming one (2);
 * callbacks and infocalls are calls the portal itself places, so they start as outgoing ones (1).
 * Types 3–5 are written only into the history row, so only CallEnd carries them.
 */
function initCallType(type: number): number {
	return INCOMING_TYPES.has(type) ? 2 : 1;
}

/** Voximplant's CALL_ID (`5E316880469A6376.1773306964.8740011`) or a REST app's externalCall.… */
function newCallId(restApp: boolean, startMs: number): string {
	const unix = Math.floor(startMs / 1000);
	if (restApp) return `externalCall.${hex(16)}.${unix}`;
	return `${hex(8).toUpperCase()}.${unix}.${randomInt(1_000_000, 10_000_000)}`;
}

/** Builds a finished call: its row (CVoxImplantHistory::Add) and the events it fires. */
export function prepareCall(
	spec: CallSpec,
	line: CallLine,
	nowMs: number,
	nextActivityId: () => number,
): PreparedCall {
	checkSpec(spec);
	const code = spec.code ?? '200';
	const duration = spec.duration ?? (code === '200' ? 60 : 0);
	const type = spec.type ?? 1;
	const incoming = INCOMING_TYPES.has(type);
	const phone = spec.phoneNumber ?? '+74951112233';
	const restApp = isRestAppNumber(line.searchId);
	const startMs =
		spec.startedAt instanceof Date
			? spec.startedAt.getTime()
			: (spec.startedAt ?? nowMs - duration * 1000);
	const callId = newCallId(restApp, startMs);
	// Infocalls have no responsible user; otherwise "none found" is intval(false) = 0.
	const userId = type === INFOCALL ? null : spec.userId === null ? 0 : (spec.userId ?? 1);
	const portalNumber =
		incoming && line.detectLineNumber && spec.detectedNumber ? spec.detectedNumber : line.searchId;
	const activityId = spec.crmActivityId === undefined ? nextActivityId() : spec.crmActivityId;
	const reason = spec.reason ?? FAILURE_REASONS[code] ?? '';
	const cost = spec.cost ?? 0;
	const currency = spec.costCurrency ?? 'RUB';
	const sessionId = restApp ? null : String(randomInt(1_000_000_000, 4_000_000_000));
	const restAppId = restApp ? (/^REST_APP:(\d+)/i.exec(line.searchId)?.[1] ?? null) : null;
	const day = portalDateTime(startMs).slice(0, 10).replace(/-/g, '/');

	const row: Row = {
		ID: null,
		ACCOUNT_ID: restApp ? null : '4417391',
		APPLICATION_ID: restApp ? null : '7562119',
		APPLICATION_NAME: restApp ? '-' : 'b24-sandbox.n.voximplant.com',
		PORTAL_USER_ID: userId === null ? null : String(userId),
		PORTAL_NUMBER: portalNumber === '' ? null : portalNumber,
		PHONE_NUMBER: phone === '' ? null : phone,
		INCOMING: String(type),
		CALL_ID: callId,
		EXTERNAL_CALL_ID: null,
		CALL_CATEGORY: 'external',
		CALL_LOG: restApp
			? null
			: `https://storage-gw-ru-01.voximplant.com/voximplant-logs/${day}/${hex(24)}.log?sessionid=${sessionId}`,
		CALL_DIRECTION: null,
		CALL_DURATION: String(duration),
		CALL_START_DATE: portalDateTime(startMs),
		CALL_STATUS: null,
		CALL_RECORD_ID: null,
		// Voximplant sends an empty record URL, externalCall.finish none.
		CALL_RECORD_URL: restApp ? null : '',
		CALL_WEBDAV_ID: null,
		CALL_VOTE: null,
		COST: cost.toFixed(4),
		COST_CURRENCY: currency,
		CALL_FAILED_CODE: code,
		CALL_FAILED_REASON: reason,
		CRM_ENTITY_TYPE: spec.crmEntityType ?? null,
		CRM_ENTITY_ID: spec.crmEntityId === undefined ? null : String(spec.crmEntityId),
		CRM_ACTIVITY_ID: activityId === null ? null : String(activityId),
		REST_APP_ID: restAppId,
		REST_APP_NAME: restAppId === null ? null : `REST application ${restAppId}`,
		TRANSCRIPT_ID: null,
		TRANSCRIPT_PENDING: 'N',
		SESSION_ID: sessionId,
		REDIAL_ATTEMPT: null,
		COMMENT: null,
		RECORD_DURATION: null,
	};

	const events: CallEvent[] = [
		{
			event: 'ONVOXIMPLANTCALLINIT',
			// controller_hit.php: every command but OutgoingRegister sets PHONE_NUMBER to the line's
			// ACCOUNT_SEARCH_ID, so an incoming call names the caller only in CALLER_ID; an outgoing
			// one sets CALLER_ID to the line and keeps the number dialled in PHONE_NUMBER.
			// A REST app's call carries the TYPE the app passed to telephony.externalcall.register.
			data: restApp
				? { CALL_ID: callId, CALL_TYPE: type, CALLER_ID: phone, REST_APP_ID: restAppId }
				: {
						CALL_ID: callId,
						CALL_TYPE: initCallType(type),
						ACCOUNT_SEARCH_ID: line.searchId,
						PHONE_NUMBER: incoming ? line.searchId : phone,
						CALLER_ID: incoming ? phone : line.searchId,
					},
		},
	];
	if (code === '200' && duration > 0)
		events.push({ event: 'ONVOXIMPLANTCALLSTART', data: { CALL_ID: callId, USER_ID: userId } });
	// Exactly the keys of CVoxImplantHistory::sendCallEndEvent; CRM_ACTIVITY_ID is null (so left out
	// of the form) when CRM did not register the call.
	events.push({
		event: 'ONVOXIMPLANTCALLEND',
		data: {
			CALL_ID: callId,
			CALL_TYPE: String(type),
			PHONE_NUMBER: row.PHONE_NUMBER,
			PORTAL_NUMBER: row.PORTAL_NUMBER,
			PORTAL_USER_ID: userId,
			CALL_DURATION: duration,
			CALL_START_DATE: portalIsoDate(startMs),
			// A PHP float: http_build_query writes 0.0 as "0" and 1.5 as "1.5" (the row says "0.0000").
			COST: cost,
			COST_CURRENCY: currency,
			CALL_FAILED_CODE: code,
			CALL_FAILED_REASON: reason,
			CRM_ACTIVITY_ID: activityId,
		},
	});
	return { callId, row, startMs, events };
}

/** The rows of b_voximplant_statistic and voximplant.statistic.get over them. */
export class CallStatistics {
	private readonly stored: StoredCall[] = [];
	private lastId = 0;

	constructor(private readonly now: () => number) {}

	/** Writes a finished call; from now on statistic.get sees it. */
	insert(call: PreparedCall): Record<string, string | null> {
		const stored: StoredCall = {
			row: { ...call.row, ID: String(++this.lastId) },
			startMs: call.startMs,
		};
		this.stored.push(stored);
		return apiRow(stored);
	}

	rows(): Array<Record<string, string | null>> {
		return this.stored.map(apiRow);
	}

	/**
	 * voximplant.statistic.get. `start` is the REST server's own (lower-case only) page offset: a
	 * negative one reads the first page and reports total 0, as getCount is skipped then.
	 */
	get(query: StatisticQuery): { result: unknown; total: number; next?: number } {
		const { params } = query;
		const start = params.start === undefined ? 0 : intval(params.start);
		// START is not the page offset: the REST server only takes `start` out of the query.
		const upper = upperKeys(params);
		const conditions = checkFilter(upper.get('FILTER'), this.now());
		// Levels below "any" silently narrow the rows to the allowed users.
		if (query.allowedUserIds !== null)
			conditions.push({ key: 'PORTAL_USER_ID', value: query.allowedUserIds.map(String) });
		let rows = this.stored.filter((stored) =>
			conditions.every((c) => matchesCondition(stored.row, c.key, c.value, compareColumn)),
		);
		const total = start >= 0 ? rows.length : 0;
		const sort = sortOf(upper);
		if (sort) rows = sortRows(rows, sort.field, sort.order);
		const offset = Math.max(0, start);
		const page = rows.slice(offset, offset + PAGE_SIZE).map(apiRow);
		return {
			result: page,
			total,
			...(offset + page.length < total ? { next: offset + page.length } : {}),
		};
	}
}
