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

/** A batch reports errors without HTTP statuses; give each the status the plain call would get. */
function statusOf(code: string, restMethod: string): number | undefined {
	if (code === 'ERROR_NOT_FOUND') return restMethod === 'voximplant.sip.update' ? 404 : 400;
	return STATUS_BY_CODE[code];
}

const STATUS_BY_CODE: Record<string, number> = {
	NO_AUTH_FOUND: 401,
	expired_token: 401,
	insufficient_scope: 403,
	INVALID_CREDENTIALS: 403,
	ACCESS_DENIED: 403,
	user_access_error: 403,
	ERROR_METHOD_NOT_FOUND: 404,
	QUERY_LIMIT_EXCEEDED: 503,
	OVERLOAD_LIMIT: 503,
	OPERATION_TIME_LIMIT: 429,
	INTERNAL_SERVER_ERROR: 500,
	ERROR_UNEXPECTED_ANSWER: 500,
	REG_ID_NOT_FOUND: 400,
	TITLE_EXISTS: 400,
	MAX_CLOUD_PBX: 400,
	CHECK_FIELDS_ERROR: 400,
	ERROR_BATCH_LENGTH_EXCEEDED: 400,
	ERROR_BATCH_METHOD_NOT_ALLOWED: 405,
};

export type CommandOutcome = { ok: true; envelope: Envelope } | { ok: false; error: Bitrix24Error };

/** Splits a batch answer into one outcome per command. */
export function readBatchResult(result: unknown, commands: Array<Pick<BatchCommand, 'key' | 'restMethod'>>): Map<string, CommandOutcome> {
	const whole = asMap(result);
	const results = asMap(whole.result);
	const errors = asMap(whole.result_error);
	const totals = asMap(whole.result_total);
	const nexts = asMap(whole.result_next);
	const times = asMap(whole.result_time);
	const outcomes = new Map<string, CommandOutcome>();
	for (const { key, restMethod } of commands) {
		const failure = errors[key];
		if (failure !== undefined && failure !== null) {
			const { error, error_description: description } = asMap(failure);
			const code = typeof error === 'string' ? error : 'BATCH_COMMAND_FAILED';
			const text = typeof description === 'string' ? description : '';
			const status = statusOf(code, restMethod);
			const { message, hint } = explain(code, text, status);
			const refused = code === 'OPERATION_TIME_LIMIT' || code === 'QUERY_LIMIT_EXCEEDED';
			outcomes.set(key, {
				ok: false,
				error: new Bitrix24Error('api', code, message, status, hint, refused),
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
