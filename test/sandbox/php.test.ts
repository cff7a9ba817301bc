import { buildQuery, intval, parseQuery, phpJsonEncode } from './index';

describe('PHP helpers', () => {
	it('parse_str handles brackets, appends, + and odd names like PHP', () => {
		expect(
			parseQuery(
				'FILTER[TYPE]=cloud&FILTER[CONFIG_ID][0]=3&FILTER[CONFIG_ID][1]=7&a[]=1&a[]=2&b+c.d=x+y%2B&e',
			),
		).toEqual({
			FILTER: { TYPE: 'cloud', CONFIG_ID: ['3', '7'] },
			a: ['1', '2'],
			b_c_d: 'x y+',
			e: '',
		});
		expect(parseQuery('x[a]b=1&y[=2&z=%zz')).toEqual({ x: { a: '1' }, y_: '2', z: '%zz' });
		expect(parseQuery('k[5]=a&k[]=b')).toEqual({ k: { 5: 'a', 6: 'b' } });
	});

	it('http_build_query round-trips through parse_str, and json_encode escapes like PHP', () => {
		const params = {
			TITLE: 'a&b=c?d[e]#f+g%h Ünï $x',
			FILTER: { CONFIG_ID: [3, 7], TYPE: 'cloud' },
			flag: true,
		};
		expect(buildQuery(params)).toBe(
			'TITLE=a%26b%3Dc%3Fd%5Be%5D%23f%2Bg%25h+%C3%9Cn%C3%AF+%24x&FILTER%5BCONFIG_ID%5D%5B0%5D=3&FILTER%5BCONFIG_ID%5D%5B1%5D=7&FILTER%5BTYPE%5D=cloud&flag=1',
		);
		expect(parseQuery(buildQuery(params))).toEqual({
			...params,
			FILTER: { CONFIG_ID: ['3', '7'], TYPE: 'cloud' },
			flag: '1',
		});
		expect(phpJsonEncode({ a: 'Ü/<>', b: {}, c: [] })).toBe(
			'{"a":"\\u00dc\\/\\u003C\\u003E","b":[],"c":[]}',
		);
		expect([intval('5abc'), intval('abc'), intval(' 12'), intval(7.9), intval('1e3')]).toEqual([
			5, 0, 12, 7, 1000,
		]);
	});
});
