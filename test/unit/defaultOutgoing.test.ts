import type { IDataObject } from 'n8n-workflow';

import type { DefaultOutgoing, KnownLines } from '../../nodes/shared/defaultOutgoing';
import {
	classifyDefaultOutgoing,
	defaultOutgoingIdentity,
	describeDefaultOutgoing,
	resolveDefaultOutgoing,
} from '../../nodes/shared/defaultOutgoing';
import type { Bitrix24Client } from '../../nodes/shared/transport/client';

const CLOUD: IDataObject = {
	CONFIG_ID: '5',
	REG_ID: '151082',
	TYPE: 'cloud',
	TITLE: 'Main',
	SERVER: 'sip.example.com',
};
const OFFICE: IDataObject = {
	CONFIG_ID: '7',
	TYPE: 'office',
	TITLE: '',
	SERVER: 'pbx.example.com',
	INCOMING_LOGIN: 'sip7',
};
const NO_SIP_DEFAULT =
	"No SIP default: Bitrix24 has no default outgoing line set and uses the portal's base number (LINK_BASE_NUMBER)";

interface Expected {
	resolved: DefaultOutgoing;
	description: string;
	identity: IDataObject;
}

const number = (value: string): Expected => ({
	resolved: { value, kind: 'number', line: null, regId: null },
	description: `The number ${value}, not a SIP line`,
	identity: { CONFIG_ID: null, TITLE: null, TYPE: null, REG_ID: null },
});

describe('classifyDefaultOutgoing', () => {
	it.each<[string, string, Expected]>([
		[
			'no SIP default',
			'LINK_BASE_NUMBER',
			{
				resolved: { value: 'LINK_BASE_NUMBER', kind: 'none', line: null, regId: null },
				description: NO_SIP_DEFAULT,
				identity: { CONFIG_ID: null, TITLE: null, TYPE: null, REG_ID: null },
			},
		],
		[
			'an empty answer',
			'',
			{
				resolved: { value: '', kind: 'none', line: null, regId: null },
				description: NO_SIP_DEFAULT,
				identity: { CONFIG_ID: null, TITLE: null, TYPE: null, REG_ID: null },
			},
		],
		[
			'a REST application pseudo-line',
			'REST_APP:12',
			{
				resolved: { value: 'REST_APP:12', kind: 'restApp', line: null, regId: null },
				description: 'A REST telephony application (REST_APP:12), not a SIP line',
				identity: { CONFIG_ID: null, TITLE: null, TYPE: null, REG_ID: null },
			},
		],
		[
			'a visible cloud line',
			'reg151082',
			{
				resolved: { value: 'reg151082', kind: 'sipLine', line: CLOUD, regId: 151082 },
				description: 'SIP line "Main" (5): cloud PBX at sip.example.com',
				identity: { CONFIG_ID: 5, TITLE: 'Main', TYPE: 'cloud', REG_ID: 151082 },
			},
		],
		[
			'a visible office line',
			'sip7',
			{
				resolved: { value: 'sip7', kind: 'sipLine', line: OFFICE, regId: null },
				description: 'SIP line Office PBX (7): office PBX at pbx.example.com',
				identity: { CONFIG_ID: 7, TITLE: '', TYPE: 'office', REG_ID: null },
			},
		],
		[
			'a cloud line the webhook cannot see',
			'reg42',
			{
				resolved: { value: 'reg42', kind: 'unknownSipLine', line: null, regId: 42 },
				description: 'A SIP line this webhook cannot see (reg42): one made by an OAuth application',
				identity: { CONFIG_ID: null, TITLE: null, TYPE: 'cloud', REG_ID: 42 },
			},
		],
		[
			'an office line the webhook cannot see',
			'sip99',
			{
				resolved: { value: 'sip99', kind: 'unknownSipLine', line: null, regId: null },
				description: 'A SIP line this webhook cannot see (sip99): one made by an OAuth application',
				identity: { CONFIG_ID: null, TITLE: null, TYPE: 'office', REG_ID: null },
			},
		],
		['a rented number', '74951234567', number('74951234567')],
		// a REST application's line (telephony.externalLine.add) is answered by its NUMBER as written
		['a REST application line number', '+7 495 123-45-67', number('+7 495 123-45-67')],
		['a short REST application line number', '8800', number('8800')],
		['a number with brackets', '(495) 123 45 67', number('(495) 123 45 67')],
	])('%s: %p', (_name, value, { resolved, description, identity }) => {
		const classified = classifyDefaultOutgoing(value, [CLOUD, OFFICE]);
		expect(classified).toEqual(resolved);
		expect(describeDefaultOutgoing(classified)).toBe(description);
		expect(defaultOutgoingIdentity(classified)).toEqual(identity);
	});
});

describe('resolveDefaultOutgoing', () => {
	/** A client that answers voximplant.sip.get with `rows` and records the filters it was asked. */
	function fakeClient(rows: IDataObject[]) {
		const filters: unknown[] = [];
		const client = {
			call: async (method: string, params: IDataObject = {}) => {
				expect(method).toBe('voximplant.sip.get');
				filters.push(params.FILTER);
				return { result: rows };
			},
		} as unknown as Bitrix24Client;
		return { client, filters };
	}
	const nothingKnown: KnownLines = { lines: [], cloud: false, office: false };
	const allKnown: KnownLines = { lines: [CLOUD, OFFICE], cloud: true, office: true };

	it.each<[string, string, KnownLines, IDataObject[], string, unknown[]]>([
		// name, value, known lines, what voximplant.sip.get answers, kind, filters asked
		['no SIP default', 'LINK_BASE_NUMBER', nothingKnown, [], 'none', []],
		['a REST application', 'REST_APP:12', nothingKnown, [], 'restApp', []],
		['a known cloud line', 'reg151082', allKnown, [], 'sipLine', []],
		[
			'a cloud line looked up',
			'reg151082',
			nothingKnown,
			[CLOUD],
			'sipLine',
			[{ TYPE: 'cloud', REG_ID: 151082 }],
		],
		[
			'an unseen cloud line',
			'reg42',
			nothingKnown,
			[],
			'unknownSipLine',
			[{ TYPE: 'cloud', REG_ID: 42 }],
		],
		['an unseen cloud line, all cloud lines known', 'reg42', allKnown, [], 'unknownSipLine', []],
		[
			'an office line looked up',
			'sip7',
			nothingKnown,
			[OFFICE],
			'sipLine',
			[{ TYPE: 'office', INCOMING_LOGIN: 'sip7' }],
		],
		[
			'a number looked up',
			'8800',
			nothingKnown,
			[],
			'number',
			[{ TYPE: 'office', INCOMING_LOGIN: '8800' }],
		],
		['a number, all office lines known', '+7 495 123-45-67', allKnown, [], 'number', []],
		[
			'a number, only cloud lines known',
			'8800',
			{ lines: [CLOUD], cloud: true, office: false },
			[],
			'number',
			[{ TYPE: 'office', INCOMING_LOGIN: '8800' }],
		],
	])('%s', async (_name, value, known, rows, kind, filters) => {
		const fake = fakeClient(rows);
		const resolved = await resolveDefaultOutgoing(fake.client, value, known);
		expect(resolved.kind).toBe(kind);
		expect(resolved.value).toBe(value);
		expect(fake.filters).toEqual(filters);
	});
});
