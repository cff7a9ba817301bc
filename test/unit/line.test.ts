import { configIdOf, lineLabel, readLine, sameTitle, titleKey } from '../../nodes/shared/line';

describe('readLine', () => {
	it.each([
		[
			'a get row (ids as text)',
			{ CONFIG_ID: '5', REG_ID: '151082', TYPE: 'cloud', TITLE: 'Main', SERVER: 's', LOGIN: 'l' },
			{ configId: 5, regId: 151082, type: 'cloud', title: 'Main', server: 's', login: 'l' },
		],
		[
			'an add answer (ids as numbers)',
			{ CONFIG_ID: 7, REG_ID: 3, TYPE: 'cloud', TITLE: 'T', SERVER: 'x', LOGIN: 'y' },
			{ configId: 7, regId: 3, type: 'cloud', title: 'T', server: 'x', login: 'y' },
		],
		[
			'an office row without REG_ID',
			{ CONFIG_ID: '8', REG_ID: '', TYPE: 'office', TITLE: null },
			{ configId: 8, regId: null, type: 'office', title: '', server: '', login: '' },
		],
		['a zero REG_ID', { CONFIG_ID: '9', REG_ID: '0' }, expect.objectContaining({ regId: null })],
		['a row without an id', {}, expect.objectContaining({ configId: NaN, type: '' })],
	])('%s', (_name, row, expected) => {
		expect(readLine(row)).toEqual(expected);
	});

	it('never carries a password', () => {
		expect(Object.keys(readLine({ CONFIG_ID: 1, PASSWORD: 'p', INCOMING_PASSWORD: 'q' }))).toEqual([
			'configId',
			'regId',
			'type',
			'title',
			'server',
			'login',
		]);
	});

	it('reads the id alone', () => {
		expect(configIdOf({ CONFIG_ID: '12' })).toBe(12);
	});
});

describe('titles', () => {
	it.each([
		['Main', 'main', true],
		['  Main ', 'MAIN', true],
		['Main', 'Main 2', false],
		[null, '', true],
	])('%p and %p are the same title: %p', (a, b, same) => {
		expect(sameTitle(a, b)).toBe(same);
		expect(titleKey(a) === titleKey(b)).toBe(same);
	});
});

describe('lineLabel', () => {
	it.each([
		[{ configId: 5, title: 'Main', type: 'cloud' }, '"Main" (5)'],
		[{ configId: 5, title: '  ', type: 'cloud' }, 'Cloud PBX (5)'],
		[{ configId: 6, title: '', type: 'office' }, 'Office PBX (6)'],
	])('%p is %p', (line, label) => {
		expect(lineLabel(line)).toBe(label);
	});
});
