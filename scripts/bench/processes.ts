/* eslint-disable no-console -- a developer script that runs in plain Node, not code shipped to n8n Cloud */
/**
 * Scenario "processes": two n8n processes (like two queue-mode workers), each with its own engine
 * and its own copy of the package, run the same trickle at the same time against one portal
 * through the same webhook. Each process paces by its own copy of the portal's bucket, so unless
 * they know of each other ("Processes Sharing the Portal") or learn from the portal's 503s, they
 * send together up to twice what the portal allows. Rows: the current build with the option left
 * at 1 and set to 2, and the build before issue 19 (before.ts) at 1. Env BENCH_PROCESSES_TRICKLE
 * (default 300/30: executions/seconds of each process).
 */
import type { IDataObject } from 'n8n-workflow';

import { PACKAGE_ROOT } from '../../test/harness/package';
import { buildBefore, PACING_BEFORE_COMMIT } from './before';
import type { Trickle } from './common';
import {
	evenOffsets,
	LATENCY_MS,
	markdownTable,
	MAX_WAIT_SECONDS,
	NODE,
	nodeWorkflow,
	printTable,
	RATE_LIMIT,
	seconds,
	trickleLabel,
	TRICKLE_OPERATION,
	TRICKLE_OPERATION_LABEL,
	trickles,
	warmUp,
	withPortal,
} from './common';
import type { TrickleRequest, TrickleResult } from './engineWorker';
import type { SandboxStats } from './sandboxHost';

const PROCESSES = 2;
/** the processes get their trickle this long before it starts, so that both start together */
const START_LEAD_MS = 300;

interface Mode {
	label: string;
	build: 'current' | 'before';
	/** "Processes Sharing the Portal"; absent: left at its default of 1 */
	processes?: number;
}

const MODES: Mode[] = [
	{ label: 'current, option left at 1', build: 'current' },
	{ label: `current, option at ${PROCESSES}`, build: 'current', processes: PROCESSES },
	{ label: `before (${PACING_BEFORE_COMMIT}), option at 1`, build: 'before' },
];

interface Measured {
	stats: SandboxStats;
	results: TrickleResult[];
	startAt: number;
}

interface Row {
	mode: Mode;
	measured?: Measured;
	skipped?: string;
}

/**
 * One measurement: a fresh portal in one child process, and two fresh n8n processes with the
 * build, each warmed up through another webhook of the portal; then both trickles at once.
 */
async function measure(mode: Mode, root: string, trickle: Trickle): Promise<Measured> {
	return await withPortal(PROCESSES, async (sandbox, workers, urls) => {
		await Promise.all(
			workers.map(async (worker) => await worker.call('load', { packageRoot: root })),
		);
		const requestOptions: IDataObject = { batching: true, maxWait: MAX_WAIT_SECONDS };
		if (mode.processes !== undefined) requestOptions.processes = mode.processes;
		const workflow = nodeWorkflow(TRICKLE_OPERATION, requestOptions);
		await warmUp(workers, sandbox, {
			workflow,
			nodeName: NODE,
			webhookUrl: urls.warmUpWebhookUrl,
			inputs: [{}],
		});
		const offsets = evenOffsets(trickle);
		const startAt = Date.now() + START_LEAD_MS;
		const results = await Promise.all(
			workers.map(
				async (worker) =>
					await worker.call<TrickleResult>('trickle', {
						workflow,
						nodeName: NODE,
						webhookUrl: urls.webhookUrl,
						inputs: offsets.map(() => ({})),
						startOffsetsMs: offsets,
						startAt,
					} satisfies TrickleRequest),
			),
		);
		const stats = await sandbox.call<SandboxStats>('stats');
		return { stats, results, startAt };
	});
}

/** From the first start in either process to the last finish in either. */
function wallMs({ results }: Measured): number {
	return (
		Math.max(...results.map((result) => result.lastFinishAt)) -
		Math.min(...results.map((result) => result.firstStartAt))
	);
}

/** When the last 503 came, in ms after the trickles started; undefined without any. */
function last503Ms({ stats, startAt }: Measured): number | undefined {
	if (stats.refusedAtMs.length === 0) return undefined;
	return stats.resetAt + Math.max(...stats.refusedAtMs) - startAt;
}

function failed({ results }: Measured): number {
	return results.reduce((sum, result) => sum + result.failed, 0);
}

