/* eslint-disable no-console -- a developer script that runs in plain Node, not code shipped to n8n Cloud */
/**
 * Scenario "burst": many executions of a one-item workflow started at once in one n8n process,
 * against a portal limited like a real one. Merging on (the default), merging off, and the
 * package as it was before (a bucket per execution, no merging). Env BENCH_BURST_EXECUTIONS
 * (default 200).
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { PACKAGE_ROOT } from '../../test/harness/package';
import { BEFORE_COMMIT, buildBefore } from './before';
import type { Seed } from './common';
import {
	envWholeNumber,
	LATENCY_MS,
	markdownTable,
	MAX_WAIT_SECONDS,
	NODE,
	nodeWorkflow,
	printTable,
	RATE_LIMIT,
	seconds,
	withPortal,
} from './common';
import type { ExecutionsRequest, ExecutionsResult } from './engineWorker';
import type { SandboxStats } from './sandboxHost';

const MERGE_OPTION = 'mergeExecutions';

interface Operation {
	label: string;
	parameters: INodeParameters;
	input(index: number, seed: Seed): IDataObject;
}

const OPERATIONS: Operation[] = [
	{
		// office lines: the portal's cap of 10 is for cloud lines only
		label: 'Line → Create (office, unique title)',
		parameters: {
			resource: 'line',
			operation: 'create',
			type: 'office',
			title: '={{ $json.title }}',
			server: 'pbx.bench.test',
			login: '={{ $json.login }}',
			password: 'bench-secret',
		},
		input: (index) => ({ title: `Burst line ${index}`, login: `burst_${index}` }),
	},
	{
		label: 'Registration → Get Status',
		parameters: { resource: 'registration', operation: 'getStatus', regId: '={{ $json.regId }}' },
		input: (index, seed) => ({ regId: seed.regIds[index % seed.regIds.length] }),
	},
];

interface Mode {
	label: string;
	/** which build: this repository's dist/, or the one before the change */
	build: 'current' | 'before';
	requestOptions: IDataObject;
}

const MODES: Mode[] = [
	{
		label: 'merging on (default)',
		build: 'current',
		requestOptions: { batching: true, maxWait: MAX_WAIT_SECONDS },
	},
	{
		label: 'merging off',
		build: 'current',
		requestOptions: { batching: true, maxWait: MAX_WAIT_SECONDS, [MERGE_OPTION]: false },
	},
	{
		label: `before (${BEFORE_COMMIT})`,
		build: 'before',
		requestOptions: { batching: true, maxWait: MAX_WAIT_SECONDS },
	},
];

interface Row {
	operation: string;
	mode: string;
	stats?: SandboxStats;
	result?: ExecutionsResult;
	skipped?: string;
}

function executions(): number {
	return envWholeNumber('BENCH_BURST_EXECUTIONS', 200, 1);
}

/**
 * One measurement: a fresh portal in one child process, a fresh n8n process with the build in
 * another. A warm-up execution through another webhook user (so not in the same bucket) loads
 * and compiles the code first; the portal's bucket and log are emptied after it.
 */
async function measure(
	operation: Operation,
	mode: Mode,
	root: string,
	count: number,
): Promise<Row> {
	const row: Row = { operation: operation.label, mode: mode.label };
	return await withPortal(1, async (sandbox, [worker], urls) => {
		const seed = await sandbox.call<Seed>('seed');
		const { requestOptions } = await worker.call<{ requestOptions: string[] }>('load', {
			packageRoot: root,
		});
		// without the option, "merging on" would measure the old behaviour under a new name
		if (mode.build === 'current' && !requestOptions.includes(MERGE_OPTION)) {
			row.skipped = `the build in ${root}/dist has no "${MERGE_OPTION}" request option yet (run npm run build after the transport change)`;
			return row;
		}
		const workflow = nodeWorkflow(operation.parameters, mode.requestOptions);
		await worker.call<ExecutionsResult>('executions', {
			workflow,
			nodeName: NODE,
			webhookUrl: urls.warmUpWebhookUrl,
			inputs: [operation.input(count, seed)],
		} satisfies ExecutionsRequest);
		await sandbox.call('reset', RATE_LIMIT);
		row.result = await worker.call<ExecutionsResult>('executions', {
			workflow,
			nodeName: NODE,
			webhookUrl: urls.webhookUrl,
			inputs: Array.from({ length: count }, (_, index) => operation.input(index, seed)),
		} satisfies ExecutionsRequest);
		row.stats = await sandbox.call<SandboxStats>('stats');
		return row;
	});
}

