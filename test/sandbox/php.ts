/**
 * The bits of PHP behaviour a Bitrix24 portal shows on the wire: parse_str / http_build_query,
 * (int) and (string) casts, and json_encode's array-or-object choice and escaping.
 */

/** A decoded request value: what PHP's json_decode(..., true) or parse_str can produce. */
export type PhpValue = string | number | boolean | null | PhpValue[] | { [key: string]: PhpValue };
export type PhpParams = { [key: string]: PhpValue };

export function isPhpArray(value: unknown): value is PhpValue[] | PhpParams {
	return typeof value === 'object' && value !== null;
}

/** PHP's urldecode: `+` is a space, bad `%` sequences stay as they are, bytes are UTF-8. */
export function urlDecode(text: string): string {
	const bytes: number[] = [];
	for (let i = 0; i < text.length; i++) {
		const ch = text[i];
		if (ch === '+') {
			bytes.push(0x20);
		} else if (ch === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
			bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			bytes.push(...Buffer.from(ch, 'utf8'));
		}
	}
	return Buffer.from(bytes).toString('utf8');
}

/** PHP's urlencode (RFC 1738 flavour used by http_build_query): space becomes `+`. */
export function urlEncode(text: string): string {
	let out = '';
	for (const byte of Buffer.from(text, 'utf8')) {
		const ch = String.fromCharCode(byte);
		if (/[A-Za-z0-9_.-]/.test(ch)) out += ch;
		else if (byte === 0x20) out += '+';
		else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
	}
	return out;
}

