import type { IDataObject } from 'n8n-workflow';

import type { CallEventName, Delivery } from '../../../nodes/shared/calls/callEvent';
import type { CallLine, LineKnowledge } from '../../../nodes/shared/calls/callLine';
import {
	callLineLabel,
	callLineOf,
	detectsLineNumber,
	lineSearchIdOf,
	resolveCallLine,
} from '../../../nodes/shared/calls/callLine';
import type { FormObject } from '../../../nodes/shared/calls/formBody';

const cloudRow: IDataObject = { CONFIG_ID: '5', TYPE: 'cloud', TITLE: 'Trunk', REG_ID: '151082' };
const officeRow: IDataObject = {
	CONFIG_ID: '7',
	TYPE: 'office',
	TITLE: 'Office PBX',
	REG_ID: '',
	INCOMING_LOGIN: 'sip0001',
};
const detectingRow: IDataObject = { CONFIG_ID: '8', TYPE: 'office', DETECT_LINE_NUMBER: 'y' };

const notLookedUp: LineKnowledge = { lines: null };
const lookedUp: LineKnowledge = { lines: [cloudRow, officeRow] };

function delivery(event: CallEventName, data: Record<string, string>): Delivery {
	return {
		event,
		data: Object.assign(Object.create(null) as FormObject, data),
		sentAt: null,
		eventHandlerId: null,
		portal: null,
	};
}

describe('resolveCallLine', () => {
	it.each<[string, string | null, LineKnowledge, Partial<CallLine>]>([
		[
			'a cloud line looked up',
			'reg151082',
			lookedUp,
			{
				identified: true,
				kind: 'sipLine',
				type: 'cloud',
				searchId: 'reg151082',
				CONFIG_ID: 5,
				TITLE: 'Trunk',
				REG_ID: 151082,
				description: 'cloud SIP line "Trunk" (CONFIG_ID 5)',
			},
		],
		[
			'an office line looked up, its login in another case',
			'SIP0001',
			lookedUp,
			{
				kind: 'sipLine',
				type: 'office',
				CONFIG_ID: 7,
				TITLE: 'Office PBX',
				REG_ID: null,
				description: 'office SIP line "Office PBX" (CONFIG_ID 7)',
			},
		],
		[
			'a cloud line without a lookup',
			'reg9',
			notLookedUp,
			{
				identified: true,
				kind: 'sipLine',
				type: 'cloud',
				CONFIG_ID: null,
				TITLE: null,
				REG_ID: 9,
				description: 'cloud SIP line reg9',
			},
		],
		[
			'an office line without a lookup',
			'sip0002',
			notLookedUp,
			{ kind: 'sipLine', type: 'office', REG_ID: null, description: 'office SIP line sip0002' },
		],
		[
			'a cloud line the webhook cannot see',
			'reg9',
			lookedUp,
			{
				identified: true,
				kind: 'unknownSipLine',
				REG_ID: 9,
				description:
					'cloud SIP line reg9 that this webhook cannot see (a line of an OAuth application, or one deleted since)',
			},
		],
		[
			'a REST application',
			'REST_APP:3',
			lookedUp,
			{
				identified: false,
				kind: 'restApp',
				type: null,
				description:
					'line not identified: REST_APP:3 is a call of a REST telephony application, not of a SIP line',
			},
		],
		[
			'a number without a lookup',
			'+74951112233',
			notLookedUp,
			{
				identified: false,
				kind: 'number',
				description:
					'line not identified: +74951112233 is a number — a rented number, or the number a SIP line with Detect Line Number read from the SIP headers',
			},
		],
		[
			'a number, no line detecting numbers',
			'+74951112233',
			lookedUp,
			{
				kind: 'number',
				description:
					'line not identified: +74951112233 is a number — a rented number, or the number a SIP line with Detect Line Number read from the SIP headers; no SIP line this webhook can see has Detect Line Number on, so most likely a rented number',
			},
		],
		[
			'a number, one line detecting numbers',
			'+74951112233',
			{ lines: [cloudRow, detectingRow] },
			{
				kind: 'number',
				description:
					'line not identified: +74951112233 is a number — a rented number, or the number a SIP line with Detect Line Number read from the SIP headers; 1 SIP line this webhook can see has Detect Line Number on',
			},
		],
		[
			'a number, two lines detecting numbers',
			'+74951112233',
			{ lines: [detectingRow, { ...detectingRow, CONFIG_ID: '9' }] },
			{
				description:
					'line not identified: +74951112233 is a number — a rented number, or the number a SIP line with Detect Line Number read from the SIP headers; 2 SIP lines this webhook can see have Detect Line Number on',
			},
		],
		[
			'no search id',
			null,
			lookedUp,
			{
				identified: false,
				kind: 'none',
				searchId: null,
				description: 'line not identified: the event names no line',
			},
		],
		['a blank search id', '  ', notLookedUp, { kind: 'none', searchId: null }],
		[
			'a failed lookup',
			'reg9',
			{ lines: null, lookupError: "The portal's lines could not be read: x" },
			{ kind: 'sipLine', lookupError: "The portal's lines could not be read: x" },
		],
	])('%s', (_name, searchId, knowledge, expected) => {
		expect(resolveCallLine(searchId, knowledge)).toMatchObject(expected);
	});

	it('has no lookupError unless the lookup failed', () => {
		expect(resolveCallLine('reg9', lookedUp)).not.toHaveProperty('lookupError');
	});
});

