/**
 * The body of a Bitrix24 outgoing-webhook delivery. Bitrix24 posts a PHP form
 * (`event=ONVOXIMPLANTCALLEND&data[CALL_ID]=…&auth[application_token]=…`,
 * docs/bitrix24-behaviour.md#delivery-format); n8n parses a
 * form body with Node's querystring, which knows nothing of brackets, so the node receives FLAT
 * keys
 * such as `data[CALL_ID]`. Other setups (a proxy turning the form into JSON, an extended parser)
 * hand over nested objects. This turns either into one nested shape of strings, as PHP sees it.
 */

/** A decoded value: text, or a PHP array (always keyed by text). */
export type FormValue = string | FormObject;
export interface FormObject {
	[key: string]: FormValue;
}

// a delivery nests two levels (data[…], auth[…]); anything far deeper is not Bitrix24's
const MAX_DEPTH = 8;

/**
 * A fresh object without a prototype: keys come from the request, and `__proto__` or
 * `constructor` must stay plain keys instead of reaching Object.prototype.
 */
function emptyObject(): FormObject {
	return Object.create(null) as FormObject;
}

export function isFormObject(value: unknown): value is FormObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// A lone UTF-16 surrogate (half an emoji, e.g. JSON "\ud83d") breaks JSON storage in
// PostgreSQL; it becomes U+FFFD as a UTF-8 decoder would make of half a character.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function wellFormed(text: string): string {
	return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Splits `data[CALL_ID]` into `data` and `CALL_ID`, as php_register_variable does; null when it has
 * no name.
 */
export function splitBracketKey(rawKey: string): string[] | null {
	const key = rawKey.replace(/^ +/, '');
	const open = key.indexOf('[');
	const close = open >= 0 ? key.indexOf(']', open) : -1;
	if (open < 0 || close < 0) {
		// without a complete first pair the whole name is plain; PHP makes spaces, dots and `[`
		// underscores
		const base = key.replace(/[ .[]/g, '_');
		return base === '' ? null : [base];
	}
	const base = key.slice(0, open).replace(/[ .]/g, '_');
	if (base === '') return null;
	const path = [base];
	let position = open;
	while (position < key.length && key[position] === '[') {
		const end = key.indexOf(']', position);
		if (end < 0) break;
		path.push(key.slice(position + 1, end));
		position = end + 1;
	}
	return path;
}

/** The next `[]` index of a PHP array: one above the largest integer key, or 0. */
function nextIndex(target: FormObject): string {
	let next = 0;
	for (const key of Object.keys(target)) {
		if (/^(0|-?[1-9]\d*)$/.test(key)) next = Math.max(next, Number(key) + 1);
	}
	return String(next);
}

/** Stores a value under a bracket path; a later value wins, as in PHP. */
function assign(root: FormObject, path: string[], value: FormValue): void {
	if (path.length > MAX_DEPTH) return;
	let target = root;
	for (let index = 0; index < path.length; index++) {
		const key = path[index] === '' && index > 0 ? nextIndex(target) : path[index];
		if (index === path.length - 1) {
			target[key] = value;
			return;
		}
		const existing = target[key];
		if (isFormObject(existing)) {
			target = existing;
		} else {
			const created = emptyObject();
			target[key] = created;
			target = created;
		}
	}
}

/**
 * A scalar as PHP would have sent it in a form: text; null and undefined are left out (undefined
 * here).
 */
function scalarText(value: unknown): string | undefined {
	if (value === null || value === undefined) return undefined;
	if (typeof value === 'string') return wellFormed(value);
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
	if (typeof value === 'boolean') return value ? '1' : '0';
	return undefined;
}

/**
 * An already nested value (JSON, an extended parser), with its keys and values as a form would
 * carry them.
 */
function fromNested(value: unknown, depth: number): FormValue | undefined {
	if (Array.isArray(value) || isFormObject(value)) {
		if (depth >= MAX_DEPTH) return undefined;
		const out = emptyObject();
		const entries: Array<[string, unknown]> = Array.isArray(value)
			? value.map((element, index) => [String(index), element])
			: Object.entries(value);
		for (const [key, element] of entries) {
			const decoded = fromNested(element, depth + 1);
			if (decoded !== undefined) out[wellFormed(key)] = decoded;
		}
		return out;
	}
	return scalarText(value);
}

/** PHP's urldecode: `+` is a space; a broken `%` sequence stays as it is; bytes are UTF-8. */
function urlDecode(text: string): string {
	const bytes: number[] = [];
	for (let index = 0; index < text.length; index++) {
		const char = text[index];
		if (char === '+') {
			bytes.push(0x20);
		} else if (char === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(index + 1, index + 3))) {
			bytes.push(parseInt(text.slice(index + 1, index + 3), 16));
			index += 2;
		} else {
			bytes.push(...Buffer.from(char, 'utf8'));
		}
	}
	return Buffer.from(bytes).toString('utf8');
}

/**
 * A form body still as text (a setup that passes it on unparsed), read as PHP's parse_str would.
 */
function fromText(text: string): FormObject {
	const root = emptyObject();
	for (const pair of text.replace(/^\uFEFF/, '').split('&')) {
		if (pair === '') continue;
		const equals = pair.indexOf('=');
		const rawKey = urlDecode(equals < 0 ? pair : pair.slice(0, equals));
		const value = equals < 0 ? '' : urlDecode(pair.slice(equals + 1));
		const path = splitBracketKey(rawKey);
		if (path) assign(root, path, wellFormed(value));
	}
	return root;
}

/**
 * The body as PHP would see it: nested objects of strings. Accepts what n8n hands over for a form
 * (flat bracket keys, a repeated key as an array of which the last counts), nested objects (JSON)
 * and unparsed form text. Anything else (no body, a number) is an empty object: the caller then
 * finds neither a token nor an event in it.
 */
export function decodeFormBody(body: unknown): FormObject {
	if (typeof body === 'string') return fromText(body);
	if (!isFormObject(body)) return emptyObject();
	const root = emptyObject();
	for (const [rawKey, rawValue] of Object.entries(body)) {
		const path = splitBracketKey(wellFormed(rawKey));
		if (!path) continue;
		// querystring.parse gives a repeated key as an array of strings: PHP appends each to `a[]`
		// and keeps the last of any other key
		if (
			Array.isArray(rawValue) &&
			rawValue.length > 0 &&
			rawValue.every((v) => typeof v === 'string')
		) {
			const repeated = rawValue as string[];
			if (path[path.length - 1] === '' && path.length > 1) {
				for (const element of repeated) assign(root, path, wellFormed(element));
			} else {
				assign(root, path, wellFormed(repeated[repeated.length - 1]));
			}
			continue;
		}
		const value = fromNested(rawValue, path.length - 1);
		if (value === undefined) continue;
		const existing = path.length === 1 ? root[path[0]] : undefined;
		// `data` given nested and `data[X]` given flat in the same body: both are kept
		if (isFormObject(existing) && isFormObject(value)) {
			for (const [key, element] of Object.entries(value)) existing[key] = element;
		} else {
			assign(root, path, value);
		}
	}
	return root;
}

/** A text field of a decoded object; undefined when it is missing or not text. */
export function textField(object: FormValue | undefined, key: string): string | undefined {
	if (!isFormObject(object)) return undefined;
	const value = object[key];
	return typeof value === 'string' ? value : undefined;
}

/** A nested object of a decoded object; undefined when it is missing or text. */
export function objectField(object: FormValue | undefined, key: string): FormObject | undefined {
	if (!isFormObject(object)) return undefined;
	const value = object[key];
	return isFormObject(value) ? value : undefined;
}
