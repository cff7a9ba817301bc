/* eslint-disable no-console, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- a developer script that runs in plain Node, not code shipped to n8n Cloud */
/**
 * `npm run bench`: how many HTTP requests, refusals and seconds the node needs for N items, with
 * and without batching, against a sandbox portal limited like a real one (bursts of 50, 2 per s).
 * Env BENCH_SIZES (default 1,10,50,200,1000): the item counts to run.
 */
import os from 'node:os';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import type { WorkflowJson } from '../test/harness/engine';
import { Engine, shutdownEngine } from '../test/harness/engine';
import { Bitrix24Sandbox } from '../test/sandbox';

const NODE = 'Bitrix24 SIP';
const RATE_LIMIT = { burst: 50, perSecond: 2 };
const LATENCY_MS = 20;
const MAX_WAIT_SECONDS = 1200;
const SEED_LINES = 10; // a portal holds at most 10 cloud lines
const DEFAULT_SIZES = [1, 10, 50, 200, 1000];

interface Seed {
	configIds: number[];
	regIds: number[];
}

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
		input: (index, seed) => ({ configId: seed.configIds[index % seed.configIds.length], login: `bench_user_${index}` }),
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
	const parsed = text.split(/[\s,]+/).filter(Boolean).map(Number);
	if (parsed.some((size) => !Number.isInteger(size) || size < 1)) {
		throw new Error(`BENCH_SIZES must be positive whole numbers separated by commas, e.g. 1,10,50; got "${text}"`);
	}
	return parsed;
}

function workflow(parameters: INodeParameters, batching: boolean): WorkflowJson {
	return {
		id: 'bench',
		name: 'Bitrix24 SIP benchmark',
		connections: { Start: { main: [[{ node: NODE, type: 'main', index: 0 }]] } },
		nodes: [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'sip',
				name: NODE,
				type: 'n8n-nodes-bitrix24-sip.bitrix24Sip',
				typeVersion: 1,
				position: [220, 0],
				parameters: { ...parameters, requestOptions: { batching, maxWait: MAX_WAIT_SECONDS } },
				credentials: { bitrix24WebhookApi: { id: '1', name: 'Bitrix24 sandbox' } },
				// failed items become error items, so that they can be counted
				onError: 'continueRegularOutput',
			},
		],
	};
}

/** Creates the cloud lines through the sandbox's HTTP API in one batch request, then resets its limits and log. */
async function seed(sandbox: Bitrix24Sandbox): Promise<Seed> {
	const cmd: Record<string, string> = {};
	for (let index = 1; index <= SEED_LINES; index++) {
		const query = new URLSearchParams({
			TYPE: 'cloud',
			TITLE: `Bench line ${index}`,
			SERVER: 'sip.bench.test',
			LOGIN: `bench_${index}`,
			PASSWORD: 'bench-secret',
		});
		cmd[`l${index}`] = `voximplant.sip.add?${query.toString()}`;
	}
	const answer = await fetch(`${sandbox.webhook.url}batch.json`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ halt: 1, cmd }),
	});
	const body = (await answer.json()) as { result?: { result?: Record<string, { CONFIG_ID: string; REG_ID: number }> } };
	const lines = Object.values(body.result?.result ?? {});
	if (lines.length !== SEED_LINES) throw new Error(`seeding the sandbox failed: ${JSON.stringify(body).slice(0, 300)}`);
	sandbox.setRateLimit(RATE_LIMIT); // empties the bucket the seeding used
	sandbox.clearLog();
	return { configIds: lines.map((line) => Number(line.CONFIG_ID)), regIds: lines.map((line) => Number(line.REG_ID)) };
}

async function measure(engine: Engine, operation: Operation, items: number, batching: boolean): Promise<Measure> {
	const sandbox = await Bitrix24Sandbox.start({ rateLimit: RATE_LIMIT, latencyMs: LATENCY_MS });
	try {
		const lines = await seed(sandbox);
		const input = Array.from({ length: items }, (_, index) => ({ json: operation.input(index, lines) }));
		const started = Date.now();
		const result = await engine.run(workflow(operation.parameters, batching), {
			input,
			credentials: { bitrix24WebhookApi: { webhookUrl: sandbox.webhook.url } },
		});
		const wallMs = Date.now() - started;
		const output = result.output(NODE);
		const nodeFailed = result.nodeError(NODE) !== undefined || result.error !== undefined;
		const failed = nodeFailed ? items : output.filter((item) => item.json.error !== undefined).length + Math.max(0, items - output.length);
		return {
			operation: operation.label,
			items,
			batching,
			requests: sandbox.log.length,
			refused: sandbox.log.filter((entry) => entry.status === 503).length,
			failed,
			wallMs,
		};
	} finally {
		await sandbox.close();
	}
}

function seconds(ms: number): string {
	return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function machine(): string {
	const cpus = os.cpus();
	const memory = `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`;
	return `${os.type()} ${os.release()} (${os.arch()}), ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${memory}, Node ${process.version}`;
}

function table(measures: Measure[]): string[] {
	const header = ['Operation', 'Items', 'Mode', 'HTTP requests', '503s', 'Failed items', 'Wall time', 'Unbatched ÷ batched'];
	const rows = measures.map((entry) => {
		const batched = measures.find((other) => other.operation === entry.operation && other.items === entry.items && other.batching);
		const ratio = !entry.batching && batched ? `${(entry.wallMs / Math.max(1, batched.wallMs)).toFixed(1)}×` : '';
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
	const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
	return [line(header), line(header.map(() => '---')), ...rows.map(line)];
}

async function main(): Promise<void> {
	const itemCounts = sizes();
	console.log(`Machine: ${machine()}`);
	console.log(
		`Sandbox: rate limit bursts of ${RATE_LIMIT.burst}, ${RATE_LIMIT.perSecond} requests/s; ${LATENCY_MS} ms latency; Max Wait ${MAX_WAIT_SECONDS} s; sizes ${itemCounts.join(', ')}`,
	);
	const engine = new Engine();
	const measures: Measure[] = [];
	let exitCode = 0;
	try {
		// the first run of a process pays for loading and compiling; keep that out of the table
		await measure(engine, OPERATIONS[0], 1, true);
		for (const operation of OPERATIONS) {
			for (const items of itemCounts) {
				for (const batching of [true, false]) {
					const result = await measure(engine, operation, items, batching);
					measures.push(result);
					if (result.failed > 0) exitCode = 1;
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
	process.exitCode = exitCode;
}

main().catch((error: Error) => {
	console.error(error.stack ?? String(error));
	process.exitCode = 1;
});