describe('lineSearchIdOf', () => {
	it.each<[string, Delivery, string | null]>([
		['Call End: PORTAL_NUMBER', delivery('ONVOXIMPLANTCALLEND', { PORTAL_NUMBER: 'reg1' }), 'reg1'],
		['Call End without PORTAL_NUMBER', delivery('ONVOXIMPLANTCALLEND', {}), null],
		[
			'Call Init: ACCOUNT_SEARCH_ID',
			delivery('ONVOXIMPLANTCALLINIT', { ACCOUNT_SEARCH_ID: 'sip0001', REST_APP_ID: '3' }),
			'sip0001',
		],
		[
			'Call Init of a REST application',
			delivery('ONVOXIMPLANTCALLINIT', { ACCOUNT_SEARCH_ID: '', REST_APP_ID: '3' }),
			'REST_APP:3',
		],
		[
			'Call Init with a blank ACCOUNT_SEARCH_ID and no application',
			delivery('ONVOXIMPLANTCALLINIT', { ACCOUNT_SEARCH_ID: ' ' }),
			' ',
		],
		['Call Init naming nothing', delivery('ONVOXIMPLANTCALLINIT', {}), null],
		['Call Start', delivery('ONVOXIMPLANTCALLSTART', { PORTAL_NUMBER: 'reg1' }), null],
	])('%s', (_name, given, expected) => {
		expect(lineSearchIdOf(given)).toBe(expected);
	});
});

describe('callLineOf', () => {
	it('says that a Call Start event carries no line', () => {
		expect(callLineOf(delivery('ONVOXIMPLANTCALLSTART', { CALL_ID: 'c1' }), lookedUp)).toEqual({
			identified: false,
			kind: 'none',
			type: null,
			searchId: null,
			CONFIG_ID: null,
			TITLE: null,
			REG_ID: null,
			description:
				'line not identified: Call Start events carry no line (match the call by CALL_ID to its Call Init or Call End)',
		});
	});
});

describe('callLineLabel', () => {
	it.each<[string, string | null, LineKnowledge, string]>([
		['a titled line', 'reg151082', lookedUp, 'line "Trunk"'],
		['a SIP line without a lookup', 'reg9', notLookedUp, 'line reg9'],
		['a SIP line the webhook cannot see', 'sip0009', lookedUp, 'line sip0009'],
		['a number', '+74951112233', lookedUp, '+74951112233 (line not identified)'],
		['a REST application', 'REST_APP:3', notLookedUp, 'REST_APP:3 (line not identified)'],
		['no line', null, notLookedUp, 'an unidentified line'],
	])('%s: %s', (_name, searchId, knowledge, label) => {
		expect(callLineLabel(resolveCallLine(searchId, knowledge))).toBe(label);
	});
});

describe('detectsLineNumber', () => {
	it.each<[IDataObject, boolean]>([
		[{ DETECT_LINE_NUMBER: 'Y' }, true],
		[{ DETECT_LINE_NUMBER: 'y' }, true],
		[{ DETECT_LINE_NUMBER: 'N' }, false],
		[{}, false],
	])('%j → %j', (row, expected) => {
		expect(detectsLineNumber(row)).toBe(expected);
	});
});
