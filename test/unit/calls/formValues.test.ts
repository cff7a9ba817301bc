import type { FormObject } from '../../../nodes/shared/calls/formBody';
import {
	callResultOf,
	callTypeOf,
	decimalField,
	filledTextField,
	integerField,
	nullableTextField,
	portalDateField,
	portalDateToIso,
	toDecimal,
	toInteger,
	unixSecondsToIso,
} from '../../../nodes/shared/calls/formValues';

const form = (fields: Record<string, string>): FormObject =>
	Object.assign(Object.create(null) as FormObject, fields);

describe('toInteger', () => {
	it.each([
		['60', 60],
		[' 60 ', 60],
		['+7', 7],
		['-3', -3],
		['0', 0],
		['12.5', null],
		['1e3', null],
		['', null],
		['abc', null],
		['\uD83D\uDE00', null],
		['9007199254740993', null],
		[undefined, null],
	])('%j → %j', (value, expected) => {
		expect(toInteger(value)).toBe(expected);
	});
});

describe('toDecimal', () => {
	it.each([
		['0', 0],
		['0.5', 0.5],
		['.5', 0.5],
		['3.', 3],
		['-1.25', -1.25],
		['1e3', 1000],
		['1e400', null],
		['1,5', null],
		['', null],
		['NaN', null],
		['Infinity', null],
		[undefined, null],
	])('%j → %j', (value, expected) => {
		expect(toDecimal(value)).toBe(expected);
	});
});

describe('portalDateToIso', () => {
	it.each([
		['2026-03-11T17:28:46+03:00', '2026-03-11T14:28:46.000Z'],
		['2026-03-11T07:28:46-0500', '2026-03-11T12:28:46.000Z'],
		['2026-03-11T12:28:46Z', '2026-03-11T12:28:46.000Z'],
		['2026-03-11T12:28:46z', '2026-03-11T12:28:46.000Z'],
		['2026-03-11 17:28:46+03', '2026-03-11T14:28:46.000Z'],
		['2026-03-11T17:28+03:00', '2026-03-11T14:28:00.000Z'],
		['2026-03-11T17:28:46.250+03:00', '2026-03-11T14:28:46.250Z'],
		// without an offset the portal's zone would be a guess
		['2026-03-11 17:28:46', null],
		['2026-02-30T10:00:00+03:00', null],
		['2026-03-11T25:00:00+03:00', null],
		['yesterday', null],
		['', null],
		[undefined, null],
	])('%j → %j', (value, expected) => {
		expect(portalDateToIso(value)).toBe(expected);
	});
});

describe('unixSecondsToIso', () => {
	it.each([
		['1773239326', '2026-03-11T14:28:46.000Z'],
		['0', null],
		['-5', null],
		['yesterday', null],
		['1.5', null],
		[undefined, null],
	])('%j → %j', (value, expected) => {
		expect(unixSecondsToIso(value)).toBe(expected);
	});
});

describe('field readers', () => {
	const data = form({ N: ' 42 ', D: '0.25', T: 'text', BLANK: '  ', DATE: '2026-03-11T12:28:46Z' });

	it.each([
		['integerField', integerField(data, 'N'), 42],
		['integerField, missing', integerField(data, 'X'), null],
		['decimalField', decimalField(data, 'D'), 0.25],
		['nullableTextField', nullableTextField(data, 'T'), 'text'],
		['nullableTextField keeps blanks', nullableTextField(data, 'BLANK'), '  '],
		['nullableTextField, missing', nullableTextField(data, 'X'), null],
		['filledTextField', filledTextField(data, 'T'), 'text'],
		['filledTextField, blank', filledTextField(data, 'BLANK'), null],
		['portalDateField', portalDateField(data, 'DATE'), '2026-03-11T12:28:46.000Z'],
		['a field of no object', integerField(undefined, 'N'), null],
	])('%s', (_name, actual, expected) => {
		expect(actual).toBe(expected);
	});
});

describe('callTypeOf', () => {
	it.each([
		['1', { CALL_TYPE: 1, callType: 'outgoing' }],
		['2', { CALL_TYPE: 2, callType: 'incoming' }],
		['3', { CALL_TYPE: 3, callType: 'incomingRedirected' }],
		['4', { CALL_TYPE: 4, callType: 'callback' }],
		['5', { CALL_TYPE: 5, callType: 'infocall' }],
		['9', { CALL_TYPE: 9, callType: 'unknown' }],
		['abc', { CALL_TYPE: null, callType: 'unknown' }],
		[undefined, { CALL_TYPE: null, callType: 'unknown' }],
	])('CALL_TYPE %j', (type, expected) => {
		expect(callTypeOf(form(type === undefined ? {} : { CALL_TYPE: type }))).toEqual(expected);
	});
});

describe('callResultOf', () => {
	it.each([
		['200', { code: '200', failed: false, failure: null }],
		[' 200 ', { code: '200', failed: false, failure: null }],
		['486', { code: '486', failed: true, failure: 'busy' }],
		['603-S', { code: '603-S', failed: true, failure: 'canceled' }],
		[
			'402-b24',
			{ code: '402-b24', failed: true, failure: 'unavailable on the free Bitrix24 plan' },
		],
		['other', { code: 'other', failed: true, failure: 'undefined failure' }],
		['999', { code: '999', failed: true, failure: 'unknown code 999' }],
		['', { code: '', failed: true, failure: 'no result code' }],
		// a call end without a code did not succeed as far as anyone can tell
		[undefined, { code: null, failed: true, failure: 'no result code' }],
	])('CALL_FAILED_CODE %j', (code, expected) => {
		expect(callResultOf(form(code === undefined ? {} : { CALL_FAILED_CODE: code }))).toEqual(
			expected,
		);
	});
});
