import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { ClientOptions } from '../transport/client';
import { ENTERPRISE_PLAN, STANDARD_PLAN } from '../transport/limiter';

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
			typeOptions: { minValue: 0 },
			default: 300,
			description:
				'The longest the node may spend waiting in one run (pacing, retries, Bitrix24 limits). When it is used up, the calls not yet sent fail with a clear error instead of hanging.',
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
			typeOptions: { minValue: 1 },
			default: 60,
			description: 'How long to wait for one answer from the portal',
		},
	],
};

/** Turns the Request Options the user set (seconds, plan names) into the client's settings. */
export function clientOptionsFrom(options: IDataObject): Partial<ClientOptions> {
	const result: Partial<ClientOptions> = {};
	if (typeof options.batching === 'boolean') result.batching = options.batching;
	if (options.rateLimit === 'enterprise') result.rateLimit = ENTERPRISE_PLAN;
	else if (options.rateLimit === 'standard') result.rateLimit = STANDARD_PLAN;
	if (typeof options.timeout === 'number' && options.timeout > 0) result.timeoutMs = options.timeout * 1000;
	if (typeof options.maxWait === 'number' && options.maxWait >= 0) result.maxWaitMs = options.maxWait * 1000;
	return result;
}
