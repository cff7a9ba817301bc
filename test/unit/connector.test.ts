import type { ConnectorReading } from '../../nodes/shared/connector';
import { connectorWords, paidEndWords, readConnector } from '../../nodes/shared/connector';

const NOW = new Date('2027-01-26T12:00:00Z');

describe('readConnector', () => {
	it.each([
		[
			'an unpaid connector',
			{ FREE_MINUTES: '42', PAID: 'N', PAID_DATE_END: '' },
			{ FREE_MINUTES: 42, PAID: false, PAID_DATE_END: null },
		],
		[
			'a paid connector',
			{ FREE_MINUTES: 0, PAID: true, PAID_DATE_END: '2027-01-31' },
			{ FREE_MINUTES: 0, PAID: true, PAID_DATE_END: '2027-01-31' },
		],
		['an empty answer', {}, { FREE_MINUTES: null, PAID: false, PAID_DATE_END: null }],
		[
			'unreadable minutes',
			{ FREE_MINUTES: 'many', PAID: 'Y' },
			{ FREE_MINUTES: null, PAID: true, PAID_DATE_END: null },
		],
		['PAID as 1', { FREE_MINUTES: null, PAID: 1 }, expect.objectContaining({ PAID: true })],
		['PAID as "1"', { PAID: '1' }, expect.objectContaining({ PAID: true })],
		['PAID as "y"', { PAID: 'y' }, expect.objectContaining({ PAID: false })],
	])('%s', (_name, answer, expected) => {
		expect(readConnector(answer)).toEqual(expected);
	});
});

describe('paidEndWords', () => {
	it.each([
		[-1, 'ended on 2027-01-25'],
		[0, 'ends today (2027-01-25)'],
		[1, 'ends in 1 day, on 2027-01-25'],
		[5, 'ends in 5 days, on 2027-01-25'],
	])('%p days', (days, words) => {
		expect(paidEndWords(days, '2027-01-25')).toBe(words);
	});
});

describe('connectorWords', () => {
	it.each<[ConnectorReading, string]>([
		[
			{ FREE_MINUTES: 42, PAID: false, PAID_DATE_END: null },
			'SIP connector: 42 free minutes, not paid',
		],
		[
			{ FREE_MINUTES: 0, PAID: false, PAID_DATE_END: '2027-01-31' },
			'SIP connector: 0 free minutes, not paid',
		],
		[
			{ FREE_MINUTES: null, PAID: true, PAID_DATE_END: '2027-01-31' },
			'SIP connector: free minutes unknown, paid period ends in 5 days, on 2027-01-31',
		],
		[
			{ FREE_MINUTES: 10, PAID: true, PAID_DATE_END: '2027-01-20' },
			'SIP connector: 10 free minutes, paid period ended on 2027-01-20',
		],
		[{ FREE_MINUTES: 10, PAID: true, PAID_DATE_END: null }, 'SIP connector: 10 free minutes, paid'],
		[
			{ FREE_MINUTES: 10, PAID: true, PAID_DATE_END: 'some day' },
			'SIP connector: 10 free minutes, paid',
		],
	])('%p', (connector, words) => {
		expect(connectorWords(connector, NOW)).toBe(words);
	});
});
