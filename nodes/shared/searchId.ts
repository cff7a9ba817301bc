import type { IDataObject } from 'n8n-workflow';

import { readLine } from './line';

/**
 * A line's "search id": how Bitrix24 names a telephony line in voximplant.line.outgoing.get and in
 * call data (PORTAL_NUMBER of call events and call statistics). Per the server source, a cloud SIP
 * line is `reg<REG_ID>` and an office SIP line is its INCOMING_LOGIN (`sip…`); a rented number is
 * the
 * number itself. A SIP line with DETECT_LINE_NUMBER = Y stores an incoming call under the number
 * the
 * SIP headers carry instead, so a number does not always mean a rented number.
 */

const CLOUD_SEARCH_ID = /^reg(\d+)$/;
// office lines answer their INCOMING_LOGIN-like search id, "sip…"
// (docs/bitrix24-behaviour.md#search-ids-of-lines)
const OFFICE_SEARCH_ID = /^sip/i;
// calls of REST telephony applications (telephony.externalCall.*) may carry `REST_APP:<id>`
const REST_APP_SEARCH_ID = /^REST_APP:/i;

/** The REG_ID of a cloud line's search id (`reg151082` → 151082), or null. */
export function cloudRegId(value: string): number | null {
	const match = CLOUD_SEARCH_ID.exec(value.trim());
	if (!match) return null;
	const regId = Number(match[1]);
	return Number.isSafeInteger(regId) && regId > 0 ? regId : null;
}

/** Whether a value has the form of an office line's search id (`sip…`). */
export function isOfficeSearchId(value: string): boolean {
	return OFFICE_SEARCH_ID.test(value.trim());
}

/** Whether a value is a REST telephony application's pseudo-line (`REST_APP:<id>`). */
export function isRestAppSearchId(value: string): boolean {
	return REST_APP_SEARCH_ID.test(value.trim());
}

/** The search id of a line as voximplant.sip.get returns it; '' when it has none. */
export function searchIdOf(row: IDataObject): string {
	const { type, regId } = readLine(row);
	if (type === 'cloud') return regId !== null ? `reg${regId}` : '';
	return typeof row.INCOMING_LOGIN === 'string' ? row.INCOMING_LOGIN.trim() : '';
}

/** Whether this line (a voximplant.sip.get row) is the one a search id names. */
export function lineHasSearchId(row: IDataObject, value: string): boolean {
	const wanted = value.trim();
	if (wanted === '') return false;
	const line = readLine(row);
	if (line.type === 'cloud') {
		const regId = cloudRegId(wanted);
		return regId !== null && line.regId === regId;
	}
	const own = searchIdOf(row);
	// the portal compares text without regard to case (its collation), so this does too
	return own !== '' && own.toLowerCase() === wanted.toLowerCase();
}

/**
 * What a search id from call data names, given the lines the webhook can see:
 * - `sipLine`: one of those lines;
 * - `unknownSipLine`: a SIP line none of them is (an OAuth application's line, or one deleted
 * since);
 * - `restApp`: a call of a REST telephony application (`REST_APP:<id>`);
 * - `number`: a number — a rented number, a line number a REST application registered, or the
 *   number a SIP line with DETECT_LINE_NUMBER read from the SIP headers. Which line carried the
 * call
 *   cannot be told, so it is not guessed;
 * - `none`: no value at all.
 */
export type SearchIdKind = 'sipLine' | 'unknownSipLine' | 'restApp' | 'number' | 'none';

export interface ResolvedSearchId {
	value: string;
	kind: SearchIdKind;
	/** the line as voximplant.sip.get returned it, for `sipLine` */
	line: IDataObject | null;
	/**
	 * `cloud` or `office` for a SIP line, known from the value's form even when the line is not seen
	 */
	type: 'cloud' | 'office' | null;
	/** the REG_ID a `reg<REG_ID>` value names */
	regId: number | null;
}

export function resolveSearchId(value: string, lines: IDataObject[]): ResolvedSearchId {
	const trimmed = value.trim();
	if (trimmed === '') return { value: trimmed, kind: 'none', line: null, type: null, regId: null };
	const regId = cloudRegId(trimmed);
	const line = lines.find((candidate) => lineHasSearchId(candidate, trimmed)) ?? null;
	if (line) {
		return {
			value: trimmed,
			kind: 'sipLine',
			line,
			type: readLine(line).type === 'office' ? 'office' : 'cloud',
			regId,
		};
	}
	if (regId !== null)
		return { value: trimmed, kind: 'unknownSipLine', line: null, type: 'cloud', regId };
	if (isOfficeSearchId(trimmed))
		return { value: trimmed, kind: 'unknownSipLine', line: null, type: 'office', regId: null };
	if (isRestAppSearchId(trimmed))
		return { value: trimmed, kind: 'restApp', line: null, type: null, regId: null };
	return { value: trimmed, kind: 'number', line: null, type: null, regId: null };
}
