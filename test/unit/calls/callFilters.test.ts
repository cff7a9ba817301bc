import type { IDataObject } from 'n8n-workflow';

import type {
	CallFilters,
	FilterContext,
	LineEntry,
} from '../../../nodes/shared/calls/callFilters';
import {
	applyFilters,
	classifyLineEntry,
	parseLineEntries,
	readFilters,
} from '../../../nodes/shared/calls/callFilters';
import { resolveCallLine } from '../../../nodes/shared/calls/callLine';

const rows: IDataObject[] = [
	{ CONFIG_ID: '5', TYPE: 'cloud', TITLE: 'Trunk', REG_ID: '151082' },
	{ CONFIG_ID: '7', TYPE: 'office', TITLE: 'Office PBX', INCOMING_LOGIN: 'sip0001' },
];
const looked: FilterContext = { lines: rows, lookupFailed: false };
const notLooked: FilterContext = { lines: null, lookupFailed: false };
const failedLookup: FilterContext = { lines: null, lookupFailed: true };

function item(fields: IDataObject, searchId: string | null, context: FilterContext): IDataObject {
	return { ...fields, line: { ...resolveCallLine(searchId, { lines: context.lines }) } };
}

const callEnd = (failed: boolean, type = 1) => ({ event: 'callEnd', failed, CALL_TYPE: type });
const none: CallFilters = { onlyFailed: false, onlySipLines: false, lines: [], callTypes: [] };

describe('classifyLineEntry', () => {
	it.each<[string, LineEntry['kind']]>([
		['reg151082', 'searchId'],
		['REG151082', 'searchId'],
		['sip0001', 'searchId'],
		['REST_APP:3', 'searchId'],
		['5', 'lineId'],
		['123456', 'lineId'],
		['1234567', 'number'],
		['+7 (495) 111-22-33', 'number'],
		['Trunk', 'title'],
		['+12', 'title'],
	])('%j is a %s', (text, kind) => {
		expect(classifyLineEntry(` ${text} `)).toEqual({ text, kind });
	});

	it('splits entries at commas and new lines, blanks dropped', () => {
		expect(parseLineEntries('reg1, ,Trunk\n5\n')).toEqual([
			{ text: 'reg1', kind: 'searchId' },
			{ text: 'Trunk', kind: 'title' },
			{ text: '5', kind: 'lineId' },
		]);
		expect(parseLineEntries(undefined)).toEqual([]);
	});
});

describe('readFilters', () => {
	it('reads the collection', () => {
		expect(readFilters({ onlyFailed: true, lines: 'Trunk', callTypes: ['1', 2] }, true)).toEqual({
			onlyFailed: true,
			onlySipLines: false,
			lines: [{ text: 'Trunk', kind: 'title' }],
			callTypes: [1, 2],
		});
	});

	it.each<[string, IDataObject, boolean, string]>([
		[
			'a title without the lookup',
			{ lines: 'Trunk' },
			false,
			'Only These Lines has an entry ("Trunk") that can only be a line ID or title, but Look Up Lines is off',
		],
		[
			'a title and an id without the lookup',
			{ lines: 'Trunk, 5, reg1' },
			false,
			'Only These Lines has entries ("Trunk", "5") that can only be a line ID or title, but Look Up Lines is off',
		],
		[
			'an unknown call type',
			{ callTypes: [1, 9] },
			true,
			'Call Types has values this trigger does not know: 1, 9',
		],
	])('refuses %s', (_name, raw, lookUpLines, message) => {
		expect(() => readFilters(raw, lookUpLines)).toThrow(message);
	});
});

describe('applyFilters', () => {
	it.each<[string, Partial<CallFilters>, IDataObject, FilterContext, string | null]>([
		['no filters', {}, item(callEnd(false), 'reg1', notLooked), notLooked, null],
		[
			'Only Failed: a failed call',
			{ onlyFailed: true },
			item(callEnd(true), 'reg1', notLooked),
			notLooked,
			null,
		],
		[
			'Only Failed: a successful call',
			{ onlyFailed: true },
			item(callEnd(false), 'reg1', notLooked),
			notLooked,
			'the call succeeded',
		],
		[
			'Only Failed: a Call Init',
			{ onlyFailed: true },
			item({ event: 'callInit', CALL_TYPE: 1 }, 'reg1', notLooked),
			notLooked,
			'only call ends can have failed',
		],
		[
			'Call Types: chosen',
			{ callTypes: [2] },
			item(callEnd(false, 2), 'reg1', notLooked),
			notLooked,
			null,
		],
		[
			'Call Types: not chosen',
			{ callTypes: [2] },
			item(callEnd(false, 1), 'reg1', notLooked),
			notLooked,
			'its call type is not chosen',
		],
		[
			'Call Types: no type',
			{ callTypes: [2] },
			item({ event: 'callStart' }, null, notLooked),
			notLooked,
			'its call type is not chosen',
		],
		[
			'Only SIP Lines: a SIP line',
			{ onlySipLines: true },
			item(callEnd(false), 'reg9', looked),
			looked,
			null,
		],
		[
			'Only SIP Lines: a number, lines not looked up',
			{ onlySipLines: true },
			item(callEnd(false), '+74951112233', notLooked),
			notLooked,
			null,
		],
		[
			'Only SIP Lines: a number, no line detecting numbers',
			{ onlySipLines: true },
			item(callEnd(false), '+74951112233', looked),
			looked,
			'its number is not a SIP line (no SIP line has Detect Line Number on)',
		],
		[
			'Only SIP Lines: a REST application',
			{ onlySipLines: true },
			item(callEnd(false), 'REST_APP:3', notLooked),
			notLooked,
			'it is a call of a REST telephony application, not of a SIP line',
		],
		[
			'Only SIP Lines: no line',
			{ onlySipLines: true },
			item({ event: 'callStart' }, null, notLooked),
			notLooked,
			'the event names no line',
		],
		[
			'Only These Lines: a search id in another spelling',
			{ lines: [classifyLineEntry('REG0151082')] },
			item(callEnd(false), 'reg151082', notLooked),
			notLooked,
			null,
		],
		[
			'Only These Lines: a number written otherwise',
			{ lines: [classifyLineEntry('+7 (495) 111-22-33')] },
			item(callEnd(false), '74951112233', notLooked),
			notLooked,
			null,
		],
		[
			'Only These Lines: a line id',
			{ lines: [classifyLineEntry('5')] },
			item(callEnd(false), 'reg151082', looked),
			looked,
			null,
		],
		[
			'Only These Lines: a title in another case',
			{ lines: [classifyLineEntry('office pbx')] },
			item(callEnd(false), 'sip0001', looked),
			looked,
			null,
		],
		[
			'Only These Lines: another line',
			{ lines: [classifyLineEntry('Trunk')] },
			item(callEnd(false), 'sip0001', looked),
			looked,
			'its line is not among Only These Lines',
		],
		[
			'Only These Lines: a title when the lookup failed',
			{ lines: [classifyLineEntry('Trunk')] },
			item(callEnd(false), 'sip0001', failedLookup),
			failedLookup,
			null,
		],
		[
			'Only These Lines: a search id when the lookup failed',
			{ lines: [classifyLineEntry('reg1')] },
			item(callEnd(false), 'sip0001', failedLookup),
			failedLookup,
			'its line is not among Only These Lines',
		],
	])('%s', (_name, filters, given, context, reason) => {
		expect(applyFilters(given, { ...none, ...filters }, context)).toEqual(
			reason === null ? { keep: true } : { keep: false, reason },
		);
	});
});
