import { identityLabel, lineIdentity } from '../../nodes/shared/lineIdentity';

describe('lineIdentity', () => {
	it.each([
		[
			'a get row (ids as text)',
			{
				CONFIG_ID: '5',
				REG_ID: '151082',
				TYPE: 'cloud',
				TITLE: 'Main',
				SERVER: 'sip.example.com',
				LOGIN: 'user',
				PASSWORD: 'secret',
			},
			{
				CONFIG_ID: 5,
				TITLE: 'Main',
				TYPE: 'cloud',
				SERVER: 'sip.example.com',
				LOGIN: 'user',
				REG_ID: 151082,
			},
		],
		[
			'an office row',
			{ CONFIG_ID: 7, REG_ID: '', TYPE: 'office', TITLE: null, INCOMING_PASSWORD: 'secret' },
			{ CONFIG_ID: 7, TITLE: '', TYPE: 'office', SERVER: '', LOGIN: '', REG_ID: null },
		],
		[
			'a zero REG_ID',
			{ CONFIG_ID: '8', REG_ID: '0', TYPE: 'cloud' },
			{ CONFIG_ID: 8, TITLE: '', TYPE: 'cloud', SERVER: '', LOGIN: '', REG_ID: null },
		],
	])('%s', (_name, row, expected) => {
		const identity = lineIdentity(row);
		expect(identity).toEqual(expected);
		// output items show the fields in this order
		expect(Object.keys(identity)).toEqual([
			'CONFIG_ID',
			'TITLE',
			'TYPE',
			'SERVER',
			'LOGIN',
			'REG_ID',
		]);
	});
});

describe('identityLabel', () => {
	it.each([
		[{ CONFIG_ID: 5, TITLE: 'Main', TYPE: 'cloud' }, '"Main" (5)'],
		[{ CONFIG_ID: 5, TITLE: ' ', TYPE: 'cloud' }, 'Cloud PBX (5)'],
		[{ CONFIG_ID: 6, TITLE: '', TYPE: 'office' }, 'Office PBX (6)'],
	])('%p is %p', (line, label) => {
		expect(identityLabel(line)).toBe(label);
	});
});
