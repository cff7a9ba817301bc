import type { IDataObject } from 'n8n-workflow';

import { configIdOf, lineLabel, readLine } from './line';
import { lineIdentity } from './lineIdentity';
import { fetchLines } from './lines';
import type { Registration } from './registration';
import type { LineCheck } from './registrationCheck';
import { readRegistration } from './registrationCheck';
import { cloudRegId, isOfficeSearchId, isRestAppSearchId, lineHasSearchId } from './searchId';
import type { Bitrix24Client } from './transport/client';
import type { Authentication } from './transport/connection';

/**
 * What voximplant.line.outgoing.get answers when the portal has no valid default
 * (docs/bitrix24-behaviour.md#default-outgoing-line): none
 * was set, or the stored one names no current line (Bitrix24 checks it on every read).
 */
export const NO_SIP_DEFAULT = 'LINK_BASE_NUMBER';

/**
 * What the portal's default outgoing line is. Bitrix24 answers only a line the portal has now, so:
 * - `sipLine`: a SIP line the webhook can see (cloud `reg<REG_ID>`, or an office line's search id);
 * - `unknownSipLine`: a SIP line no line visible to the webhook matches: a line of an OAuth
 *   application (a deleted line is never answered);
 * - `restApp`: a REST telephony application's pseudo-line, `REST_APP:<id>`;
 * - `number`: a number rented in Bitrix24, a verified caller ID, or a line number a REST
 *   application registered (telephony.externalLine.add): the answer cannot tell which;
 * - `none`: `LINK_BASE_NUMBER`, no valid default: calls go out through the portal's base number.
 */
export type DefaultOutgoingKind = 'sipLine' | 'unknownSipLine' | 'restApp' | 'number' | 'none';

export interface DefaultOutgoing {
	/** the raw answer of voximplant.line.outgoing.get */
	value: string;
	kind: DefaultOutgoingKind;
	/** the line as voximplant.sip.get returned it, when kind is `sipLine` */
	line: IDataObject | null;
	/** the REG_ID a `reg<REG_ID>` value names, even when no visible line has it */
	regId: number | null;
}

function isNoDefault(value: string): boolean {
	return value === '' || value === NO_SIP_DEFAULT;
}

/** Whether this line is the one the value of voximplant.line.outgoing.get names. */
export function isDefaultOutgoingLine(line: IDataObject, value: string): boolean {
	return !isNoDefault(value) && lineHasSearchId(line, value);
}

/**
 * Reads the raw default outgoing line: `reg<REG_ID>`, an office search id, `REST_APP:<id>`, a
 * number or `LINK_BASE_NUMBER`.
 */
export async function readDefaultOutgoingValue(client: Bitrix24Client): Promise<string> {
	const { result } = await client.call<unknown>('voximplant.line.outgoing.get');
	return typeof result === 'string' || typeof result === 'number' ? String(result).trim() : '';
}

/** Which line types a list of lines holds completely (every visible line of that type). */
export interface KnownLines {
	lines: IDataObject[];
	cloud: boolean;
	office: boolean;
}

/**
 * What a default outgoing value names, given the lines to search: the pure part of
 * resolveDefaultOutgoing. A value that is neither `reg<REG_ID>`, an office search id (`sip…`) nor
 * `REST_APP:<id>` is a number, whatever its spelling (`+7 495 123-45-67`, `8800`).
 */
export function classifyDefaultOutgoing(value: string, lines: IDataObject[]): DefaultOutgoing {
	if (isNoDefault(value)) return { value, kind: 'none', line: null, regId: null };
	if (isRestAppSearchId(value)) return { value, kind: 'restApp', line: null, regId: null };
	const regId = cloudRegId(value);
	const line = lines.find((candidate) => isDefaultOutgoingLine(candidate, value));
	if (line) return { value, kind: 'sipLine', line, regId };
	if (regId !== null || isOfficeSearchId(value))
		return { value, kind: 'unknownSipLine', line: null, regId };
	return { value, kind: 'number', line: null, regId: null };
}

