/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- a developer script that runs in plain Node, not code shipped to n8n Cloud */
/** What the bench scenarios share: the portal's settings, seeding, the workflow and the tables. */
import os from 'node:os';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import type { RunResult, WorkflowJson } from '../../test/harness/engine';
import { NODE, sipWorkflow } from '../../test/harness/workflows';
import { Child } from './children';
import type { ExecutionsRequest, TrickleRequest } from './engineWorker';
import type { SandboxStats } from './sandboxHost';

export { NODE };

/** the leaky bucket of most plans */
export const RATE_LIMIT = { burst: 50, perSecond: 2 };
export const LATENCY_MS = 20;
export const MAX_WAIT_SECONDS = 1200;
/** a portal holds at most 10 cloud lines */
export const SEED_LINES = 10;

/** What the trickle scenarios run: one call per execution, nothing to seed. */
export const TRICKLE_OPERATION_LABEL = 'Connector → Get Status';
export const TRICKLE_OPERATION: INodeParameters = { resource: 'connector', operation: 'getStatus' };

/** A whole number from the environment, or the fallback when the variable is unset or empty. */
export function envWholeNumber(name: string, fallback: number, min: number): number {
	const text = process.env[name]?.trim();
	if (!text) return fallback;
	const value = Number(text);
	if (!Number.isInteger(value) || value < min)
		throw new Error(`${name} must be a whole number of at least ${min}; got "${text}"`);
	return value;
}

export interface Seed {
	configIds: number[];
	regIds: number[];
}

/** Start → Bitrix24 SIP (the tests' workflow); failed items become error items, so that they can be counted. */
export function nodeWorkflow(
	parameters: INodeParameters,
	requestOptions: IDataObject,
): WorkflowJson {
	return sipWorkflow(
		{ ...parameters, requestOptions: requestOptions as INodeParameters },
		{ continueOnFail: true },
	);
}

export const NOOP = 'No Operation';

/** Start → NoOp: what the engine costs per item with a node that does nothing. */
export function noOpWorkflow(): WorkflowJson {
	return {
		id: 'bench-floor',
		name: 'Engine floor',
		connections: { Start: { main: [[{ node: NOOP, type: 'main', index: 0 }]] } },
		nodes: [
			// the same Start as the node's workflow, so that only the second node differs
			sipWorkflow({}).nodes[0],
			{
				id: 'noop',
				name: NOOP,
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [220, 0],
				parameters: {},
			},
		],
	};
}

/** Items of one node's run that did not succeed: error items, missing items, or all if the node stopped. */
export function failedItems(result: RunResult, nodeName: string, items: number): number {
	if (result.nodeError(nodeName) !== undefined || result.error !== undefined) return items;
	const output = result.output(nodeName);
	return (
		output.filter((item) => item.json.error !== undefined).length +
		Math.max(0, items - output.length)
	);
}

/** The first error message of a run, to show why items failed. */
export function firstError(result: RunResult, nodeName: string): string | undefined {
	const stopped = result.nodeError(nodeName) ?? result.error;
	if (stopped) return stopped.message;
	const item = result.output(nodeName).find((entry) => entry.json.error !== undefined);
	if (!item) return undefined;
	const error = item.json.error as IDataObject | string;
	return typeof error === 'string' ? error : String(error.message ?? JSON.stringify(error));
}

/** Creates the cloud lines through the sandbox's HTTP API in one batch request. */
export async function seedLines(webhookUrl: string, count = SEED_LINES): Promise<Seed> {
	const cmd: Record<string, string> = {};
	for (let index = 1; index <= count; index++) {
		const query = new URLSearchParams({
			TYPE: 'cloud',
			TITLE: `Bench line ${index}`,
			SERVER: 'sip.bench.test',
			LOGIN: `bench_${index}`,
			PASSWORD: 'bench-secret',
		});
		cmd[`l${index}`] = `voximplant.sip.add?${query.toString()}`;
	}
	const answer = await fetch(`${webhookUrl}batch.json`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ halt: 1, cmd }),
	});
	const body = (await answer.json()) as {
		result?: { result?: Record<string, { CONFIG_ID: string; REG_ID: number }> };
	};
	const lines = Object.values(body.result?.result ?? {});
	if (lines.length !== count)
		throw new Error(`seeding the sandbox failed: ${JSON.stringify(body).slice(0, 300)}`);
	return {
		configIds: lines.map((line) => Number(line.CONFIG_ID)),
		regIds: lines.map((line) => Number(line.REG_ID)),
	};
}

