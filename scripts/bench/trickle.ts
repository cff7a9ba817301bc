/* eslint-disable no-console -- a developer script that runs in plain Node, not code shipped to n8n Cloud */
/**
 * Scenario "trickle": executions of a one-item workflow whose starts are spread evenly over some
 * seconds, as webhooks and schedules start them in real n8n, in one n8n process against a portal
 * limited like a real one. Their calls arrive one by one, which the burst (all at the same
 * instant) hides. The same trickle with a NoOp in place of the node, in a fresh process, is the
 * engine floor: what the node adds is measured over it. A lone execution on an idle portal is
 * measured the same way, several times 1 s apart. The current build, and the build before issue
 * 19 (before.ts). Env BENCH_TRICKLE (default 100/12,1000/60: executions/seconds), BENCH_TRICKLE_LONE
 * (how many lone executions, default 20; 0 leaves them out).
 */

import { PACKAGE_ROOT } from '../../test/harness/package';
import { buildBefore, PACING_BEFORE_COMMIT } from './before';
import type { Trickle } from './common';
import {
	evenOffsets,
	LATENCY_MS,
	markdownTable,
	MAX_WAIT_SECONDS,
	median,
	milliseconds,
	NODE,
	nodeWorkflow,
	printTable,
	NOOP,
	noOpWorkflow,
	percentile,
	RATE_LIMIT,
	seconds,
	trickleLabel,
	envWholeNumber,
	TRICKLE_OPERATION,
	TRICKLE_OPERATION_LABEL,
	trickles,
	warmUp,
	withPortal,
} from './common';
import type { FetchesRequest, TrickleRequest, TrickleResult } from './engineWorker';
import type { SandboxStats } from './sandboxHost';

const LONE_GAP_MS = 1000;
const LONE_TARGET_MS = 5;

/** floor: a NoOp in the node's place; bare: a plain fetch to the portal, no n8n (lone executions only) */
type Kind = 'floor' | 'bare' | 'current' | 'before';

/** what a row runs: root is the package whose dist/ is loaded; without it, why the row is skipped */
interface Build {
	kind: Kind;
	build: string;
	root?: string;
	skipped?: string;
}

interface Measured {
	stats: SandboxStats;
	result: TrickleResult;
}

interface Row {
	run: string;
	kind: Kind;
	build: string;
	/** is the lone execution's row: no wall figures */
	lone: boolean;
	measured?: Measured;
	skipped?: string;
}

function loneCount(): number {
	return envWholeNumber('BENCH_TRICKLE_LONE', 20, 0);
}

/**
 * One measurement: a fresh portal in one child process, a fresh n8n process with the build in
 * another, warmed up through another webhook of the portal, then the trickle.
 */
async function measure(kind: Kind, root: string, offsets: number[]): Promise<Measured> {
	return await withPortal(1, async (sandbox, [worker], urls) => {
		if (kind === 'bare') {
			const url = (webhookUrl: string): string =>
				`${webhookUrl}voximplant.sip.connector.status.json`;
			await worker.call('fetches', {
				url: url(urls.warmUpWebhookUrl),
				startOffsetsMs: [0, 100, 200, 300, 400],
			} satisfies FetchesRequest);
			await sandbox.call('reset', RATE_LIMIT);
			const result = await worker.call<TrickleResult>('fetches', {
				url: url(urls.webhookUrl),
				startOffsetsMs: offsets,
			} satisfies FetchesRequest);
			return { stats: await sandbox.call<SandboxStats>('stats'), result };
		}
		await worker.call('load', { packageRoot: root });
		const workflow =
			kind === 'floor'
				? noOpWorkflow()
				: nodeWorkflow(TRICKLE_OPERATION, { batching: true, maxWait: MAX_WAIT_SECONDS });
		const nodeName = kind === 'floor' ? NOOP : NODE;
		await warmUp([worker], sandbox, {
			workflow,
			nodeName,
			webhookUrl: urls.warmUpWebhookUrl,
			inputs: [{}],
		});
		const result = await worker.call<TrickleResult>('trickle', {
			workflow,
			nodeName,
			webhookUrl: urls.webhookUrl,
			inputs: offsets.map(() => ({})),
			startOffsetsMs: offsets,
		} satisfies TrickleRequest);
		const stats = await sandbox.call<SandboxStats>('stats');
		return { stats, result };
	});
}