/**
 * Resolves a default outgoing value to the line it names. Lines already read are searched first;
 * a line of a type the list does not hold in full is looked up with one filtered
 * voximplant.sip.get.
 */
export async function resolveDefaultOutgoing(
	client: Bitrix24Client,
	value: string,
	known: KnownLines = { lines: [], cloud: false, office: false },
): Promise<DefaultOutgoing> {
	const resolved = classifyDefaultOutgoing(value, known.lines);
	if (resolved.kind !== 'unknownSipLine' && resolved.kind !== 'number') return resolved;
	const { regId } = resolved;
	if (regId !== null ? known.cloud : known.office) return resolved;
	// a number is looked up too: its form is not documented, only the office search id's
	const filter: IDataObject =
		regId !== null ? { TYPE: 'cloud', REG_ID: regId } : { TYPE: 'office', INCOMING_LOGIN: value };
	return classifyDefaultOutgoing(value, await fetchLines(client, { FILTER: filter }));
}

/**
 * The default outgoing line in one sentence for a person. A number is not told apart further: a
 * number rented in Bitrix24, a verified caller ID, or a line number a REST application registered.
 */
export function describeDefaultOutgoing(
	resolved: DefaultOutgoing,
	via: Authentication = 'webhook',
): string {
	switch (resolved.kind) {
		case 'none':
			return "No SIP default: Bitrix24 has no default outgoing line set and uses the portal's base number (LINK_BASE_NUMBER)";
		case 'number':
			return `The number ${resolved.value}, not a SIP line`;
		case 'restApp':
			return `A REST telephony application (${resolved.value}), not a SIP line`;
		case 'unknownSipLine':
			// lines are private to an application, and a webhook sees every line but those
			return via === 'oAuth2'
				? `A SIP line this application cannot see (${resolved.value}): one made by hand, through a webhook or by another application`
				: `A SIP line this webhook cannot see (${resolved.value}): one made by an OAuth application`;
		default: {
			const line = readLine(resolved.line ?? {});
			return `SIP line ${lineLabel(line)}: ${line.type} PBX at ${line.server}`;
		}
	}
}

/** The default line's id fields; null where the value does not tell them. */
export interface DefaultOutgoingIdentity extends IDataObject {
	CONFIG_ID: number | null;
	TITLE: string | null;
	/** `cloud` or `office` for a SIP line (an unseen one's too: its value shows the type) */
	TYPE: string | null;
	REG_ID: number | null;
}

export function defaultOutgoingIdentity(resolved: DefaultOutgoing): DefaultOutgoingIdentity {
	if (resolved.line) {
		const { CONFIG_ID, TITLE, TYPE, REG_ID } = lineIdentity(resolved.line);
		return { CONFIG_ID, TITLE, TYPE, REG_ID };
	}
	const type =
		resolved.kind === 'unknownSipLine' ? (resolved.regId !== null ? 'cloud' : 'office') : null;
	return { CONFIG_ID: null, TITLE: null, TYPE: type, REG_ID: resolved.regId };
}

/**
 * The registration of the default line, as far as it can be known: a visible line's from the checks
 * already made (an office line has none: null), an unseen cloud line's read by its REG_ID (Bitrix24
 * does not filter voximplant.sip.status). Undefined when there is nothing to check: no SIP default,
 * a number, a REST application, or an office line the webhook cannot see.
 */
export async function defaultOutgoingRegistration(
	client: Bitrix24Client,
	resolved: DefaultOutgoing,
	checks: LineCheck[],
): Promise<Registration | undefined> {
	if (resolved.kind === 'sipLine' && resolved.line) {
		const configId = configIdOf(resolved.line);
		const checked = checks.find((check) => configIdOf(check.line) === configId);
		if (checked) return checked.registration;
		return await readRegistration(client, resolved.line);
	}
	if (resolved.kind === 'unknownSipLine' && resolved.regId !== null) {
		return await readRegistration(client, { TYPE: 'cloud', REG_ID: resolved.regId });
	}
	return undefined;
}