export function seconds(ms: number): string {
	return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function machine(): string {
	const cpus = os.cpus();
	const memory = `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`;
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const core = (require('n8n-core/package.json') as { version: string }).version;
	return `${os.type()} ${os.release()} (${os.arch()}), ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${memory}, Node ${process.version}, n8n-core ${core}`;
}

/** Prints a table between blank lines, as every scenario ends its report. */
export function printTable(lines: string[]): void {
	// eslint-disable-next-line no-console -- the bench reports on the console
	console.log(['', ...lines, ''].join('\n'));
}

/** A markdown table; `right` names the columns that hold numbers. */
export function markdownTable(header: string[], rows: string[][], right: number[] = []): string[] {
	const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
	const rule = header.map((_, index) => (right.includes(index) ? '---:' : '---'));
	return [line(header), line(rule), ...rows.map(line)];
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The value at fraction p (0–1) of the values, by the nearest rank. */
export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function milliseconds(ms: number): string {
	return `${ms.toFixed(1)} ms`;
}

/** Executions whose starts are spread evenly over some seconds. */
export interface Trickle {
	count: number;
	seconds: number;
}

/** Reads a list like `100/12,1000/60` (executions over seconds) from the environment. */
export function trickles(name: string, fallback: Trickle[]): Trickle[] {
	const text = process.env[name]?.trim();
	if (!text) return fallback;
	return text
		.split(/[\s,]+/)
		.filter(Boolean)
		.map((part) => {
			const [count, over, rest] = part.split('/').map(Number);
			if (
				rest !== undefined ||
				!Number.isInteger(count) ||
				count < 1 ||
				!Number.isFinite(over) ||
				over < 0
			) {
				throw new Error(
					`${name} must be executions/seconds pairs separated by commas, e.g. 100/12,1000/60; got "${text}"`,
				);
			}
			return { count, seconds: over };
		});
}

/** Start offsets: the first execution at 0, the last at the trickle's end, the others evenly between. */
export function evenOffsets({ count, seconds: over }: Trickle): number[] {
	if (count === 1) return [0];
	return Array.from({ length: count }, (_, index) => (index * over * 1000) / (count - 1));
}

export function trickleLabel({ count, seconds: over }: Trickle): string {
	return `${count} over ${over} s`;
}

const WARM_UP_AT_ONCE = 20;
const WARM_UP_ONE_BY_ONE = 5;

/**
 * Runs the workflow through the portal's warm-up webhook before a measurement, so that loading and
 * compiling are not measured: executions at once (merged calls) and a few one by one (lone calls).
 * Then waits until the requests this made have drained from the node's copy of the bucket, which
 * the portal's reset does not empty, and resets the portal's bucket and log.
 */
export async function warmUp(
	workers: Child[],
	sandbox: Child,
	request: ExecutionsRequest,
): Promise<void> {
	for (const worker of workers) {
		await worker.call('executions', {
			...request,
			inputs: Array.from({ length: WARM_UP_AT_ONCE }, () => request.inputs[0]),
		} satisfies ExecutionsRequest);
		await worker.call('trickle', {
			...request,
			inputs: Array.from({ length: WARM_UP_ONE_BY_ONE }, () => request.inputs[0]),
			startOffsetsMs: Array.from({ length: WARM_UP_ONE_BY_ONE }, (_, index) => index * 100),
		} satisfies TrickleRequest);
	}
	const { requests } = await sandbox.call<SandboxStats>('stats');
	// each process's copy holds at most all of them; a little more, as the node keeps one place of slack
	await new Promise((resolve) =>
		setTimeout(resolve, (requests / RATE_LIMIT.perSecond) * 1000 + 250),
	);
	await sandbox.call('reset', RATE_LIMIT);
}

export interface PortalUrls {
	webhookUrl: string;
	/** another webhook user of the same portal: warming up through it leaves the measured one fresh */
	warmUpWebhookUrl: string;
}

/**
 * Runs `measure` with a fresh sandbox portal (RATE_LIMIT, LATENCY_MS) and `engines` fresh n8n
 * engine processes, each a child process of its own, and stops them all afterwards.
 */
export async function withPortal<T>(
	engines: number,
	measure: (sandbox: Child, workers: Child[], urls: PortalUrls) => Promise<T>,
): Promise<T> {
	const sandbox = Child.start('sandboxHost.ts');
	const workers = Array.from({ length: engines }, () => Child.start('engineWorker.ts'));
	try {
		const urls = await sandbox.call<PortalUrls>('start', {
			rateLimit: RATE_LIMIT,
			latencyMs: LATENCY_MS,
		});
		return await measure(sandbox, workers, urls);
	} finally {
		await Promise.all(workers.map(async (worker) => await worker.stop()));
		await sandbox.stop();
	}
}
