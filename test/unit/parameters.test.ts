import type { NumberRule } from '../../nodes/shared/parameters';
import { describeValue, toNumber } from '../../nodes/shared/parameters';

/** Limit-like: whole, bounded on both sides, top-level. */
const WHOLE: NumberRule = { label: 'Limit', min: 1, max: 10, whole: true };
/** Threshold-like: any number, bounded, under a collection. */
const RATE: NumberRule = { label: 'Rate', where: 'under Options', min: 0, max: 100 };
/** Minutes-like: no upper bound. */
const OPEN: NumberRule = { label: 'Minutes', min: 0 };

describe('toNumber', () => {
	it.each([
		['a number', 5, WHOLE, 5],
		['numeric text', '5', WHOLE, 5],
		['numeric text with spaces around it', ' 7 ', WHOLE, 7],
		['text with a sign', '+5', WHOLE, 5],
		['text in exponent notation', '1e1', WHOLE, 10],
		['the lower bound', 1, WHOLE, 1],
		['the upper bound', 10, WHOLE, 10],
		['the upper bound as text', '10', WHOLE, 10],
		['a fraction where fractions are allowed', 5.5, RATE, 5.5],
		['fractional text where fractions are allowed', '5.5', RATE, 5.5],
		['zero at a lower bound of zero', 0, RATE, 0],
		['a large number without an upper bound', 1_000_000, OPEN, 1_000_000],
	])('accepts %s', (_name, value, rule, expected) => {
		expect(toNumber(value, rule, 3)).toBe(expected);
	});

	it.each([
		['undefined (the field is not set)', undefined],
		['"" (an empty sheet cell)', ''],
	])('reads %s as the default', (_name, value) => {
		expect(toNumber(value, WHOLE, 3)).toBe(3);
		expect(toNumber(value, WHOLE)).toBeUndefined();
	});

	it.each([
		['null', null, WHOLE, 'Limit must be a whole number from 1 to 10, got null'],
		[
			'text that is no number',
			'abc',
			WHOLE,
			'Limit must be a whole number from 1 to 10, got "abc"',
		],
		[
			'a number followed by words',
			'5 minutes',
			WHOLE,
			'Limit must be a whole number from 1 to 10, got "5 minutes"',
		],
		[
			'fractional text where only whole numbers count',
			'5.5',
			WHOLE,
			'Limit must be a whole number from 1 to 10, got "5.5"',
		],
		[
			'a fraction where only whole numbers count',
			2.5,
			WHOLE,
			'Limit must be a whole number from 1 to 10, got 2.5',
		],
		['below the lower bound', 0, WHOLE, 'Limit must be a whole number from 1 to 10, got 0'],
		['above the upper bound', 11, WHOLE, 'Limit must be a whole number from 1 to 10, got 11'],
		['text above the upper bound', '101', RATE, 'Rate must be a number from 0 to 100, got "101"'],
		['a negative number', -5, RATE, 'Rate must be a number from 0 to 100, got -5'],
		['below a bound with no upper one', -1, OPEN, 'Minutes must be a number of at least 0, got -1'],
		['only spaces', '  ', WHOLE, 'Limit must be a whole number from 1 to 10, got " "'],
		['NaN', NaN, WHOLE, 'Limit must be a whole number from 1 to 10, got NaN'],
		['Infinity', Infinity, OPEN, 'Minutes must be a number of at least 0, got Infinity'],
		['a switch', true, WHOLE, 'Limit must be a whole number from 1 to 10, got true'],
		['a list', [5], WHOLE, 'Limit must be a whole number from 1 to 10, got [5]'],
		['half an emoji', '\uD83D', WHOLE, 'Limit must be a whole number from 1 to 10, got "\\ud83d"'],
		['a whole emoji', '😀', WHOLE, 'Limit must be a whole number from 1 to 10, got "😀"'],
		[
			'a number followed by an emoji',
			'5😀',
			WHOLE,
			'Limit must be a whole number from 1 to 10, got "5😀"',
		],
	])('refuses %s, naming the field and the value', (_name, value, rule, message) => {
		expect(() => toNumber(value, rule, 3)).toThrow(
			expect.objectContaining({
				message,
				code: 'INVALID_PARAMETER',
				kind: 'input',
				delivery: 'notSent',
			}),
		);
	});

	it.each([
		[
			'a top-level field',
			WHOLE,
			'Set "Limit" to a whole number from 1 to 10; check the expression that fills it. Nothing was sent.',
		],
		[
			'a field under a collection',
			RATE,
			'Set "Rate" under Options to a number from 0 to 100; check the expression that fills it. Nothing was sent.',
		],
		[
			'a field without an upper bound',
			OPEN,
			'Set "Minutes" to a number of at least 0; check the expression that fills it. Nothing was sent.',
		],
	])('says how to fix %s', (_name, rule, hint) => {
		expect(() => toNumber('abc', rule)).toThrow(expect.objectContaining({ description: hint }));
	});
});

describe('describeValue', () => {
	it.each([
		['', 'nothing'],
		[null, 'null'],
		[5, '5'],
		['short', '"short"'],
		['a'.repeat(50), `"${'a'.repeat(36)}…`],
		// the emoji would be cut in half at character 37: the cut moves one earlier
		[`${'a'.repeat(35)}😀tail of a long value`, `"${'a'.repeat(35)}…`],
		[`${'a'.repeat(34)}😀tail of a long value`, `"${'a'.repeat(34)}😀…`],
	])('%p reads %p', (value, words) => {
		const text = describeValue(value);
		expect(text).toBe(words);
		expect(text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
	});
});
