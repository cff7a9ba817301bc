/* eslint-disable no-console, @n8n/community-nodes/no-restricted-globals -- a developer script that runs in plain Node, not code shipped to n8n Cloud */
/**
 * Scenario "floor": the CPU time and memory the node adds per item over what n8n's engine costs
 * anyway. The same one-execution workflow with the Bitrix24 SIP node (Registration → Get Status,
 * batched) and with a NoOp in its place, each measurement in a fresh process, the portal in
 * another. Env BENCH_FLOOR_SIZES (default 1000,10000), BENCH_FLOOR_REPEATS (default 3; the
 * median is shown).
 */
import { PACKAGE_ROOT } from '../../test/harness/package';
import { Child } from './children';
import type { Seed } from './common';
import {
	LATENCY_MS,
	markdownTable,
	MAX_WAIT_SECONDS,
	median,
	NODE,
	nodeWorkflow,
	NOOP,
	noOpWorkflow,
	seconds,
} from './common';
import type { MeasureRequest, MeasureResult } from './engineWorker';
import type { SandboxStats } from './sandboxHost';

const WARM_UP_ITEMS = 100;
const MIB = 2 ** 20;

type Kind = 'node' | 'fixed' | 'noop';

const KINDS: Kind[] = ['node', 'fixed', 'noop'];

const LABELS: Record<Kind, string> = {
	node: 'Start → Bitrix24 SIP (Get Status, batched)',
	fixed: 'Same, Registration ID fixed instead of `{{ $json.regId }}`',
	noop: 'Start → NoOp (engine floor)',
};

interface Sample extends MeasureResult {
	requests: number;
}

function positiveList(name: string, fallback: number[]): number[] {
	const text = process.env[name]?.trim();
	if (!text) return fallback;
	const parsed = text
		.split(/[\s,]+/)
		.filter(Boolean)
		.map(Number);
	if (parsed.some((value) => !Number.isInteger(value) || value < 1)) {
		throw new Error(`${name} must be positive whole numbers separated by commas; got "${text}"`);
	}
	return parsed;
}

/** "fixed" shows how much of the node's cost is n8n resolving the parameter's expression per item. */
function request(kind: Kind, items: number, webhookUrl: string, seed: Seed): MeasureRequest {
	if (kind === 'noop')
		return { workflow: noOpWorkflow(), nodeName: NOOP, webhookUrl, items, regIds: seed.regIds };
	const regId = kind === 'node' ? '={{ $json.regId }}' : seed.regIds[0];
	return {
		workflow: nodeWorkflow(
			{ resource: 'registration', operation: 'getStatus', regId },
			// the node paces itself by its own copy of the bucket: the enterprise plan's burst of 250 holds
			// the 200 requests of 10,000 items, so the run measures CPU, not pacing
			{ batching: true, maxWait: MAX_WAIT_SECONDS, rateLimit: 'enterprise' },
		),
		nodeName: NODE,
		webhookUrl,
		items,
		regIds: seed.regIds,
	};
}

/**
 * One fresh portal and one fresh n8n process: load, a warm-up run of the same workflow, garbage
 * collected, then the measured run. A portal of its own, because the portal counts each method's
 * run time over 10 minutes: after a few runs of 10,000 status reads the node would rightly start
 * spacing its calls out, and the run would measure waiting.
 */
async function sample(kind: Kind, items: number): Promise<Sample> {
	const sandbox = Child.start('sandboxHost.ts');
	const worker = Child.start('engineWorker.ts', { exposeGc: true });
	try {
		const { webhookUrl } = await sandbox.call<{ webhookUrl: string }>('start', {
			rateLimit: false,
			latencyMs: LATENCY_MS,
		});
		const seed = await sandbox.call<Seed>('seed');
		await worker.call('load', { packageRoot: PACKAGE_ROOT });
		await worker.call<MeasureResult>('measure', request(kind, WARM_UP_ITEMS, webhookUrl, seed));
		await sandbox.call('reset', false);
		const result = await worker.call<MeasureResult>(
			'measure',
			request(kind, items, webhookUrl, seed),
		);
		const { requests } = await sandbox.call<SandboxStats>('stats');
		return { ...result, requests };
	} finally {
		await worker.stop();
		await sandbox.stop();
	}
}

interface Summary {
	kind: Kind;
	items: number;
	cpuPerItemMicros: number;
	peakRssMiB: number;
	rssBeforeMiB: number;
	wallMs: number;
	requests: number;
	failed: number;
}

