import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { toBoolean, toChoice, toNumber } from './parameters';
import { ENTERPRISE_PLAN, STANDARD_PLAN } from './transport/limiters';
import type { ClientOptions } from './transport/client';

/**
 * Bitrix24 cloud ends a request after 60 s; on-premise portals may be slower, but not this slow.
 */
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
				"Whether to send the calls of many items together, up to 50 per request. Keeps large runs well under Bitrix24's rate limit.",
		},
		{
			displayName: 'Max Wait (Seconds)',
			name: 'maxWait',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: MAX_WAIT_SECONDS },
			default: 300,
			description:
				'The longest one run may spend waiting for Bitrix24 (pacing, retries, limits), up to 86400 (a day). Calls not sent by then fail with a clear error.',
		},
		{
			displayName: 'Merge Concurrent Executions',
			name: 'mergeExecutions',
			type: 'boolean',
			default: true,
			description:
				'Whether executions running at the same time with this credential may share batch requests. Each item still gets only its own answer; turn off to keep them apart.',
		},
		{
			displayName: 'Processes Sharing the Portal',
			name: 'processes',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_PROCESSES },
			default: 1,
			description:
				'How many n8n processes (e.g. queue-mode workers) use this portal at the same time. Each starts at its share of the rate limit, then adjusts by itself.',
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
			description:
				"Bitrix24's request limit for your plan; the node paces its requests to stay under it",
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_TIMEOUT_SECONDS },
			default: 60,
			description:
				'How long to wait for one answer from the portal, from 1 to 600 seconds. Bitrix24 cloud itself ends a request after 60 s.',
		},
	],
};

const UNDER = 'under Request Options';

/**
 * A number of seconds within [min, max] as milliseconds; absent: undefined (the client's default).
 */
function seconds(value: unknown, label: string, min: number, max: number): number | undefined {
	const number = toNumber(value, { label, where: UNDER, min, max });
	return number === undefined ? undefined : Math.round(number * 1000);
}

/**
 * Turns the Request Options the user set (seconds, plan names) into the client's settings. A value
 * out of range is refused with the field's name: a huge timeout would overflow Node's timers and
 * time every request out at once while the portal still runs the writes.
 */
export function clientOptionsFrom(options: IDataObject): Partial<ClientOptions> {
	const result: Partial<ClientOptions> = {};
	if (options.batching !== undefined)
		result.batching = toBoolean(options.batching, { label: 'Batch Requests', where: UNDER }, true);
	if (options.mergeExecutions !== undefined) {
		result.mergeExecutions = toBoolean(
			options.mergeExecutions,
			{ label: 'Merge Concurrent Executions', where: UNDER },
			true,
		);
	}
	if (options.rateLimit !== undefined) {
		const plan = toChoice(
			options.rateLimit,
			{ label: 'Rate Limit', where: UNDER },
			['standard', 'enterprise'],
			'standard',
		);
		result.rateLimit = plan === 'enterprise' ? ENTERPRISE_PLAN : STANDARD_PLAN;
	}
	const timeoutMs = seconds(options.timeout, 'Timeout (Seconds)', 1, MAX_TIMEOUT_SECONDS);
	if (timeoutMs !== undefined) result.timeoutMs = timeoutMs;
	const processes = toNumber(options.processes, {
		label: 'Processes Sharing the Portal',
		where: UNDER,
		min: 1,
		max: MAX_PROCESSES,
		whole: true,
	});
	if (processes !== undefined) result.processes = processes;
	const maxWaitMs = seconds(options.maxWait, 'Max Wait (Seconds)', 0, MAX_WAIT_SECONDS);
	if (maxWaitMs !== undefined) result.maxWaitMs = maxWaitMs;
	return result;
}