/** Each execution's duration less the floor's median execution: what the node added to it. */
function addedLatencies(row: Row, floor: Row | undefined): number[] | undefined {
	if (!row.measured || !floor?.measured || row.kind === 'floor' || row.kind === 'bare')
		return undefined;
	const floorMedian = median(floor.measured.result.durationsMs);
	return row.measured.result.durationsMs.map((duration) => duration - floorMedian);
}

function floorOf(rows: Row[], row: Row): Row | undefined {
	return rows.find((other) => other.run === row.run && other.kind === 'floor');
}

function table(rows: Row[]): string[] {
	const header = [
		'Run',
		'Build',
		'HTTP requests',
		'Calls in them',
		'503s',
		'Failed items',
		'Wall time',
		'Added wall',
		'Execution (median)',
		'Added latency median',
		'p95',
		'max',
	];
	const cells = rows.map((row) => {
		if (!row.measured) return [row.run, row.build, 'skipped', '', '', '', '', '', '', '', '', ''];
		const { stats, result } = row.measured;
		const floor = floorOf(rows, row);
		const added = addedLatencies(row, floor);
		const addedWall =
			(row.kind === 'current' || row.kind === 'before') && !row.lone && floor?.measured
				? seconds(result.wallMs - floor.measured.result.wallMs)
				: '—';
		return [
			row.run,
			row.build,
			String(stats.requests),
			String(stats.calls),
			String(stats.refused),
			String(result.failed),
			row.lone ? '—' : seconds(result.wallMs),
			addedWall,
			milliseconds(median(result.durationsMs)),
			added ? milliseconds(median(added)) : '—',
			added ? milliseconds(percentile(added, 0.95)) : '—',
			added ? milliseconds(Math.max(...added)) : '—',
		];
	});
	return markdownTable(header, cells, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
}

/** The targets of issue 19, each with what the current build measured; reported, not asserted. */
function targets(rows: Row[], runs: Trickle[], lone: number): string[] {
	const lines: string[] = [];
	for (const trickle of runs) {
		const run = trickleLabel(trickle);
		const allowed = 2 + RATE_LIMIT.perSecond * trickle.seconds;
		let measured = 'not measured';
		const current = rows.find((row) => row.run === run && row.kind === 'current');
		const floor = current && floorOf(rows, current);
		if (current?.measured && floor?.measured) {
			const { stats, result } = current.measured;
			measured = `${stats.refused} × 503, added wall ${seconds(result.wallMs - floor.measured.result.wallMs)}, ${stats.requests} requests`;
		}
		lines.push(
			`- Trickle ${run}: 0 × 503, added wall ≤ 1 s over the floor, requests ≤ 2 + ${RATE_LIMIT.perSecond} per second of the trickle (${allowed}). Current build: ${measured}.`,
		);
	}
	if (lone > 0) {
		const current = rows.find((row) => row.lone && row.kind === 'current');
		const bare = rows.find((row) => row.lone && row.kind === 'bare');
		const added = current && addedLatencies(current, floorOf(rows, current));
		let measured = 'not measured';
		if (added && bare?.measured) {
			const roundTrip = median(bare.measured.result.durationsMs);
			measured = `${milliseconds(median(added))} added, less the bare request's ${milliseconds(roundTrip)}: ${milliseconds(median(added) - roundTrip)}`;
		}
		lines.push(
			`- A lone execution on an idle portal: the node adds ≤ ${LONE_TARGET_MS} ms over the floor and the portal's round trip (medians). Current build: ${measured}.`,
		);
	}
	return lines;
}

function report(row: Row): void {
	if (!row.measured) {
		console.log(`  ${row.run}, ${row.build}: skipped — ${row.skipped}`);
		return;
	}
	const { stats, result } = row.measured;
	console.log(
		`  ${row.run}, ${row.build}: ${stats.requests} requests (${stats.calls} calls), ${stats.refused} × 503, ${result.failed} failed, ${seconds(result.wallMs)}, execution median ${milliseconds(median(result.durationsMs))}, latest start ${milliseconds(result.maxLateMs)} late`,
	);
	const other = Object.entries(stats.otherErrors);
	if (other.length > 0)
		console.log(
			`    other error statuses: ${other.map(([status, n]) => `${n} × ${status}`).join(', ')}`,
		);
	for (const [message, n] of Object.entries(result.errors)) console.log(`    ${n} × ${message}`);
}

/** Runs the scenario; resolves with false when an item of the current build failed (the before build may fail items). */
export async function trickleScenario(): Promise<boolean> {
	const runs = trickles('BENCH_TRICKLE', [
		{ count: 100, seconds: 12 },
		{ count: 1000, seconds: 60 },
	]);
	const lone = loneCount();
	console.log(
		`## Trickle: executions of ${TRICKLE_OPERATION_LABEL} whose starts are spread evenly over some seconds, in one n8n process`,
	);
	console.log('');
	console.log(
		`Sandbox (own process, fresh per row): rate limit bursts of ${RATE_LIMIT.burst}, ${RATE_LIMIT.perSecond} requests/s; ${LATENCY_MS} ms latency; Max Wait ${MAX_WAIT_SECONDS} s. Runs: ${runs.map(trickleLabel).join(', ')}${lone > 0 ? `; a lone execution ${lone} times, ${LONE_GAP_MS / 1000} s apart` : ''}.`,
	);
	const before = buildBefore(PACING_BEFORE_COMMIT);
	if ('skipped' in before) console.log(`  build "before" skipped: ${before.skipped}`);
	else console.log(`  build "before": commit ${before.commit.slice(0, 7)} built in ${before.root}`);
	const builds: Build[] = [
		{ kind: 'floor', build: 'floor (NoOp)', root: PACKAGE_ROOT },
		{ kind: 'current', build: 'current', root: PACKAGE_ROOT },
		'skipped' in before
			? { kind: 'before', build: `before (${PACING_BEFORE_COMMIT})`, skipped: before.skipped }
			: { kind: 'before', build: `before (${before.commit.slice(0, 7)})`, root: before.root },
	];
	const plans: Array<{ run: string; lone: boolean; offsets: number[] }> = runs.map((trickle) => ({
		run: trickleLabel(trickle),
		lone: false,
		offsets: evenOffsets(trickle),
	}));
	if (lone > 0) {
		plans.push({
			run: `lone execution on an idle portal (${lone} × ${LONE_GAP_MS / 1000} s apart)`,
			lone: true,
			offsets: Array.from({ length: lone }, (_, index) => index * LONE_GAP_MS),
		});
	}
	// the lone execution's figure is a few ms: the portal's round trip is measured too, to take it out
	const bare: Build = {
		kind: 'bare',
		build: 'bare HTTP request (fetch, no n8n)',
		root: PACKAGE_ROOT,
	};
	const rows: Row[] = [];
	for (const plan of plans) {
		for (const { kind, build, root, skipped } of plan.lone
			? [builds[0], bare, ...builds.slice(1)]
			: builds) {
			const row: Row = { run: plan.run, kind, build, lone: plan.lone };
			if (root === undefined) row.skipped = skipped;
			else row.measured = await measure(kind, root, plan.offsets);
			rows.push(row);
			report(row);
		}
	}
	printTable(table(rows));
	console.log(
		"Wall time: from the first start to the last finish. Added wall: over the floor of the same run. Added latency: each execution's own duration less the floor's median execution (the floor is n8n running a NoOp in its place, in a fresh process); it includes the portal's round trip, which the bare request's row shows (Node's fetch at the same moments, from a fresh process, no n8n).",
	);
	console.log('Targets (reported, not asserted):');
	for (const line of targets(rows, runs, lone)) console.log(line);
	console.log('');
	return rows.every(
		(row) => row.kind !== 'current' || !row.measured || row.measured.result.failed === 0,
	);
}