/** The least time the portal's bucket allows for this many accepted requests: a full burst, then perSecond. */
function bucketMinimumMs(accepted: number): number {
	return (Math.max(0, accepted - RATE_LIMIT.burst) / RATE_LIMIT.perSecond) * 1000;
}

function table(rows: Row[]): string[] {
	const header = [
		'Operation',
		'Mode',
		'HTTP requests',
		'Calls in them',
		'Largest batch',
		'503s',
		'Failed items',
		'Wall time',
		'Bucket minimum',
	];
	const cells = rows.map((row) => {
		if (!row.stats || !row.result)
			return [row.operation, row.mode, 'skipped', '', '', '', '', '', ''];
		return [
			row.operation,
			row.mode,
			String(row.stats.requests),
			String(row.stats.calls),
			row.stats.largestBatch > 0 ? String(row.stats.largestBatch) : '—',
			String(row.stats.refused),
			String(row.result.failed),
			seconds(row.result.wallMs),
			seconds(bucketMinimumMs(row.stats.requests - row.stats.refused)),
		];
	});
	return markdownTable(header, cells, [2, 3, 4, 5, 6, 7, 8]);
}

/** Runs the scenario; resolves with false when an item failed in a merging mode (the before build may fail items). */
export async function burstScenario(): Promise<boolean> {
	const count = executions();
	console.log(
		`## Burst: ${count} executions of a one-item workflow started at once in one n8n process`,
	);
	console.log('');
	console.log(
		`Sandbox (own process): rate limit bursts of ${RATE_LIMIT.burst}, ${RATE_LIMIT.perSecond} requests/s; ${LATENCY_MS} ms latency; Max Wait ${MAX_WAIT_SECONDS} s; 10 seeded cloud lines.`,
	);
	const before = buildBefore();
	if ('skipped' in before) console.log(`  mode "before" skipped: ${before.skipped}`);
	else console.log(`  mode "before": commit ${before.commit.slice(0, 7)} built in ${before.root}`);
	const rows: Row[] = [];
	for (const operation of OPERATIONS) {
		for (const mode of MODES) {
			let row: Row;
			if (mode.build === 'before' && 'skipped' in before)
				row = { operation: operation.label, mode: mode.label, skipped: before.skipped };
			else
				row = await measure(
					operation,
					mode,
					mode.build === 'before' && 'root' in before ? before.root : PACKAGE_ROOT,
					count,
				);
			rows.push(row);
			if (row.skipped) {
				console.log(`  ${operation.label}, ${mode.label}: skipped — ${row.skipped}`);
				continue;
			}
			const { stats, result } = row as Required<Row>;
			console.log(
				`  ${operation.label}, ${mode.label}: ${stats.requests} requests (${stats.calls} calls), ${stats.refused} × 503, ${result.failed} failed, ${seconds(result.wallMs)}`,
			);
			const other = Object.entries(stats.otherErrors);
			if (other.length > 0)
				console.log(
					`    other error statuses: ${other.map(([status, n]) => `${n} × ${status}`).join(', ')}`,
				);
			for (const [message, n] of Object.entries(result.errors))
				console.log(`    ${n} × ${message}`);
		}
	}
	printTable(table(rows));
	console.log(
		`Bucket minimum: the least time the portal's bucket allows for the requests it accepted (the first ${RATE_LIMIT.burst} at once, then ${RATE_LIMIT.perSecond} per second).`,
	);
	console.log(
		`Targets (reported, not asserted): merging on — at most 10 HTTP requests, no 503, no failed item, within 2 s; merging off — no 503 and about as long as the rate limit demands (${count} requests: ~${Math.round(bucketMinimumMs(count) / 1000)} s).`,
	);
	console.log('');
	return rows.every(
		(row) => row.result === undefined || row.mode.startsWith('before') || row.result.failed === 0,
	);
}
