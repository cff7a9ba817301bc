/**
 * FILTER / SORT / ORDER of voximplant.sip.get, with the semantics of Bitrix's ORM over MySQL:
 * string comparisons ignore case (the collation does), ids compare as numbers, NULL matches nothing
 * but "is empty".
 */
import { isPhpArray, phpString, type PhpValue } from './php';

export type Row = Record<string, string | null>;

export const FILTER_FIELDS = [
	'ID',
	'APP_ID',
	'CONFIG_ID',
	'TYPE',
	'TITLE',
	'REG_ID',
	'SERVER',
	'LOGIN',
	'PASSWORD',
	'INCOMING_SERVER',
	'INCOMING_LOGIN',
	'INCOMING_PASSWORD',
	'AUTH_USER',
	'OUTBOUND_PROXY',
	'DETECT_LINE_NUMBER',
	'LINE_DETECT_HEADER_ORDER',
	'REGISTRATION_STATUS_CODE',
	'REGISTRATION_ERROR_MESSAGE',
];

const NUMERIC_FIELDS = new Set(['ID', 'CONFIG_ID', 'REG_ID', 'REGISTRATION_STATUS_CODE']);

// Longest first, so `!><` is not read as `!` + `><`.
const OPERATORS = ['!><', '!=', '!%', '><', '>=', '<=', '=', '%', '?', '!', '>', '<'];

export class FilterError extends Error {}

/** Bitrix's ArgumentException: answered as ERROR_ARGUMENT naming the argument. */
export class ArgumentError extends Error {
	constructor(
		message: string,
		readonly argument: string,
	) {
		super(message);
	}
}

function listOf(value: PhpValue): PhpValue[] {
	if (Array.isArray(value)) return value;
	if (isPhpArray(value)) return Object.values(value);
	return [value];
}

/** How a row value compares with a filter value: negative, 0 or positive. */
export type Compare = (field: string, rowValue: string, wanted: PhpValue) => number;

/** Text as MySQL's case-insensitive collation compares it. */
export function compareText(a: string, b: string): number {
	const x = a.toLowerCase();
	const y = b.toLowerCase();
	return x < y ? -1 : x > y ? 1 : 0;
}

const compare: Compare = (field, rowValue, wanted) => {
	if (NUMERIC_FIELDS.has(field)) return Number(rowValue) - Number(phpString(wanted) || 0);
	return compareText(rowValue, phpString(wanted));
};

function equals(field: string, rowValue: string | null, wanted: PhpValue, cmp: Compare): boolean {
	if (wanted === null || wanted === false) return rowValue === null;
	if (phpString(wanted) === '') return rowValue === null || rowValue === '';
	return rowValue !== null && cmp(field, rowValue, wanted) === 0;
}

function contains(rowValue: string | null, wanted: PhpValue): boolean {
	return rowValue !== null && rowValue.toLowerCase().includes(phpString(wanted).toLowerCase());
}

/** One `<op>FIELD` condition against a row; `cmp` decides how the field's values order. */
export function matchesCondition(
	row: Row,
	key: string,
	wanted: PhpValue,
	cmp: Compare = compare,
): boolean {
	const operator = OPERATORS.find((op) => key.startsWith(op)) ?? '';
	const field = key.slice(operator.length);
	const value = row[field] ?? null;
	const values = listOf(wanted);
	switch (operator) {
		case '':
		case '=':
			return values.some((v) => equals(field, value, v, cmp));
		case '!':
		case '!=':
			return !values.some((v) => equals(field, value, v, cmp));
		case '%':
			return values.some((v) => contains(value, v));
		case '!%':
			return !values.some((v) => contains(value, v));
		case '?':
			// Search syntax: `a | b` means either.
			return values.some((v) =>
				phpString(v)
					.split('|')
					.map((term) => term.trim())
					.some((term) => term !== '' && contains(value, term)),
			);
		case '><':
		case '!><': {
			const inside =
				value !== null &&
				values.length >= 2 &&
				cmp(field, value, values[0]) >= 0 &&
				cmp(field, value, values[1]) <= 0;
			return operator === '><' ? inside : value !== null && !inside;
		}
		default: {
			if (value === null) return false;
			const diff = cmp(field, value, values[0] ?? null);
			if (operator === '>') return diff > 0;
			if (operator === '>=') return diff >= 0;
			if (operator === '<') return diff < 0;
			return diff <= 0;
		}
	}
}

function fieldOf(key: string): string {
	const operator = OPERATORS.find((op) => key.startsWith(op)) ?? '';
	return key.slice(operator.length);
}

export function applyFilter(rows: Row[], filter: PhpValue | undefined): Row[] {
	if (!isPhpArray(filter) || Array.isArray(filter)) return rows;
	const conditions = Object.entries(filter);
	// The query is built (and fails) even when no row would be compared.
	for (const [key] of conditions) {
		const field = fieldOf(key);
		if (!FILTER_FIELDS.includes(field))
			throw new FilterError(`Unknown field definition \`${field}\``);
	}
	return rows.filter((row) =>
		conditions.every(([key, wanted]) => matchesCondition(row, key, wanted)),
	);
}

function sortGiven(sort: PhpValue | undefined, order: PhpValue | undefined): boolean {
	return sort !== undefined && sort !== null && order !== undefined && order !== null;
}

/**
 * The ORM checks the direction as soon as the order is set, before it looks at any field, so a bad
 * ORDER wins over an unknown FILTER or SORT field.
 */
export function checkOrder(sort: PhpValue | undefined, order: PhpValue | undefined): void {
	if (!sortGiven(sort, order)) return;
	const direction = phpString(order).toUpperCase();
	if (direction !== 'ASC' && direction !== 'DESC')
		throw new ArgumentError(`Invalid order "${direction}"`, 'ORDER');
}

/** SORT and ORDER apply only together; NULLs come first ascending, as MySQL sorts them. */
export function applySort(
	rows: Row[],
	sort: PhpValue | undefined,
	order: PhpValue | undefined,
): Row[] {
	if (!sortGiven(sort, order)) return rows;
	checkOrder(sort, order);
	const field = phpString(sort);
	if (!FILTER_FIELDS.includes(field))
		throw new FilterError(`Unknown field definition \`${field}\``);
	const sign = phpString(order).toUpperCase() === 'ASC' ? 1 : -1;
	return [...rows].sort((a, b) => {
		const av = a[field] ?? null;
		const bv = b[field] ?? null;
		let diff: number;
		if (av === null || bv === null) diff = av === bv ? 0 : av === null ? -1 : 1;
		else diff = compare(field, av, bv);
		return diff !== 0 ? sign * diff : Number(a.ID) - Number(b.ID);
	});
}
