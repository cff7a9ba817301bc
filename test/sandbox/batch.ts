/** `batch`: up to 50 calls in one request, answered with PHP's array-shaped parts. */
import { ERRORS, type Outcome } from './outcome';
import {
	isPhpArray,
	parseQuery,
	phpBool,
	PhpArray,
	phpString,
	type PhpParams,
	type PhpValue,
} from './php';
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

const REFERENCE = /\$(result|error|total|next|time)\[([^\]]+)\]((?:\[[^\]]+\])*)/g;

function resolve(parts: BatchParts, part: string, key: string, path: string): unknown {
	const byPart: Record<string, PhpArray> = {
		result: parts.result,
		error: parts.result_error,
		total: parts.result_total,
		next: parts.result_next,
		time: parts.result_time,
	};
	let value: unknown = byPart[part].get(key);
	for (const [, sub] of path.matchAll(/\[([^\]]+)\]/g)) {
		if (typeof value !== 'object' || value === null) return undefined;
		value = (value as Record<string, unknown>)[sub];
	}
	return value;
}

/**
 * `$result[key][field]` anywhere in a decoded value is replaced by an earlier command's result,
 * after the query was decoded, so percent-encoding the `$` does not protect user text.
 */
function substitute(value: PhpValue, parts: BatchParts): PhpValue {
	if (Array.isArray(value)) return value.map((v) => substitute(v, parts));
	if (isPhpArray(value)) {
		const out: PhpParams = {};
		for (const [k, v] of Object.entries(value)) out[k] = substitute(v, parts);
		return out;
	}
	if (typeof value !== 'string') return value;
	const whole = new RegExp(`^${REFERENCE.source}$`).exec(value);
	if (whole) {
		const resolved = resolve(parts, whole[1], whole[2], whole[3]);
		return resolved === undefined ? '' : (resolved as PhpValue);
	}
	return value.replace(REFERENCE, (_m, part: string, key: string, path: string) =>
		phpString(resolve(parts, part, key, path)),
	);
}

export function runBatch(
	params: PhpParams,
	run: CommandRunner,
): { parts: BatchParts; log: LogBatchCommand[] } {
	const halt = phpBool(param(params, 'HALT'));
	const parts: BatchParts = {
		result: new PhpArray(),
		result_error: new PhpArray(),
		result_total: new PhpArray(),
		result_next: new PhpArray(),
		result_time: new PhpArray(),
	};
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
			parts.result_error.set(command.key, {
				error: outcome.error,
				error_description: outcome.description,
			});
			if (halt) break;
		}
	}
	return { parts, log };
}
