import type { IDataObject } from 'n8n-workflow';

import { buildPhpQuery, mayFormBatchReference } from '../../../nodes/shared/transport/phpQuery';

describe('buildPhpQuery (as PHP’s http_build_query)', () => {
	it.each<[string, IDataObject, string]>([
		['nothing', {}, ''],
		['a number', { CONFIG_ID: 3 }, 'CONFIG_ID=3'],
		['booleans as 1 and 0', { A: true, B: false }, 'A=1&B=0'],
		['nulls and undefined skipped', { A: null, B: undefined, C: 'x' }, 'C=x'],
		['a space as +', { TITLE: 'Main line' }, 'TITLE=Main+line'],
		['the characters encodeURIComponent leaves', { T: "!'()*~" }, 'T=%21%27%28%29%2A%7E'],
		['&, = and + inside values', { T: 'a&b=c+d' }, 'T=a%26b%3Dc%2Bd'],
		['non-ASCII text', { T: 'Линия' }, 'T=%D0%9B%D0%B8%D0%BD%D0%B8%D1%8F'],
		['a nested object', { FILTER: { TYPE: 'cloud' } }, 'FILTER%5BTYPE%5D=cloud'],
		[
			'an array inside an object',
			{ FILTER: { CONFIG_ID: [3, 4] } },
			'FILTER%5BCONFIG_ID%5D%5B0%5D=3&FILTER%5BCONFIG_ID%5D%5B1%5D=4',
		],
		['an operator in a key', { FILTER: { '>CONFIG_ID': 7 } }, 'FILTER%5B%3ECONFIG_ID%5D=7'],
		['an empty array sends nothing', { LIST: [] }, ''],
	])('%s', (_name, params, query) => {
		expect(buildPhpQuery(params)).toBe(query);
	});

	it('a broken character (half an emoji) throws', () => {
		expect(() => buildPhpQuery({ T: '\ud83d' })).toThrow();
	});
});

describe('mayFormBatchReference', () => {
	it.each<[string, IDataObject, boolean]>([
		['plain values', { TITLE: 'Main', PASSWORD: 'p$ss' }, false],
		['$result in a value', { TITLE: 'cost $result' }, true],
		['any case', { TITLE: '$RESULT[c0]' }, true],
		['$error_description', { T: '$error_description' }, true],
		['$next, $total, $time', { A: '$next', B: 'x' }, true],
		['in a key', { FILTER: { $total: 1 } }, true],
		['in a nested value', { FILTER: { TITLE: ['a', '$time'] } }, true],
		['a longer word that starts with one: kept out of batches too', { T: '$resultant' }, true],
		['a dollar alone', { T: 'price $ 5' }, false],
	])('%s', (_name, params, expected) => {
		expect(mayFormBatchReference(params)).toBe(expected);
	});
});
