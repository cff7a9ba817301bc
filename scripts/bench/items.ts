/* eslint-disable no-console, @n8n/community-nodes/no-restricted-globals -- a developer script that runs in plain Node, not code shipped to n8n Cloud */
/**
 * Scenario "items": how many HTTP requests, refusals and seconds the node needs for N items of one
 * execution, with and without batching. Env BENCH_SIZES (default 1,10,50,200,1000): the item counts.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { Engine, shutdownEngine } from '../../test/harness/engine';
import { Bitrix24Sandbox } from '../../test/sandbox';
import type { Seed } from './common';
import {
	failedItems,
	LATENCY_MS,
	markdownTable,
	MAX_WAIT_SECONDS,
	NODE,
	nodeWorkflow,
	RATE_LIMIT,
	seconds,
	seedLines,
} from './common';

const DEFAULT_SIZES = [1, 10, 50, 200, 1000];

interface Operation {
	label: string;
	parameters: INodeParameters;
	input(index: number, seed: Seed): IDataObject;
}

const OPERATIONS: Operation[] = [
	{
		label: 'Registration → Get Status',
		parameters: { resource: 'registration', operation: 'getStatus', regId: '={{ $json.regId }}' },
		input: (index, seed) => ({ regId: seed.regIds[index % seed.regIds.length] }),
	},
	{
		// the type is given, so each item is one voximplant.sip.update; titles must stay unique, logins need not
		label: 'Line → Update (login)',
		parameters: {
			resource: 'line',
			operation: 'update',
			configId: '={{ $json.configId }}',
			type: 'cloud',
			updateFields: { login: '={{ $json.login }}' },
		},
		input: (index, seed) => ({
			configId: seed.configIds[index % seed.configIds.length],
			login: `bench_user_${index}`,
		}),
	},
];

interface Measure {
	operation: string;
	items: number;
	batching: boolean;
	requests: number;
	refused: number;
	failed: number;
	wallMs: number;
}

function sizes(): number[] {
	const text = process.env.BENCH_SIZES?.trim();
	if (!text) return DEFAULT_SIZES;
	const parsed = text
		.split(/[\s,]+/)
		.filter(Boolean)
		.map(Number);
	if (parsed.some((size) => !Number.isInteger(size) || size < 1)) {
		throw new Error(
			`BENCH_SIZES must be positive whole numbers separated by commas, e.g. 1,10,50; got "${text}"`,
		);
	}
	return parsed;
}

/** Each measurement gets a fresh portal seeded with the cloud lines, its bucket and log emptied after seeding. */
async function measure(
	engine: Engine,
	operation: Operation,
	items: number,
	batching: boolean,
): Promise<Measure> {
	const sandbox = await Bitrix24Sandbox.start({ rateLimit: RATE_LIMIT, latencyMs: LATENCY_MS });
	try {
		const lines = await seedLines(sandbox.webhook.url);
		sandbox.setRateLimit(RATE_LIMIT);
		sandbox.clearLog();
		const input = Array.from({ length: items }, (_, index) => ({
			json: operation.input(index, lines),
		}));
		const started = Date.now();
		const result = await engine.run(
			nodeWorkflow(operation.parameters, { batching, maxWait: MAX_WAIT_SECONDS }),
			{
				input,
				credentials: { bitrix24WebhookApi: { webhookUrl: sandbox.webhook.url } },
			},
		);
		const wallMs = Date.now() - started;
		return {
			operation: operation.label,
			items,
			batching,
			requests: sandbox.log.length,
			refused: sandbox.log.filter((entry) => entry.status === 503).length,
			failed: failedItems(result, NODE, items),
			wallMs,
		};
	} finally {
		await sandbox.close();
	}
}

function table(measures: Measure[]): string[] {
	const header = [
		'Operation',
		'Items',
		'Mode',
		'HTTP requests',
		'503s',
		'Failed items',
		'Wall time',
		'Unbatched ÷ batched',
	];
	const rows = measures.map((entry) => {
		const batched = measures.find(
			(other) =>
				other.operation === entry.operation && other.items === entry.items && other.batching,
		);
		const ratio =
			!entry.batching && batched
				? `${(entry.wallMs / Math.max(1, batched.wallMs)).toFixed(1)}×`
				: '';
		return [
			entry.operation,
			String(entry.items),
			entry.batching ? 'batched' : 'unbatched',
			String(entry.requests),
			String(entry.refused),
			String(entry.failed),
			seconds(entry.wallMs),
			ratio,
		];
	});
	return markdownTable(header, rows, [1, 3, 4, 5, 6, 7]);
}

/** Runs the scenario in this process; resolves with false when an item failed. */
export async function itemsScenario(): Promise<boolean> {
	const itemCounts = sizes();
	console.log('## Items of one execution, batched and unbatched');
	console.log('');
	console.log(
		`Sandbox: rate limit bursts of ${RATE_LIMIT.burst}, ${RATE_LIMIT.perSecond} requests/s; ${LATENCY_MS} ms latency; Max Wait ${MAX_WAIT_SECONDS} s; sizes ${itemCounts.join(', ')}`,
	);
	const engine = new Engine();
	const measures: Measure[] = [];
	try {
		// the first run of a process pays for loading and compiling; keep that out of the table
		await measure(engine, OPERATIONS[0], 1, true);
		for (const operation of OPERATIONS) {
			for (const items of itemCounts) {
				for (const batching of [true, false]) {
					const result = await measure(engine, operation, items, batching);
					measures.push(result);
					console.log(
						`  ${operation.label}, ${items} item(s), ${batching ? 'batched' : 'unbatched'}: ${result.requests} requests, ${result.refused} × 503, ${result.failed} failed, ${seconds(result.wallMs)}`,
					);
				}
			}
		}
	} finally {
		shutdownEngine();
	}
	console.log('');
	for (const line of table(measures)) console.log(line);
	console.log('');
	return measures.every((entry) => entry.failed === 0);
}
