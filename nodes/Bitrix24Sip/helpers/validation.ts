import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * Bitrix24's limit for SERVER, LOGIN and PASSWORD (docs/bitrix24-behaviour.md#length-limits); TITLE
 * has none.
 */
export const MAX_FIELD_LENGTH = 100;

/**
 * What to do about an empty field, for the fields a person fills by picking: an empty Line ID is
 * a line not picked yet (a new node, a shipped example), not a wrong number, so it says so.
 */
const WHEN_EMPTY: Record<string, string> = {
	'Line ID': 'Pick a line from the list (or enter its ID).',
};

/**
 * Reads an id parameter and refuses anything but a positive whole number, naming the field. A
 * resource locator gives its value; a plain number or expression (a workflow saved before the
 * field was a locator) comes through as it is.
 */
export function requirePositiveId(
	ctx: IExecuteFunctions,
	parameter: string,
	label: string,
	itemIndex: number,
): number {
	const raw = ctx.getNodeParameter(parameter, itemIndex, undefined, {
		extractValue: true,
	}) as unknown;
	const id = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
	if (isEmpty(raw) && WHEN_EMPTY[label] !== undefined) {
		throw new NodeOperationError(ctx.getNode(), `${label} is empty`, {
			itemIndex,
			description: WHEN_EMPTY[label],
		});
	}
	if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
		throw new NodeOperationError(
			ctx.getNode(),
			`${label} must be a positive whole number, got ${describe(raw)}`,
			{
				itemIndex,
				description: `Set "${label}" to the numeric id of the ${label.toLowerCase().includes('registration') ? 'registration (REG_ID of a cloud line)' : 'SIP line (CONFIG_ID)'}, e.g. from the output of Line → Get Many.`,
			},
		);
	}
	return id;
}

/** No value at all: what describe() calls "nothing". */
function isEmpty(value: unknown): boolean {
	return value === '' || value === undefined || value === null;
}

function describe(value: unknown): string {
	if (isEmpty(value)) return 'nothing';
	const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
	return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/**
 * The server trims SERVER, then removes every "http://" and "https://" in it (case-sensitive;
 * docs/bitrix24-behaviour.md#server-addresses).
 */
export function normaliseServer(server: string): string {
	return server.trim().split('http://').join('').split('https://').join('');
}

// a high surrogate not followed by a low one, or a low one not preceded by a high one
const BROKEN_CHARACTER = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface TextRule {
	label: string;
	required?: boolean;
	/** Bitrix24's length limit for this field, counted in characters before the portal trims */
	maxLength?: number;
	/** what to enter, for the "is required" message */
	hint?: string;
}

function textError(
	ctx: IExecuteFunctions,
	itemIndex: number,
	message: string,
	description: string,
): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), message, { itemIndex, description });
}

/**
 * Turns a parameter's value into the text Bitrix24 will get. Expressions hand over numbers (a
 * login 1001 from a sheet), which are text to Bitrix24; null and undefined count as empty.
 */
export function asText(
	ctx: IExecuteFunctions,
	value: unknown,
	label: string,
	itemIndex: number,
): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value;
	if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint')
		return String(value);
	throw textError(
		ctx,
		itemIndex,
		`${label} must be text, got ${describe(value)}`,
		`Set "${label}" to a text or a number; check the expression that fills it.`,
	);
}

