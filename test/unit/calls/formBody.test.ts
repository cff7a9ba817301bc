import type { IDataObject } from 'n8n-workflow';

import {
	decodeFormBody,
	objectField,
	splitBracketKey,
	textField,
	wellFormed,
} from '../../../nodes/shared/calls/formBody';

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('decodeFormBody', () => {
	it('nests flat PHP bracket keys as n8n hands them over, and keeps prototype keys plain', () => {
		const decoded = decodeFormBody({
			event: 'ONVOXIMPLANTCALLEND',
			'data[CALL_ID]': 'c1',
			'data[NESTED][DEEP]': 'x',
			'auth[application_token]': ['first', 'last'],
			'list[]': ['a', 'b'],
			'__proto__[polluted]': 'yes',
			'constructor[prototype][polluted]': 'yes',
			'a.b c': '1',
			'[nobase]': 'dropped',
		});
		expect(plain(decoded)).toEqual({
			event: 'ONVOXIMPLANTCALLEND',
			data: { CALL_ID: 'c1', NESTED: { DEEP: 'x' } },
			auth: { application_token: 'last' },
			list: { 0: 'a', 1: 'b' },
			['__proto__']: { polluted: 'yes' },
			constructor: { prototype: { polluted: 'yes' } },
			a_b_c: '1',
		});
		expect(({} as IDataObject).polluted).toBeUndefined();
	});

	it.each<[string, unknown, unknown]>([
		[
			'nested JSON: numbers and booleans as text, null left out',
			{ data: { CALL_TYPE: 2, COST: 0.5, ok: true, gone: null, list: ['x'] } },
			{ data: { CALL_TYPE: '2', COST: '0.5', ok: '1', list: { 0: 'x' } } },
		],
		[
			'unparsed form text',
			'event=X&data%5BA%5D=1+2&data[B]=%E2%82%AC&data[C]=%ZZ',
			{ event: 'X', data: { A: '1 2', B: '€', C: '%ZZ' } },
		],
		['no body', undefined, {}],
		['a number', 42, {}],
	])('takes %s', (_name, body, expected) => {
		expect(plain(decodeFormBody(body))).toEqual(expected);
	});

	it.each<[string, unknown, unknown]>([
		[
			'flat keys beside a nested object of the same name',
			{ data: { A: '1' }, 'data[B]': '2' },
			{ data: { A: '1', B: '2' } },
		],
		['a later key over an earlier one', 'a=1&a=2', { a: '2' }],
		['appends with []', 'a[]=x&a[]=y&a[5]=z&a[]=w', { a: { 0: 'x', 1: 'y', 5: 'z', 6: 'w' } }],
		['a key without a value', 'flag&x=1', { flag: '', x: '1' }],
		['a byte-order mark before the first key', '\uFEFFevent=X', { event: 'X' }],
		['nesting far deeper than a delivery', `${'a'}${'[b]'.repeat(9)}=1`, {}],
		[
			'nesting as deep as allowed',
			`${'a'}${'[b]'.repeat(7)}=1`,
			{ a: { b: { b: { b: { b: { b: { b: { b: '1' } } } } } } } },
		],
	])('%s', (_name, body, expected) => {
		expect(plain(decodeFormBody(body))).toEqual(expected);
	});
});

describe('splitBracketKey', () => {
	it.each<[string, string[] | null]>([
		['event', ['event']],
		['data[CALL_ID]', ['data', 'CALL_ID']],
		['data[NESTED][DEEP]', ['data', 'NESTED', 'DEEP']],
		['list[]', ['list', '']],
		['  lead', ['lead']],
		['a.b c', ['a_b_c']],
		['a[b', ['a_b']],
		['a.b[c.d]', ['a_b', 'c.d']],
		['a[b]tail[c]', ['a', 'b']],
		['[nobase]', null],
		['', null],
	])('%j → %j', (key, expected) => {
		expect(splitBracketKey(key)).toEqual(expected);
	});
});

describe('wellFormed', () => {
	it.each([
		['plain text', 'plain text'],
		['\uD83D\uDE00', '\uD83D\uDE00'],
		['half \uD83D', 'half \uFFFD'],
		['\uDE00 half', '\uFFFD half'],
	])('%j → %j', (text, expected) => {
		expect(wellFormed(text)).toBe(expected);
	});
});

describe('field readers', () => {
	const body = decodeFormBody('event=X&data[A]=1');

	it.each<[string, unknown, unknown]>([
		['text', textField(body, 'event'), 'X'],
		['text that is an object', textField(body, 'data'), undefined],
		['text that is missing', textField(body, 'none'), undefined],
		['text of no object', textField(undefined, 'event'), undefined],
		['object', plain(objectField(body, 'data')), { A: '1' }],
		['object that is text', objectField(body, 'event'), undefined],
	])('%s', (_name, actual, expected) => {
		expect(actual).toEqual(expected);
	});
});
