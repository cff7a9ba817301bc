import type { IDataObject } from 'n8n-workflow';

import {
	cloudRegId,
	isOfficeSearchId,
	isRestAppSearchId,
	lineHasSearchId,
	resolveSearchId,
	searchIdOf,
} from '../../nodes/shared/searchId';

const CLOUD: IDataObject = { CONFIG_ID: '5', REG_ID: '151082', TYPE: 'cloud', TITLE: 'Main' };
const OFFICE: IDataObject = { CONFIG_ID: '7', TYPE: 'office', INCOMING_LOGIN: 'sip7' };

// the forms a value may take: what each function makes of it
describe.each<[string, number | null, boolean, boolean]>([
	// value, cloudRegId, isOfficeSearchId, isRestAppSearchId
	['reg151082', 151082, false, false],
	[' reg5 ', 5, false, false],
	['reg0', null, false, false],
	['reg', null, false, false],
	['REG5', null, false, false],
	['reg5a', null, false, false],
	['reg99999999999999999', null, false, false],
	['sip7', null, true, false],
	['SIP7', null, true, false],
	['REST_APP:12', null, false, true],
	['rest_app:12', null, false, true],
	['REST_APP', null, false, false],
	// numbers: rented, verified caller IDs, a REST application's line (telephony.externalLine.add)
	['74951234567', null, false, false],
	['+7 495 123-45-67', null, false, false],
	['8800', null, false, false],
	['(495) 123 45 67', null, false, false],
])('%p', (value, regId, office, restApp) => {
	it(`has REG_ID ${String(regId)}`, () => expect(cloudRegId(value)).toBe(regId));
	it(`is ${office ? '' : 'not '}an office search id`, () =>
		expect(isOfficeSearchId(value)).toBe(office));
	it(`is ${restApp ? '' : 'not '}a REST application`, () =>
		expect(isRestAppSearchId(value)).toBe(restApp));
});

describe('searchIdOf', () => {
	it.each<[string, IDataObject, string]>([
		['a cloud line', CLOUD, 'reg151082'],
		['a cloud line from add (ids as numbers)', { TYPE: 'cloud', REG_ID: 3 }, 'reg3'],
		['a cloud line without REG_ID', { TYPE: 'cloud', REG_ID: '' }, ''],
		['a cloud line with REG_ID 0', { TYPE: 'cloud', REG_ID: '0' }, ''],
		['an office line', { TYPE: 'office', INCOMING_LOGIN: ' sip7 ' }, 'sip7'],
		['an office line without INCOMING_LOGIN', { TYPE: 'office' }, ''],
	])('%s', (_name, row, searchId) => {
		expect(searchIdOf(row)).toBe(searchId);
	});
});

describe('lineHasSearchId', () => {
	it.each<[IDataObject, string, boolean]>([
		[CLOUD, 'reg151082', true],
		[CLOUD, ' reg151082 ', true],
		[{ ...CLOUD, REG_ID: 151082 }, 'reg151082', true],
		[CLOUD, 'reg151083', false],
		[CLOUD, '151082', false],
		[{ TYPE: 'cloud', REG_ID: '' }, 'reg0', false],
		[OFFICE, 'sip7', true],
		[OFFICE, 'SIP7', true],
		[OFFICE, 'sip8', false],
		[OFFICE, 'reg151082', false],
		[OFFICE, '', false],
		[{ TYPE: 'office', INCOMING_LOGIN: '' }, '', false],
	])('%p and %p: %p', (row, value, same) => {
		expect(lineHasSearchId(row, value)).toBe(same);
	});
});

describe('resolveSearchId', () => {
	const none = { line: null, type: null, regId: null };
	it.each([
		[
			'reg151082',
			{ value: 'reg151082', kind: 'sipLine', line: CLOUD, type: 'cloud', regId: 151082 },
		],
		[' SIP7 ', { value: 'SIP7', kind: 'sipLine', line: OFFICE, type: 'office', regId: null }],
		['reg42', { value: 'reg42', kind: 'unknownSipLine', line: null, type: 'cloud', regId: 42 }],
		['sip99', { value: 'sip99', kind: 'unknownSipLine', line: null, type: 'office', regId: null }],
		['REST_APP:12', { value: 'REST_APP:12', kind: 'restApp', ...none }],
		['74951234567', { value: '74951234567', kind: 'number', ...none }],
		['+7 495 123-45-67', { value: '+7 495 123-45-67', kind: 'number', ...none }],
		['8800', { value: '8800', kind: 'number', ...none }],
		['', { value: '', kind: 'none', ...none }],
		['  ', { value: '', kind: 'none', ...none }],
	])('%p', (value, expected) => {
		expect(resolveSearchId(value, [CLOUD, OFFICE])).toEqual(expected);
	});
});
