import type { INode } from 'n8n-workflow';

import { Bitrix24Error, toNodeError } from './transport/errors';

/*
 * One way to read a switch or a number, for every operation and both triggers. Parameters are
 * often filled by expressions from a sheet, a form or a query string, which hand over text: a
 * Dry Run of "true" read as "not true" once applied a whole sync for real. So a switch accepts
 * exactly what people and those sources mean by on and off, and anything else stops the item,
 * naming the field and the value, before anything is sent.
 */

/** Where a field lives, for the fix: e.g. 'under Options'. */
export interface FieldPlace {
	label: string;
	/** e.g. 'under Options', 'under Request Options'; empty for a top-level field */
	where?: string;
}

/** A value in an error message: short, one line; an empty one is "nothing". */
export function describeValue(value: unknown): string {
	if (value === '' || value === undefined) return 'nothing';
	if (value === null) return 'null';
	let text: string;
	if (typeof value === 'string') text = JSON.stringify(value);
	else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
		text = String(value);
	else text = JSON.stringify(value) ?? String(value);
	text = text.replace(/\s+/g, ' ');
	if (text.length <= 40) return text;
	// never end on the first half of an emoji: the message would carry a broken character
	const end = /[\ud800-\udbff]/.test(text[36]) ? 36 : 37;
	return `${text.slice(0, end)}…`;
}

function invalid(
	place: FieldPlace,
	value: unknown,
	expected: string,
	fix = expected,
): Bitrix24Error {
	const where = place.where ? ` ${place.where}` : '';
	return new Bitrix24Error({
		kind: 'input',
		code: 'INVALID_PARAMETER',
		message: `${place.label} must be ${expected}, got ${describeValue(value)}`,
		hint: `Set "${place.label}"${where} to ${fix}; check the expression that fills it. Nothing was sent.`,
		delivery: 'notSent',
	});
}

const TRUE_TEXT = 'true';
const FALSE_TEXT = 'false';

/**
 * A switch: `true`/`false`, the texts "true"/"false" in any case with spaces around them, and
 * 1/0 (as numbers or text). `undefined` means the field is not set: its default. Everything else
 * — "yes", "", null, 2 — is refused: guessing a switch that may delete lines is not safe.
 */
export function toBoolean(value: unknown, place: FieldPlace, fallback: boolean): boolean {
	if (value === undefined) return fallback;
	if (typeof value === 'boolean') return value;
	if (value === 1) return true;
	if (value === 0) return false;
	if (typeof value === 'string') {
		const text = value.trim().toLowerCase();
		if (text === TRUE_TEXT || text === '1') return true;
		if (text === FALSE_TEXT || text === '0') return false;
	}
	throw invalid(place, value, 'true or false (or 1 / 0)');
}

export interface NumberRule extends FieldPlace {
	min: number;
	/** no upper bound when absent */
	max?: number;
	/** only whole numbers */
	whole?: boolean;
}

function expectedNumber(rule: NumberRule): string {
	const kind = rule.whole ? 'a whole number' : 'a number';
	return rule.max === undefined
		? `${kind} of at least ${rule.min}`
		: `${kind} from ${rule.min} to ${rule.max}`;
}

/**
 * A number within the rule's bounds: a number, or a text that is one ("5", " 2.5 "). Absent
 * (undefined, or '' as an empty sheet cell gives it) means the field's default: the fallback, or
 * undefined when there is none. null (an expression that found nothing), NaN, Infinity, true,
 * "5 minutes" and values out of bounds are refused.
 */
export function toNumber(value: unknown, rule: NumberRule, fallback: number): number;
export function toNumber(value: unknown, rule: NumberRule): number | undefined;
export function toNumber(value: unknown, rule: NumberRule, fallback?: number): number | undefined {
	if (value === undefined || value === '') return fallback;
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : value;
	const valid =
		typeof number === 'number' &&
		Number.isFinite(number) &&
		(!rule.whole || Number.isInteger(number)) &&
		number >= rule.min &&
		(rule.max === undefined || number <= rule.max);
	if (!valid) throw invalid(rule, value, expectedNumber(rule));
	return number as number;
}

/**
 * One of a field's options, as an expression may give it: the option's value, in any case, with
 * spaces around it. `undefined` is the default; a value that is no option is refused.
 */
export function toChoice<T extends string>(
	value: unknown,
	place: FieldPlace,
	choices: readonly T[],
	fallback: T,
): T {
	if (value === undefined) return fallback;
	if (typeof value === 'string') {
		const wanted = value.trim().toLowerCase();
		const found = choices.find((choice) => choice.toLowerCase() === wanted);
		if (found !== undefined) return found;
	}
	// the values go into the hint: n8n rewrites a message that happens to contain e.g. "EEXIST"
	// (as "updateExisting" does) into its own words about files
	const values = choices.map((choice) => `"${choice}"`);
	throw invalid(
		place,
		value,
		'one of its options',
		`${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`,
	);
}

/**
 * Runs readers for one item; a refusal becomes the node's error for that item (a
 * NodeOperationError).
 */
export function readForItem<T>(node: INode, itemIndex: number | undefined, read: () => T): T {
	try {
		return read();
	} catch (error) {
		throw toNodeError(node, error, itemIndex);
	}
}