/** Splits `a[b][]` into the base name and its bracket indexes the way php_register_variable does. */
function splitVariableName(rawName: string): { base: string; indexes: string[] } | undefined {
	const name = rawName.replace(/^ +/, '');
	const open = name.indexOf('[');
	const close = open >= 0 ? name.indexOf(']', open) : -1;
	if (open < 0 || close < 0) {
		// Without a complete first bracket pair the whole name is a plain variable; PHP turns
		// spaces, dots and a lone `[` into underscores.
		const base = name.replace(/[ .[]/g, '_');
		return base === '' ? undefined : { base, indexes: [] };
	}
	const base = name.slice(0, open).replace(/[ .]/g, '_');
	if (base === '') return undefined;
	const indexes: string[] = [];
	let pos = open;
	while (pos < name.length && name[pos] === '[') {
		const end = name.indexOf(']', pos);
		if (end < 0) break;
		indexes.push(name.slice(pos + 1, end));
		pos = end + 1;
	}
	return { base, indexes };
}

function nextAppendIndex(container: PhpParams): string {
	let next = 0;
	for (const key of Object.keys(container)) {
		if (/^(0|-?[1-9]\d*)$/.test(key)) next = Math.max(next, Number(key) + 1);
	}
	return String(next);
}

/**
 * PHP's parse_str. Nested values come back as plain objects keyed like PHP arrays; use
 * `phpListify` to turn the 0..n-1 ones into JS arrays.
 */
export function parseQuery(query: string): PhpParams {
	const result: PhpParams = {};
	for (const pair of query.split('&')) {
		if (pair === '') continue;
		const eq = pair.indexOf('=');
		const rawName = urlDecode(eq >= 0 ? pair.slice(0, eq) : pair);
		const value = eq >= 0 ? urlDecode(pair.slice(eq + 1)) : '';
		const parsed = splitVariableName(rawName);
		if (!parsed) continue;
		const path = [parsed.base, ...parsed.indexes];
		let container: PhpParams = result;
		for (let i = 0; i < path.length; i++) {
			const key = path[i] === '' && i > 0 ? nextAppendIndex(container) : path[i];
			if (i === path.length - 1) {
				container[key] = value;
			} else {
				const existing = container[key];
				if (!isPhpArray(existing) || Array.isArray(existing)) container[key] = {};
				container = container[key] as PhpParams;
			}
		}
	}
	return phpListify(result) as PhpParams;
}

/** Turns objects whose keys are exactly 0..n-1 into arrays, recursively (PHP sees no difference). */
export function phpListify(value: PhpValue): PhpValue {
	if (Array.isArray(value)) return value.map(phpListify);
	if (!isPhpArray(value)) return value;
	const keys = Object.keys(value);
	const out: PhpParams = {};
	for (const key of keys) out[key] = phpListify(value[key]);
	if (keys.length > 0 && keys.every((key, i) => key === String(i)))
		return keys.map((key) => out[key]);
	return out;
}

/** PHP's http_build_query: nested values as `a[b][0]=…`, true/false as 1/0, null skipped. */
export function buildQuery(params: Record<string, unknown>, prefix?: string): string {
	const parts: string[] = [];
	for (const [key, value] of Object.entries(params)) {
		const name = prefix === undefined ? key : `${prefix}[${key}]`;
		if (value === null || value === undefined) continue;
		if (typeof value === 'object') {
			const nested = buildQuery(value as Record<string, unknown>, name);
			if (nested !== '') parts.push(nested);
		} else {
			const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
			parts.push(`${urlEncode(name)}=${urlEncode(text)}`);
		}
	}
	return parts.join('&');
}

/** PHP's (int) cast, so "5abc" is 5 and "abc" is 0. */
export function intval(value: unknown): number {
	if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : 0;
	if (typeof value === 'boolean') return value ? 1 : 0;
	if (typeof value === 'string') {
		const match = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(value);
		if (!match) return 0;
		const parsed = Math.trunc(Number(match[0].trim()));
		return Number.isFinite(parsed) ? parsed : 0;
	}
	if (Array.isArray(value)) return value.length > 0 ? 1 : 0;
	if (isPhpArray(value)) return Object.keys(value).length > 0 ? 1 : 0;
	return 0;
}

/** PHP's (string) cast: true is "1", false and null are "", arrays are "Array". */
export function phpString(value: unknown): string {
	if (value === null || value === undefined || value === false) return '';
	if (value === true) return '1';
	if (typeof value === 'number') return String(value);
	if (typeof value === 'string') return value;
	return 'Array';
}

/** PHP's trim(): only " \t\n\r\0\x0B", not the other Unicode spaces JS's trim() removes. */
const PHP_TRIMMED = new Set([' ', '\t', '\n', '\r', '\0', '\x0B']);

export function phpTrim(text: string): string {
	let start = 0;
	let end = text.length;
	while (start < end && PHP_TRIMMED.has(text[start])) start++;
	while (end > start && PHP_TRIMMED.has(text[end - 1])) end--;
	return text.slice(start, end);
}

/** PHP's (bool) cast: "0" and "" are false, but "false" is true. */
export function phpBool(value: unknown): boolean {
	if (
		value === null ||
		value === undefined ||
		value === false ||
		value === 0 ||
		value === '' ||
		value === '0'
	) {
		return false;
	}
	if (isPhpArray(value)) return Object.keys(value).length > 0;
	return true;
}

/** A PHP array built in code, keeping insertion order even for integer-like keys. */
export class PhpArray {
	readonly entries: [string, unknown][] = [];

	set(key: string, value: unknown): void {
		const existing = this.entries.find(([k]) => k === key);
		if (existing) existing[1] = value;
		else this.entries.push([key, value]);
	}

	get(key: string): unknown {
		return this.entries.find(([k]) => k === key)?.[1];
	}

	has(key: string): boolean {
		return this.entries.some(([k]) => k === key);
	}

	/** json_encode writes a list only when the keys are exactly 0..n-1 in order (and `[]` when empty). */
	isList(): boolean {
		return this.entries.every(([key], i) => key === String(i));
	}
}

function encodeValue(value: unknown): string {
	if (value instanceof PhpArray) {
		if (value.isList()) return '[' + value.entries.map(([, v]) => encodeValue(v)).join(',') + ']';
		return (
			'{' + value.entries.map(([k, v]) => JSON.stringify(k) + ':' + encodeValue(v)).join(',') + '}'
		);
	}
	if (Array.isArray(value))
		return '[' + value.map((v) => encodeValue(v === undefined ? null : v)).join(',') + ']';
	if (typeof value === 'object' && value !== null) {
		const entries = Object.entries(value).filter(([, v]) => v !== undefined);
		// An empty PHP array is always `[]`.
		if (entries.length === 0) return '[]';
		return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + encodeValue(v)).join(',') + '}';
	}
	return JSON.stringify(value === undefined ? null : value);
}

/**
 * json_encode as Bitrix24 calls it: `\/`, non-ASCII as `\uxxxx`, and < > & ' hex-escaped.
 * Those characters only ever occur inside JSON strings, so escaping the whole text is safe.
 */
export function phpJsonEncode(value: unknown): string {
	return encodeValue(value).replace(/[\u0080-\uffff/<>&']/g, (ch) => {
		if (ch === '/') return '\\/';
		const hex = ch.charCodeAt(0).toString(16).padStart(4, '0');
		// PHP writes the JSON_HEX_* escapes in upper case and the unicode ones in lower case.
		return '\\u' + (ch.charCodeAt(0) < 0x80 ? hex.toUpperCase() : hex);
	});
}