function perSecond(requests: number, ms: number): string {
	return `${(requests / Math.max(1, ms / 1000)).toFixed(2)}/s`;
}

/** What the portal lets through on average over a run this long: a full burst, then its rate. */
function allowedPerSecond(ms: number): string {
	return perSecond(RATE_LIMIT.burst + (RATE_LIMIT.perSecond * ms) / 1000, ms);
}

function table(rows: Row[]): string[] {
	const header = [
		'Mode',
		'HTTP requests',
		'Calls in them',
		'503s',
		'Last 503 after the start',
		'Requests per second',
		'Portal allows',
		'Failed items',
		'Wall time',
	];
	const cells = rows.map((row) => {
		if (!row.measured) return [row.mode.label, 'skipped', '', '', '', '', '', '', ''];
		const { stats } = row.measured;
		const wall = wallMs(row.measured);
		const last = last503Ms(row.measured);
		return [
			row.mode.label,
			String(stats.requests),
			String(stats.calls),
			String(stats.refused),
			last === undefined ? '—' : seconds(last),
			perSecond(stats.requests, wall),
			allowedPerSecond(wall),
			String(failed(row.measured)),
			seconds(wall),
		];
	});
	return markdownTable(header, cells, [1, 2, 3, 4, 5, 6, 7, 8]);
}

function report(row: Row): void {
	if (!row.measured) {
		console.log(`  ${row.mode.label}: skipped — ${row.skipped}`);
		return;
	}
	const { stats, results } = row.measured;
	const last = last503Ms(row.measured);
	console.log(
		`  ${row.mode.label}: ${stats.requests} requests (${stats.calls} calls), ${stats.refused} × 503${last === undefined ? '' : ` (the last ${seconds(last)} after the start)`}, ${failed(row.measured)} failed, ${seconds(wallMs(row.measured))}`,
	);
	results.forEach((result, index) => {
		console.log(
			`    process ${index + 1}: ${result.failed} failed, ${seconds(result.wallMs)}, latest start ${result.maxLateMs.toFixed(1)} ms late`,
		);
		for (const [message, n] of Object.entries(result.errors))
			console.log(`      ${n} × ${message}`);
	});
	const other = Object.entries(stats.otherErrors);
	if (other.length > 0)
		console.log(
			`    other error statuses: ${other.map(([status, n]) => `${n} × ${status}`).join(', ')}`,
		);
}

/** Runs the scenario; resolves with false when an item of the current build failed (the before build may fail items). */
export async function processesScenario(): Promise<boolean> {
	const [trickle] = trickles('BENCH_PROCESSES_TRICKLE', [{ count: 300, seconds: 30 }]);
	console.log(
		`## Two processes: ${PROCESSES} n8n processes each trickle ${trickleLabel(trickle)} of ${TRICKLE_OPERATION_LABEL} at the same time, one portal, one webhook`,
	);
	console.log('');
	console.log(
		`Sandbox (own process, fresh per row): rate limit bursts of ${RATE_LIMIT.burst}, ${RATE_LIMIT.perSecond} requests/s; ${LATENCY_MS} ms latency; Max Wait ${MAX_WAIT_SECONDS} s. Each process is an n8n engine of its own with its own copy of the package.`,
	);
	const before = buildBefore(PACING_BEFORE_COMMIT);
	if ('skipped' in before) console.log(`  mode "before" skipped: ${before.skipped}`);
	else console.log(`  mode "before": commit ${before.commit.slice(0, 7)} built in ${before.root}`);
	const rows: Row[] = [];
	for (const mode of MODES) {
		const row: Row = { mode };
		if (mode.build === 'before' && 'skipped' in before) row.skipped = before.skipped;
		else
			row.measured = await measure(
				mode,
				mode.build === 'before' && 'root' in before ? before.root : PACKAGE_ROOT,
				trickle,
			);
		rows.push(row);
		report(row);
	}
	printTable(table(rows));
	console.log(
		`Wall time: from the first start in either process to the last finish in either. Requests per second: all HTTP requests the portal received (refused ones included) over the wall time. Portal allows: its burst of ${RATE_LIMIT.burst} and then ${RATE_LIMIT.perSecond} per second, averaged over the same time.`,
	);
	console.log(
		"Target (reported, not asserted): with the option left at 1, no 503 after the first few seconds, and together within the portal's rate.",
	);
	console.log('');
	return rows.every(
		(row) => row.mode.build !== 'current' || !row.measured || failed(row.measured) === 0,
	);
}
