import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { Bitrix24Error } from './transport/errors';
import { ENTERPRISE_PLAN, STANDARD_PLAN } from './transport/limiters';
import type { ClientOptions } from './transport/client';

/** Bitrix24 cloud ends a request after 60 s; on-premise portals may be slower, but not this slow. */
export const MAX_TIMEOUT_SECONDS = 600;
/** One day: timers cannot wait longer than about 24.8 days, and no run should wait for days. */
export const MAX_WAIT_SECONDS = 86_400;
/** A share below 1/25 of the standard plan would leave a bucket of 2 and a request every 12 s. */
export const MAX_PROCESSES = 25;

/** How the node talks to the portal; shown for every operation. */
export const requestOptions: INodeProperties = {
	displayName: 'Request Options',
	name: 'requestOptions',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Batch Requests',
			name: 'batching',
			type: 'boolean',
			default: true,
			description:
				'Whether to send the calls of many items together, up to 50 per HTTP request (Bitrix24 batch). Keeps large runs far below the rate limit.',
		},
		{
			displayName: 'Max Wait (Seconds)',
			name: 'maxWait',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: MAX_WAIT_SECONDS },
			default: 300,
			description:
				'The longest the node may spend waiting in one run (pacing, retries, Bitrix24 limits), from 0 to 86400 (one day). When it is used up, the calls not yet sent fail with a clear error instead of hanging.',
		},
		{
			displayName: 'Merge Concurrent Executions',
			name: 'mergeExecutions',
			type: 'boolean',
			default: true,
			description:
				'Whether calls of other executions running at the same time with the same credential may travel in the same batch request. Each item still gets only its own answer; turn off for strict isolation between executions (they still share the pace).',
		},
		{
			displayName: 'Processes Sharing the Portal',
			name: 'processes',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_PROCESSES },
			default: 1,
			description:
				'How many n8n processes call this portal at the same time, e.g. the workers of a queue-mode installation. Each process paces itself to its share of the rate limit (the limit divided by this number); executions within one process always share one pace.',
		},
		{
			displayName: 'Rate Limit',
			name: 'rateLimit',
			type: 'options',
			options: [
				{ name: 'Standard Plans (2 Requests/s, Bursts of 50)', value: 'standard' },
				{ name: 'Enterprise (5 Requests/s, Bursts of 250)', value: 'enterprise' },
			],
			default: 'standard',
			description: "Bitrix24's request limit for your plan; the node paces its requests to stay under it",
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_TIMEOUT_SECONDS },
			default: 60,
			description: 'How long to wait for one answer from the portal, from 1 to 600 seconds. Bitrix24 cloud itself ends a request after 60 s.',
		},
	],
};

function badOption(label: string, value: unknown, range: string, what = 'a number'): Bitrix24Error {
	return new Bitrix24Error({
		kind: 'input',
		code: 'INVALID_OPTION',
		message: `${label} must be ${what} ${range}, got ${JSON.stringify(value) ?? String(value)}`,
		hint: `Set "${label}" under Request Options to ${what} ${range}.`,
		delivery: 'notSent',
	});
}

/** A number within [min, max] (whole if asked); absent (undefined, '' or null) means the default. */
function bounded(value: unknown, label: string, min: number, max: number, whole = false): number | undefined {
	if (value === undefined || value === '' || value === null) return undefined;
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	const valid = typeof number === 'number' && (whole ? Number.isInteger(number) : Number.isFinite(number));
	if (!valid || (number as number) < min || (number as number) > max) {
		throw badOption(label, value, `from ${min} to ${max}`, whole ? 'a whole number' : 'a number');
	}
	return number as number;
}

/** A number of seconds within [min, max] as milliseconds. */
function seconds(value: unknown, label: string, min: number, max: number): number | undefined {
	const number = bounded(value, label, min, max);
	return number === undefined ? undefined : Math.round(number * 1000);
}

/**
 * Turns the Request Options the user set (seconds, plan names) into the client's settings. A value
 * out of range is refused with the field's name: a huge timeout would overflow Node's timers and
 * time every request out at once while the portal still runs the writes.
 */
export function clientOptionsFrom(options: IDataObject): Partial<ClientOptions> {
	const result: Partial<ClientOptions> = {};
	if (typeof options.batching === 'boolean') result.batching = options.batching;
	if (typeof options.mergeExecutions === 'boolean') result.mergeExecutions = options.mergeExecutions;
	if (options.rateLimit === 'enterprise') result.rateLimit = ENTERPRISE_PLAN;
	else if (options.rateLimit === 'standard') result.rateLimit = STANDARD_PLAN;
	const timeoutMs = seconds(options.timeout, 'Timeout (Seconds)', 1, MAX_TIMEOUT_SECONDS);
	if (timeoutMs !== undefined) result.timeoutMs = timeoutMs;
	const processes = bounded(options.processes, 'Processes Sharing the Portal', 1, MAX_PROCESSES, true);
	if (processes !== undefined) result.processes = processes;
	const maxWaitMs = seconds(options.maxWait, 'Max Wait (Seconds)', 0, MAX_WAIT_SECONDS);
	if (maxWaitMs !== undefined) result.maxWaitMs = maxWaitMs;
	return result;
}
