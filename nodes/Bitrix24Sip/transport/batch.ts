import type { IDataObject } from 'n8n-workflow';

import { Bitrix24Error, explain } from './errors';
import type { Envelope, TimeInfo } from './http';
import { buildPhpQuery } from './phpQuery';

export const MAX_BATCH_COMMANDS = 50;

export interface BatchCommand {
	key: string;
	restMethod: string;
	params: IDataObject;
}

/** The body of one `batch` call: `halt: 0` so that one item's error never stops the others. */
export function buildBatchBody(commands: BatchCommand[]): IDataObject {
	const cmd: IDataObject = {};
	for (const command of commands) {
		const query = buildPhpQuery(command.params);
		cmd[command.key] = query ? `${command.restMethod}?${query}` : command.restMethod;
	}
	return { halt: 0, cmd };
}

/** PHP's json_encode turns an empty or 0..n-keyed array into a JSON list: read both as a map. */
function asMap(part: unknown): Record<string, unknown> {
	if (Array.isArray(part)) {
		const map: Record<string, unknown> = {};
		part.forEach((value, index) => {
			map[String(index)] = value;
		});
		return map;
	}
	if (typeof part === 'object' && part !== null) return part as Record<string, unknown>;
	return {};
}

export type CommandOutcome = { ok: true; envelope: Envelope } | { ok: false; error: Bitrix24Error };

/** Splits a batch answer into one outcome per command key. */
export function readBatchResult(result: unknown, keys: string[]): Map<string, CommandOutcome> {
	const whole = asMap(result);
	const results = asMap(whole.result);
	const errors = asMap(whole.result_error);
	const totals = asMap(whole.result_total);
	const nexts = asMap(whole.result_next);
	const times = asMap(whole.result_time);
	const outcomes = new Map<string, CommandOutcome>();
	for (const key of keys) {
		const failure = errors[key];
		if (failure !== undefined && failure !== null) {
			const { error, error_description: description } = asMap(failure);
			const code = typeof error === 'string' ? error : 'BATCH_COMMAND_FAILED';
			const text = typeof description === 'string' ? description : '';
			const { message, hint } = explain(code, text);
			const refused = code === 'OPERATION_TIME_LIMIT' || code === 'QUERY_LIMIT_EXCEEDED';
			outcomes.set(key, {
				ok: false,
				error: new Bitrix24Error('api', code, message, undefined, hint, refused),
			});
			continue;
		}
		if (!(key in results)) {
			outcomes.set(key, {
				ok: false,
				error: new Bitrix24Error(
					'http',
					'BATCH_RESULT_MISSING',
					'Bitrix24 returned no result for this command of the batch',
					undefined,
					'Run again; turn off "Batch Requests" in the node options if it keeps happening.',
				),
			});
			continue;
		}
		const total = totals[key];
		const next = nexts[key];
		const time = times[key];
		outcomes.set(key, {
			ok: true,
			envelope: {
				result: results[key],
				total: typeof total === 'number' ? total : undefined,
				next: typeof next === 'number' ? next : undefined,
				time: typeof time === 'object' && time !== null ? (time as TimeInfo) : undefined,
			},
		});
	}
	return outcomes;
}