/** Applies Bitrix24's rules to one text field: required, no broken characters, the length limit. */
export function checkText(
	ctx: IExecuteFunctions,
	value: string,
	rule: TextRule,
	itemIndex: number,
): string {
	if (rule.required && value.trim() === '') {
		throw textError(
			ctx,
			itemIndex,
			`${rule.label} is required`,
			rule.hint ?? `Enter the ${rule.label.toLowerCase()} given by your SIP provider.`,
		);
	}
	if (BROKEN_CHARACTER.test(value)) {
		throw textError(
			ctx,
			itemIndex,
			`${rule.label} contains a broken character (half of an emoji or another character cut in two)`,
			`Remove the broken character from "${rule.label}"; it often comes from a text shortened in the middle of an emoji.`,
		);
	}
	// Bitrix24 counts characters, not UTF-16 units: an emoji is one
	const length = [...value].length;
	if (rule.maxLength !== undefined && length > rule.maxLength) {
		throw textError(
			ctx,
			itemIndex,
			`${rule.label} is ${length} characters long; Bitrix24 allows at most ${rule.maxLength}`,
			`Shorten "${rule.label}" to ${rule.maxLength} characters or fewer.`,
		);
	}
	return value;
}

/** Reads a text parameter (numbers become text) and checks it against the rule. */
export function readText(
	ctx: IExecuteFunctions,
	parameter: string,
	itemIndex: number,
	rule: TextRule,
	normalise: (text: string) => string = (text) => text,
): string {
	const raw = ctx.getNodeParameter(parameter, itemIndex, '') as unknown;
	return checkText(ctx, normalise(asText(ctx, raw, rule.label, itemIndex)), rule, itemIndex);
}

/** Reads a PBX Type field: "cloud" or "office" in any case (the portal lower-cases it on add). */
export function readType(ctx: IExecuteFunctions, itemIndex: number): string {
	const raw = ctx.getNodeParameter('type', itemIndex, 'cloud') as unknown;
	const type = asText(ctx, raw, 'PBX Type', itemIndex).trim().toLowerCase();
	if (type !== 'cloud' && type !== 'office') {
		throw new NodeOperationError(
			ctx.getNode(),
			`PBX Type must be "cloud" or "office", got ${JSON.stringify(raw)}`,
			{
				itemIndex,
				description:
					'Choose Cloud PBX or Office PBX, or make the expression return "cloud" or "office".',
			},
		);
	}
	return type;
}

/**
 * A password of only spaces: the portal stores passwords trimmed
 * (docs/bitrix24-behaviour.md#passwords-are-stored-trimmed), so it would store an
 * empty one and the line would stop registering. Never sent.
 */
export function blankPasswordError(ctx: IExecuteFunctions, itemIndex: number): NodeOperationError {
	return textError(
		ctx,
		itemIndex,
		'Password is only spaces: Bitrix24 would store an empty password',
		'Bitrix24 removes spaces around a password, so the line would be left without one and stop registering. Enter the password, or leave "Password" empty. Nothing was sent.',
	);
}

/**
 * What a Password of only spaces means: refused (Create: it would store an empty password), or
 * no password given (Sync: the existing password stays as it is).
 */
export type BlankPassword = 'refuse' | 'keep';

/**
 * Server, Login and Password of one item, as voximplant.sip.add will store them
 * (docs/bitrix24-behaviour.md#line-fields-as-the-portal-stores-them).
 */
export function readConnection(
	ctx: IExecuteFunctions,
	itemIndex: number,
	blankPassword: BlankPassword = 'refuse',
): { server: string; login: string; password: string } {
	const server = readText(
		ctx,
		'server',
		itemIndex,
		{ label: 'Server', required: true, maxLength: MAX_FIELD_LENGTH },
		normaliseServer,
	);
	const login = readText(
		ctx,
		'login',
		itemIndex,
		{ label: 'Login', required: true, maxLength: MAX_FIELD_LENGTH },
		(text) => text.trim(),
	);
	// the portal checks the password's length before it trims it, so it is checked as entered
	const password = checkText(
		ctx,
		asText(ctx, ctx.getNodeParameter('password', itemIndex, '') as unknown, 'Password', itemIndex),
		{ label: 'Password', maxLength: MAX_FIELD_LENGTH },
		itemIndex,
	);
	if (password !== '' && password.trim() === '') {
		if (blankPassword === 'refuse') throw blankPasswordError(ctx, itemIndex);
		return { server, login, password: '' };
	}
	return { server, login, password };
}
