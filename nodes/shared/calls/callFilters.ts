import type { IDataObject } from 'n8n-workflow';

import { sameTitle } from '../line';
import { toBoolean } from '../parameters';
import { cloudRegId } from '../searchId';
import type { CallLine } from './callLine';
import { detectsLineNumber } from './callLine';
import { CALL_TYPES } from './failureCodes';

/**
 * The call trigger's filters. They run on the built item; those that need the portal's lines
 * (line ids and titles, whether a number may be a SIP line's detected number) use the lookup.
 * When the lookup failed they let the call through: an alert too many is better than a call lost.
 */

export interface CallFilters {
	onlyFailed: boolean;
	onlySipLines: boolean;
	lines: LineEntry[];
	callTypes: number[];
}

/** One entry of "Only These Lines", and what it can match. */
export interface LineEntry {
	text: string;
	kind: 'searchId' | 'number' | 'lineId' | 'title';
}

export class FilterSettingError extends Error {
	constructor(
		readonly field: string,
		message: string,
		readonly fix: string,
	) {
		super(message);
		this.name = 'FilterSettingError';
	}
}

const PHONE = /^\+?[\d\s().-]+$/;
// CONFIG_IDs are small; a phone number, even a short one, has more digits than this
const MAX_LINE_ID_DIGITS = 6;

function digitsOf(value: string): string {
	return value.replace(/\D/g, '');
}

/** What an entry of "Only These Lines" is, by its form. */
export function classifyLineEntry(value: string): LineEntry {
	const text = value.trim();
	if (/^reg\d+$/i.test(text) || /^sip\S*$/i.test(text) || /^REST_APP:\S+$/i.test(text))
		return { text, kind: 'searchId' };
	if (/^\d+$/.test(text) && text.length <= MAX_LINE_ID_DIGITS) return { text, kind: 'lineId' };
	if (PHONE.test(text) && digitsOf(text).length > MAX_LINE_ID_DIGITS)
		return { text, kind: 'number' };
	return { text, kind: 'title' };
}

/** Entries separated by commas (or new lines), blanks dropped. */
export function parseLineEntries(value: unknown): LineEntry[] {
	if (typeof value !== 'string') return [];
	return value
		.split(/[,\n]/)
		.map((part) => part.trim())
		.filter((part) => part !== '')
		.map(classifyLineEntry);
}

const KNOWN_CALL_TYPES = Object.keys(CALL_TYPES).map(Number);

/**
 * The filters from the node's "Filters" collection. An entry that needs the lookup while
 * Look Up Lines is off is an error naming the field: it could never match.
 */
export function readFilters(raw: IDataObject, lookUpLines: boolean): CallFilters {
	const lines = parseLineEntries(raw.lines);
	if (!lookUpLines) {
		const needy = lines.filter((entry) => entry.kind === 'title' || entry.kind === 'lineId');
		if (needy.length > 0) {
			const names = needy.map((entry) => JSON.stringify(entry.text)).join(', ');
			throw new FilterSettingError(
				'Only These Lines',
				`Only These Lines has ${needy.length === 1 ? 'an entry' : 'entries'} (${names}) that can only be a line ID or title, but Look Up Lines is off`,
				'Turn on "Look Up Lines" (and choose the Bitrix24 Webhook API credential) so that line IDs and titles can be matched, or enter the lines as Bitrix24 names them in call events: reg<REG_ID> for a cloud line, the sip… login for an office line, or the number.',
			);
		}
	}
	const rawTypes = Array.isArray(raw.callTypes) ? raw.callTypes : [];
	const callTypes = rawTypes.map(Number);
	const unknown = callTypes.filter((type) => !KNOWN_CALL_TYPES.includes(type));
	if (unknown.length > 0) {
		throw new FilterSettingError(
			'Call Types',
			`Call Types has values this trigger does not know: ${rawTypes.map(String).join(', ')}`,
			'Choose the call types from the list.',
		);
	}
	const onlyFailed = toBoolean(
		raw.onlyFailed,
		{ label: 'Only Failed Calls', where: 'under Filters' },
		false,
	);
	const onlySipLines = toBoolean(
		raw.onlySipLines,
		{ label: 'Only SIP Lines', where: 'under Filters' },
		false,
	);
	return { onlyFailed, onlySipLines, lines, callTypes };
}

/**
 * The lines as the filters see them: looked up (rows), not looked up (null), or the lookup failed.
 */
export interface FilterContext {
	lines: IDataObject[] | null;
	lookupFailed: boolean;
}

export type FilterVerdict = { keep: true } | { keep: false; reason: string };

function entryMatches(entry: LineEntry, line: CallLine): boolean {
	const searchId = line.searchId ?? '';
	switch (entry.kind) {
		case 'searchId':
			if (searchId.toLowerCase() === entry.text.toLowerCase()) return true;
			// `REG0151082` and `reg151082` name the same line
			return (
				cloudRegId(entry.text.toLowerCase()) !== null &&
				cloudRegId(entry.text.toLowerCase()) === cloudRegId(searchId)
			);
		case 'number':
			return (
				line.kind === 'number' &&
				digitsOf(searchId) !== '' &&
				digitsOf(searchId) === digitsOf(entry.text)
			);
		case 'lineId':
			return line.CONFIG_ID !== null && String(line.CONFIG_ID) === String(Number(entry.text));
		case 'title':
			return line.TITLE !== null && sameTitle(line.TITLE, entry.text);
	}
}

/** Whether a call item passes the filters, and why not. */
export function applyFilters(
	item: IDataObject,
	filters: CallFilters,
	context: FilterContext,
): FilterVerdict {
	const line = item.line as unknown as CallLine;
	if (filters.onlyFailed && (item.event !== 'callEnd' || item.failed !== true)) {
		return {
			keep: false,
			reason: item.event === 'callEnd' ? 'the call succeeded' : 'only call ends can have failed',
		};
	}
	if (filters.callTypes.length > 0) {
		const type = typeof item.CALL_TYPE === 'number' ? item.CALL_TYPE : null;
		if (type === null || !filters.callTypes.includes(type))
			return { keep: false, reason: 'its call type is not chosen' };
	}
	if (filters.onlySipLines) {
		const verdict = sipLineVerdict(line, context);
		if (!verdict.keep) return verdict;
	}
	if (filters.lines.length > 0) {
		if (filters.lines.some((entry) => entryMatches(entry, line))) return { keep: true };
		// titles and ids cannot be checked without the lines: the call goes through
		const needsLookup = filters.lines.some(
			(entry) => entry.kind === 'title' || entry.kind === 'lineId',
		);
		if (context.lookupFailed && needsLookup) return { keep: true };
		return { keep: false, reason: 'its line is not among Only These Lines' };
	}
	return { keep: true };
}

function sipLineVerdict(line: CallLine, context: FilterContext): FilterVerdict {
	switch (line.kind) {
		case 'sipLine':
		case 'unknownSipLine':
			return { keep: true };
		case 'number':
			// a number may be what a SIP line with Detect Line Number read from the headers; only the
			// lines can tell whether any line does that, and without them the call is kept
			if (context.lines === null) return { keep: true };
			return context.lines.some(detectsLineNumber)
				? { keep: true }
				: {
						keep: false,
						reason: 'its number is not a SIP line (no SIP line has Detect Line Number on)',
					};
		case 'restApp':
			return {
				keep: false,
				reason: 'it is a call of a REST telephony application, not of a SIP line',
			};
		case 'none':
			return { keep: false, reason: 'the event names no line' };
	}
}