function summarise(kind: Kind, items: number, samples: Sample[]): Summary {
	return {
		kind,
		items,
		cpuPerItemMicros: median(samples.map((entry) => entry.cpuMicros / items)),
		peakRssMiB: median(samples.map((entry) => entry.peakRssBytes / MIB)),
		rssBeforeMiB: median(samples.map((entry) => entry.rssBeforeBytes / MIB)),
		wallMs: median(samples.map((entry) => entry.wallMs)),
		requests: Math.max(...samples.map((entry) => entry.requests)),
		failed: Math.max(...samples.map((entry) => entry.failed)),
	};
}

function table(summaries: Summary[]): string[] {
	const header = [
		'Workflow',
		'Items',
		'CPU per item',
		'Peak RSS',
		'RSS before the run',
		'HTTP requests',
		'Failed items',
		'Wall time',
	];
	const rows: string[][] = [];
	for (const items of [...new Set(summaries.map((entry) => entry.items))]) {
		const of = (kind: Kind): Summary | undefined =>
			summaries.find((entry) => entry.items === items && entry.kind === kind);
		const [node, fixed, noop] = [of('node'), of('fixed'), of('noop')];
		for (const entry of [node, fixed, noop]) {
			if (!entry) continue;
			rows.push([
				LABELS[entry.kind],
				String(items),
				`${entry.cpuPerItemMicros.toFixed(0)} µs`,
				`${entry.peakRssMiB.toFixed(0)} MiB`,
				`${entry.rssBeforeMiB.toFixed(0)} MiB`,
				String(entry.requests),
				String(entry.failed),
				seconds(entry.wallMs),
			]);
		}
		if (node && noop) {
			rows.push([
				'**Node over the floor**',
				String(items),
				`**${(node.cpuPerItemMicros - noop.cpuPerItemMicros).toFixed(0)} µs**`,
				`**${(node.peakRssMiB - noop.peakRssMiB).toFixed(0)} MiB**`,
				'',
				'',
				'',
				'',
			]);
		}
		if (node && fixed) {
			rows.push([
				'…of it, n8n resolving `{{ $json.regId }}`',
				String(items),
				`${(node.cpuPerItemMicros - fixed.cpuPerItemMicros).toFixed(0)} µs`,
				'',
				'',
				'',
				'',
				'',
			]);
		}
	}
	return markdownTable(header, rows, [1, 2, 3, 4, 5, 6, 7]);
}

export async function floorScenario(): Promise<boolean> {
	const sizes = positiveList('BENCH_FLOOR_SIZES', [1000, 10_000]);
	const [repeats] = positiveList('BENCH_FLOOR_REPEATS', [3]);
	console.log('## Engine floor: CPU and memory per item, the node against a NoOp');
	console.log('');
	console.log(
		`Sandbox (own process, its CPU not counted, a fresh portal per run): no rate limit, and the node's Rate Limit option set to Enterprise (bursts of 250), so that the runs measure CPU, not pacing; ${LATENCY_MS} ms latency; 10 seeded cloud lines.`,
	);
	console.log(
		`Each row: the median of ${repeats} fresh processes; each loads the package, runs the same workflow with ${WARM_UP_ITEMS} items to warm up, collects garbage, then runs the measured execution. CPU per item = process.cpuUsage() (user + system, all threads) over the measured run ÷ items; peak RSS = the process's getrusage maxrss after it (loading included); RSS before the run = after warm-up and GC.`,
	);
	const summaries: Summary[] = [];
	for (const items of sizes) {
		const samples: Record<Kind, Sample[]> = { node: [], fixed: [], noop: [] };
		// alternate, so that drift of the machine touches all alike
		for (let round = 0; round < repeats; round++) {
			for (const kind of KINDS) {
				const result = await sample(kind, items);
				samples[kind].push(result);
				console.log(
					`  ${LABELS[kind]}, ${items} items, run ${round + 1}: ${(result.cpuMicros / items).toFixed(0)} µs CPU per item, peak RSS ${(result.peakRssBytes / MIB).toFixed(0)} MiB, ${result.requests} requests, ${result.failed} failed, ${seconds(result.wallMs)}`,
				);
			}
		}
		summaries.push(...KINDS.map((kind) => summarise(kind, items, samples[kind])));
	}
	console.log('');
	for (const line of table(summaries)) console.log(line);
	console.log('');
	console.log(
		'Target (reported, not asserted): the node adds under 200 µs CPU per item over the engine floor.',
	);
	console.log('');
	return summaries.every((entry) => entry.failed === 0);
}
