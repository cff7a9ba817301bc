import { daysUntil } from '../../nodes/shared/dates';

const NOW = new Date('2027-01-26T12:00:00Z');

describe('daysUntil', () => {
	it.each<[unknown, Date, number | undefined]>([
		['2027-01-31', NOW, 5],
		['2027-01-31T00:00:00+03:00', NOW, 5],
		['31.01.2027', NOW, 5],
		[' 2027-01-31 ', NOW, 5],
		['2027-01-26', NOW, 0],
		['2027-01-25', NOW, -1],
		['2028-01-26', NOW, 365],
		// today is the UTC date, whatever the hour
		['2027-01-31', new Date('2027-01-26T23:59:59Z'), 5],
		['2027-01-31', new Date('2027-01-27T00:00:00Z'), 4],
		['soon', NOW, undefined],
		['', NOW, undefined],
		['2027/01/31', NOW, undefined],
		[20270131, NOW, undefined],
		[null, NOW, undefined],
		[undefined, NOW, undefined],
	])('%p from %p is %p days away', (dateText, now, days) => {
		expect(daysUntil(dateText, now)).toBe(days);
	});
});
