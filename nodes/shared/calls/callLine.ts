import type { IDataObject } from 'n8n-workflow';

import type { ResolvedSearchId } from '../searchId';
import { resolveSearchId } from '../searchId';
import type { Delivery } from './callEvent';
import { textField } from './formBody';
import { integerField, nullableTextField } from './formValues';
import type { Authentication } from '../transport/connection';
import { unseenBy } from '../transport/connection';

/**
 * The line a call event went through. An event names it by a search id (PORTAL_NUMBER at Call
 * End, ACCOUNT_SEARCH_ID or the REST application at Call Init); with Look Up Lines the search id
 * is matched to one of the portal's SIP lines, and the item says in words what it could tell.
 */

/** What the trigger knows of the portal's lines for this delivery. */
export interface LineKnowledge {
	/** voximplant.sip.get rows; null when Look Up Lines is off or the lookup failed */
	lines: IDataObject[] | null;
	/** why the lookup failed, in words without secrets */
	lookupError?: string;
	/** the credential that looked the lines up (webhook when not given) */
	via?: Authentication;
}

/** The item's `line`; its ids and title keep the names of voximplant.sip.get's rows. */
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
	via: Authentication = 'webhook',
): string {
	const type = resolved.type === 'office' ? 'office' : 'cloud';
	switch (resolved.kind) {
		case 'sipLine': {
			if (!resolved.line) return `${type} SIP line ${resolved.value}`;
			return `${type} SIP line "${String(resolved.line.TITLE ?? '')}" (CONFIG_ID ${String(resolved.line.CONFIG_ID)})`;
		}
		case 'unknownSipLine':
			return lookedUp
				? `${type} SIP line ${resolved.value} that ${unseenBy(via).who} cannot see (${unseenBy(via).what}, or one deleted since)`
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

/**
 * Whether a voximplant.sip.get row reads the line number from the SIP headers (DETECT_LINE_NUMBER =
 * Y).
 */
export function detectsLineNumber(line: IDataObject): boolean {
	return String(line.DETECT_LINE_NUMBER ?? '').toUpperCase() === 'Y';
}

// unlike line.ts's readLine, a row's 0 or negative id is shown as the portal wrote it, not as null
function numberOrNull(value: unknown): number | null {
	if (value === null || value === undefined || value === '') return null;
	const number = Number(value);
	return Number.isSafeInteger(number) ? number : null;
}

/** The line a search id names, with CONFIG_ID and TITLE when the lines were looked up. */
export function resolveCallLine(searchId: string | null, knowledge: LineKnowledge): CallLine {
	const lookedUp = knowledge.lines !== null;
	const resolved = resolveSearchId(searchId ?? '', knowledge.lines ?? []);
	// without a lookup, "a SIP line none of the seen lines is" only means "a SIP line": none were
	// read
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
		description: describeLine({ ...resolved, kind }, lookedUp, knowledge.lines, knowledge.via),
	};
	if (knowledge.lookupError !== undefined) out.lookupError = knowledge.lookupError;
	return out;
}

/**
 * The search id an event names its line by: PORTAL_NUMBER (end), ACCOUNT_SEARCH_ID or REST_APP
 * (init).
 */
export function lineSearchIdOf(delivery: Delivery): string | null {
	const { data } = delivery;
	if (delivery.event === 'ONVOXIMPLANTCALLEND') return nullableTextField(data, 'PORTAL_NUMBER');
	if (delivery.event === 'ONVOXIMPLANTCALLINIT') {
		const account = textField(data, 'ACCOUNT_SEARCH_ID');
		if (account !== undefined && account.trim() !== '') return account;
		// a REST application's call names its application instead of a line
		// (docs/bitrix24-behaviour.md#call-init)
		const app = integerField(data, 'REST_APP_ID');
		return app !== null ? `REST_APP:${app}` : (account ?? null);
	}
	return null;
}

/** The line of a delivery. A Call Start event names no line: its line is `none`, and says why. */
export function callLineOf(delivery: Delivery, knowledge: LineKnowledge): CallLine {
	const line = resolveCallLine(lineSearchIdOf(delivery), knowledge);
	if (delivery.event === 'ONVOXIMPLANTCALLSTART') {
		line.description = `${NOT_IDENTIFIED}: Call Start events carry no line (match the call by CALL_ID to its Call Init or Call End)`;
	}
	return line;
}

/**
 * The line as a call's message names it: `line "Title"`, or the search id the event gave. Unlike
 * line.ts's lineLabel it has no CONFIG_ID to show when the line was not looked up or not found.
 */
export function callLineLabel(line: CallLine): string {
	if (line.TITLE !== null) return `line "${line.TITLE}"`;
	if (line.identified && line.searchId !== null) return `line ${line.searchId}`;
	return line.searchId !== null ? `${line.searchId} (line not identified)` : 'an unidentified line';
}
