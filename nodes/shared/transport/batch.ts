import type { IDataObject } from 'n8n-workflow';

import type { Envelope } from './answer';
import { envelopeOf, portalError } from './answer';
import { Bitrix24Error } from './errors';
import { buildPhpQuery } from './phpQuery';
import type { Secrets } from './webhookUrl';

export const MAX_BATCH_COMMANDS = 50;

/** One command of a batch, its parameters already in PHP query form. */
export interface BatchCommand {
	key: string;
	restMethod: string;
	query: string;
}

/**
 * What reading a command's answer needs: its key, and the statuses its caller named (client.ts).
 */
export interface CommandToRead {
	key: string;
	statusByCode?: Record<string, number>;
}

/**
 * Encodes one call as a batch command. A value that cannot be percent-encoded (a lone UTF-16
 * surrogate: a text cut in the middle of an emoji) fails only this call, with a readable message.
 */
export function encodeCommand(
	key: string,
	restMethod: string,
	params: IDataObject,
): BatchCommand | Bitrix24Error {
	try {
		return { key, restMethod, query: buildPhpQuery(params) };
	} catch {
		return new Bitrix24Error({
			kind: 'input',
			code: 'INVALID_CHARACTER',
			message:
				'A value of this item contains a broken character (half of an emoji or another character cut in two)',
			hint: 'Check the texts of this item, e.g. a title cut to a length in the middle of an emoji, and remove the broken character.',
			delivery: 'notSent',
		});
	}
}

/** The body of one `batch` call: `halt: 0` so that one item's error never stops the others. */
export function buildBatchBody(commands: BatchCommand[]): IDataObject {
	const cmd: IDataObject = {};
	for (const { key, restMethod, query } of commands)
		cmd[key] = query ? `${restMethod}?${query}` : restMethod;
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

/**
 * Errors inside a batch carry no HTTP status; give each the status the plain call would get, so
 * that an error item reads the same either way: the caller's own table first, where a method
 * answers a code with another status than most. Decisions never rest on it: they key on codes.
 */
export function statusOf(
	code: string,
	statusByCode: Record<string, number> = {},
): number | undefined {
	return statusByCode[code] ?? STATUS_BY_CODE[code];
}

const STATUS_BY_CODE: Record<string, number> = {
	INVALID_CREDENTIALS: 401,
	NO_AUTH_FOUND: 401,
	expired_token: 401,
	invalid_token: 401,
	insufficient_scope: 401,
	OVERLOAD_LIMIT: 401,
	ACCESS_DENIED: 403,
	PORTAL_DELETED: 403,
	user_access_error: 403,
	ERROR_METHOD_NOT_FOUND: 404,
	QUERY_LIMIT_EXCEEDED: 503,
	OPERATION_TIME_LIMIT: 429,
	INTERNAL_SERVER_ERROR: 500,
	ERROR_UNEXPECTED_ANSWER: 500,
	ERROR_ARGUMENT: 400,
	ERROR_CORE: 400,
	ERROR_NOT_FOUND: 400,
	REG_ID_NOT_FOUND: 400,
	TITLE_EXISTS: 400,
	MAX_CLOUD_PBX: 400,
	CHECK_FIELDS_ERROR: 400,
};

export type CommandOutcome = { ok: true; envelope: Envelope } | { ok: false; error: Bitrix24Error };

/**
 * Splits a batch answer into one outcome per command, through the same error decoding as plain
 * calls.
 */
export function readBatchResult(
	result: unknown,
	commands: CommandToRead[],
	secret?: Secrets,
): Map<string, CommandOutcome> {
	const whole = asMap(result);
	const results = asMap(whole.result);
	const errors = asMap(whole.result_error);
	const totals = asMap(whole.result_total);
	const nexts = asMap(whole.result_next);
	const times = asMap(whole.result_time);
	const outcomes = new Map<string, CommandOutcome>();
	for (const { key, statusByCode } of commands) {
		const failure = errors[key];
		if (failure !== undefined && failure !== null) {
			const { error, error_description: description } = asMap(failure);
			const code =
				typeof error === 'string' || typeof error === 'number'
					? String(error)
					: 'BATCH_COMMAND_FAILED';
			outcomes.set(key, {
				ok: false,
				error: portalError(code, description, statusOf(code, statusByCode), secret),
			});
			continue;
		}
		if (!(key in results)) {
			// the batch ran, but says nothing of this command: it may or may not have run
			outcomes.set(key, {
				ok: false,
				error: new Bitrix24Error({
					kind: 'http',
					code: 'BATCH_RESULT_MISSING',
					message: 'Bitrix24 returned no result for this command of the batch',
					hint: 'Run again; turn off "Batch Requests" in the node options if it keeps happening.',
					delivery: 'unknown',
				}),
			});
			continue;
		}
		outcomes.set(key, {
			ok: true,
			envelope: envelopeOf(results[key], totals[key], nexts[key], times[key]),
		});
	}
	return outcomes;
}
