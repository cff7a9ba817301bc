/** `batch`: up to 50 calls in one request, answered with PHP's array-shaped parts. */
import { ERRORS, type Outcome } from './outcome';
import { isPhpArray, parseQuery, phpBool, PhpArray, type PhpParams, type PhpValue } from './php';
import type { LogBatchCommand } from './types';

export const BATCH_MAX_LENGTH = 50;

export interface BatchParts {
	result: PhpArray;
	result_error: PhpArray;
	result_total: PhpArray;
	result_next: PhpArray;
	result_time: PhpArray;
}

export type CommandRunner = (method: string, params: PhpParams) => Outcome;

export interface ParsedCommand {
	key: string;
	method: string;
	query: string;
	isString: boolean;
}

/** Bitrix reads `halt` and `cmd` case-insensitively (array_change_key_case). */
function param(params: PhpParams, name: string): PhpValue | undefined {
	let found: PhpValue | undefined;
	for (const [key, value] of Object.entries(params)) {
		if (key.toUpperCase() === name) found = value;
	}
	return found;
}

/** Splits `method?query#fragment` as parse_url does: an unencoded `#` cuts the query short. */
function splitCall(call: string): { method: string; query: string } {
	const hash = call.indexOf('#');
	const main = hash >= 0 ? call.slice(0, hash) : call;
	const q = main.indexOf('?');
	return q >= 0
		? { method: main.slice(0, q), query: main.slice(q + 1) }
		: { method: main, query: '' };
}

export function parseCommands(params: PhpParams): ParsedCommand[] {
	const cmd = param(params, 'CMD');
	if (!isPhpArray(cmd)) return [];
	const entries: [string, PhpValue][] = Array.isArray(cmd)
		? cmd.map((v, i) => [String(i), v])
		: Object.entries(cmd);
	return entries.map(([key, call]) => {
		if (typeof call !== 'string') return { key, method: '', query: '', isString: false };
		return { key, ...splitCall(call), isString: true };
	});
}

/**
 * Bitrix scans for these words case-insensitively, each followed by anything up to the next
 * whitespace. Alternatives are tried in the spec's order (PCRE and JS alike), so
 * `$error_description[k]` reads as `error` with the tail `_description[k]`.
 */
const REFERENCE = /\$(result|next|total|time|error|error_description)(\S*)/gi;
const WHOLE_REFERENCE = new RegExp(`^${REFERENCE.source}$`, 'i');

function child(value: unknown, key: string): unknown {
	if (value instanceof PhpArray) return value.get(key);
	if (typeof value !== 'object' || value === null) return undefined;
	return (value as Record<string, unknown>)[key];
}

/** Walks the `[key]` steps of a reference while PHP's isset() holds; undefined: no `[key]` at all. */
function lookup(
	parts: BatchParts,
	word: string,
	tail: string,
): { value: unknown; complete: boolean } | undefined {
	const keys = [...tail.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
	if (keys.length === 0) return undefined;
	const byWord: Record<string, PhpArray> = {
		result: parts.result,
		error: parts.result_error,
		total: parts.result_total,
		next: parts.result_next,
		time: parts.result_time,
	};
	let value: unknown = byWord[word.toLowerCase()];
	for (const key of keys) {
		const next = child(value, key);
		if (next === undefined || next === null) return { value, complete: false };
		value = next;
	}
	return { value, complete: true };
}

/** A batch part or result as a request value (PHP sees no difference between them). */
function toPhpValue(value: unknown): PhpValue {
	if (value instanceof PhpArray) {
		if (value.isList()) return value.entries.map(([, v]) => toPhpValue(v));
		return Object.fromEntries(value.entries.map(([k, v]) => [k, toPhpValue(v)]));
	}
	if (Array.isArray(value)) return value.map(toPhpValue);
	if (typeof value === 'object' && value !== null) {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPhpValue(v)]));
	}
	return value === undefined ? null : (value as PhpValue);
}

/** References inside a longer text: replaced when they resolve to a string or number, else kept. */
function substituteText(text: string, parts: BatchParts): string {
	return text.replace(REFERENCE, (match: string, word: string, tail: string) => {
		const found = lookup(parts, word, tail);
		if (!found?.complete) return match;
		const { value } = found;
		return typeof value === 'string' || typeof value === 'number' ? String(value) : match;
	});
}

/**
 * Runs after the query was decoded, over values and keys alike, so percent-encoding the `$` does
 * not protect user text. A value that is one whole reference takes what it points at, even an array
 * when the path stops early.
 */
export function substitute(value: PhpValue, parts: BatchParts): PhpValue {
	if (Array.isArray(value)) return value.map((v) => substitute(v, parts));
	if (isPhpArray(value)) {
		const out: PhpParams = {};
		for (const [k, v] of Object.entries(value))
			out[substituteText(k, parts)] = substitute(v, parts);
		return out;
	}
	if (typeof value !== 'string') return value;
	const whole = WHOLE_REFERENCE.exec(value);
	if (whole) {
		const found = lookup(parts, whole[1], whole[2]);
		if (found) return toPhpValue(found.value);
	}
	return substituteText(value, parts);
}

export function emptyParts(): BatchParts {
	return {
		result: new PhpArray(),
		result_error: new PhpArray(),
		result_total: new PhpArray(),
		result_next: new PhpArray(),
		result_time: new PhpArray(),
	};
}

export function runBatch(
	params: PhpParams,
	run: CommandRunner,
): { parts: BatchParts; log: LogBatchCommand[] } {
	const halt = phpBool(param(params, 'HALT'));
	const parts = emptyParts();
	const log: LogBatchCommand[] = [];
	let count = 0;
	for (const command of parseCommands(params)) {
		let outcome: Outcome;
		let commandParams: PhpParams = {};
		if (count++ < BATCH_MAX_LENGTH) {
			// Bitrix skips a command that is not a string without a word.
			if (!command.isString) continue;
			commandParams = substitute(parseQuery(command.query), parts) as PhpParams;
			outcome = run(command.method, commandParams);
		} else {
			outcome = ERRORS.batchLengthExceeded();
		}
		log.push({
			key: command.key,
			restMethod: command.method.toLowerCase(),
			params: commandParams,
			...(outcome.ok ? {} : { error: outcome.error }),
		});
		if (outcome.ok) {
			parts.result.set(command.key, outcome.result);
			if (outcome.total !== undefined) parts.result_total.set(command.key, outcome.total);
			if (outcome.next !== undefined) parts.result_next.set(command.key, outcome.next);
			parts.result_time.set(command.key, outcome.time);
		} else {
			// Inner errors carry no HTTP status.
			parts.result_error.set(command.key, {
				error: outcome.error,
				error_description: outcome.description,
				...outcome.extra,
			});
			if (halt) break;
		}
	}
	return { parts, log };
}
