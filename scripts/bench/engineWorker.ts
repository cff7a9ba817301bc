/* eslint-disable @n8n/community-nodes/no-restricted-globals -- a developer script that runs in plain Node, not code shipped to n8n Cloud */
/**
 * A child process with one n8n engine (test/harness/engine.ts) and one build of the package: it
 * runs the workflows the parent sends and reports times, failures, CPU and memory of this process.
 */
import type { ICredentialDataDecryptedObject, IDataObject, INodeProperties } from 'n8n-workflow';

import type { RunResult, WorkflowJson } from '../../test/harness/engine';
import { Engine, shutdownEngine } from '../../test/harness/engine';
import { loadPackage } from '../../test/harness/package';
import { serve } from './children';
import { failedItems, firstError } from './common';

export interface RunRequest {
	workflow: WorkflowJson;
	/** the node whose items are counted */
	nodeName: string;
	webhookUrl: string;
}

export interface ExecutionsRequest extends RunRequest {
	/** one execution per entry, each started with that one item, all at once */
	inputs: IDataObject[];
}

export interface ExecutionsResult {
	/** from the first start to the last finish */
	wallMs: number;
	failed: number;
	/** error message → how many items failed with it */
	errors: Record<string, number>;
}

export interface TrickleRequest extends RunRequest {
	/** one execution per entry, each started with that one item */
	inputs: IDataObject[];
	/** execution i starts startOffsetsMs[i] after the request arrives (or after startAt) */
	startOffsetsMs: number[];
	/** epoch ms the offsets count from instead, so that several processes start together */
	startAt?: number;
}

export interface TrickleResult extends ExecutionsResult {
	/** each execution's own time from its start to its finish, in the order of the inputs */
	durationsMs: number[];
	/** epoch ms of the first start and the last finish, to line processes up with each other and the portal's log */
	firstStartAt: number;
	lastFinishAt: number;
	/** how much later than planned the latest-starting execution started: a busy process starts late */
	maxLateMs: number;
}

export interface FetchesRequest {
	url: string;
	/** request i is sent startOffsetsMs[i] after the request arrives */
	startOffsetsMs: number[];
}

export interface MeasureRequest extends RunRequest {
	/** one execution with this many items; item i is { regId: regIds[i % regIds.length] } */
	items: number;
	regIds: number[];
}

export interface MeasureResult {
	items: number;
	failed: number;
	wallMs: number;
	/** user + system CPU time of this process during the run (all its threads, GC included) */
	cpuMicros: number;
	/** resident set after loading, warming up and collecting garbage, right before the run */
	rssBeforeBytes: number;
	/** the process's peak resident set so far (getrusage maxrss) */
	peakRssBytes: number;
}

let engine: Engine | undefined;

function loaded(): Engine {
	if (!engine) throw new Error('no package loaded');
	return engine;
}

function credentials(webhookUrl: string): Record<string, ICredentialDataDecryptedObject> {
	return { bitrix24WebhookApi: { webhookUrl } };
}

/** The items that failed, and how many failed with each message. */
function tally(
	results: RunResult[],
	nodeName: string,
): Pick<ExecutionsResult, 'failed' | 'errors'> {
	const errors: Record<string, number> = {};
	let failed = 0;
	for (const result of results) {
		const count = failedItems(result, nodeName, 1);
		failed += count;
		const message = firstError(result, nodeName);
		if (count > 0 && message !== undefined) errors[message] = (errors[message] ?? 0) + count;
	}
	return { failed, errors };
}

interface Timed<T> {
	value: T;
	startedAt: number;
	durationMs: number;
	finishedAt: number;
	lateMs: number;
}

/**
 * Starts work i at offsetsMs[i] after origin (epoch ms) and times each with the monotonic clock
 * (sub-millisecond: a lone execution's added latency is a few ms); the epoch times are for lining
 * up with other processes and the portal's log.
 */
async function spread<T>(
	origin: number,
	offsetsMs: number[],
	work: (index: number) => Promise<T>,
): Promise<Array<Timed<T>>> {
	return await Promise.all(
		offsetsMs.map(
			async (offset, index) =>
				await new Promise<Timed<T>>((resolve, reject) => {
					const due = origin + offset;
					setTimeout(
						() => {
							const startedAt = Date.now();
							const started = performance.now();
							work(index).then((value) => {
								const durationMs = performance.now() - started;
								resolve({
									value,
									startedAt,
									durationMs,
									finishedAt: Date.now(),
									lateMs: startedAt - due,
								});
							}, reject);
						},
						Math.max(0, due - Date.now()),
					);
				}),
		),
	);
}

function timings<T>(
	timed: Array<Timed<T>>,
): Pick<TrickleResult, 'wallMs' | 'durationsMs' | 'firstStartAt' | 'lastFinishAt' | 'maxLateMs'> {
	const firstStartAt = Math.min(...timed.map((entry) => entry.startedAt));
	const lastFinishAt = Math.max(...timed.map((entry) => entry.finishedAt));
	return {
		wallMs: lastFinishAt - firstStartAt,
		durationsMs: timed.map((entry) => entry.durationMs),
		firstStartAt,
		lastFinishAt,
		maxLateMs: Math.max(0, ...timed.map((entry) => entry.lateMs)),
	};
}

function collectGarbage(): void {
	const gc = (globalThis as { gc?: () => void }).gc;
	gc?.();
	gc?.();
}

serve(
	{
		/** Loads the build in packageRoot (its dist/); answers with the node's Request Options, to tell builds apart. */
		load: async ({ packageRoot }: { packageRoot: string }) => {
			engine = new Engine(loadPackage(packageRoot));
			const node = Object.values(engine.loaded.nodes)[0];
			const options = node.description.properties.find(
				(property) => property.name === 'requestOptions',
			);
			return {
				requestOptions:
					(options?.options as INodeProperties[] | undefined)?.map((option) => option.name) ?? [],
			};
		},

		executions: async (request: ExecutionsRequest): Promise<ExecutionsResult> => {
			const started = Date.now();
			let lastFinish = started;
			const results = await Promise.all(
				request.inputs.map(async (json) => {
					const result: RunResult = await loaded().run(request.workflow, {
						input: [{ json }],
						credentials: credentials(request.webhookUrl),
					});
					lastFinish = Math.max(lastFinish, Date.now());
					return result;
				}),
			);
			return { wallMs: lastFinish - started, ...tally(results, request.nodeName) };
		},

		/** Executions that arrive one by one, as webhooks and schedules start them in real n8n. */
		trickle: async (request: TrickleRequest): Promise<TrickleResult> => {
			const timed = await spread(
				request.startAt ?? Date.now(),
				request.startOffsetsMs,
				async (index) => {
					const input = [{ json: request.inputs[index] }];
					return await loaded().run(request.workflow, {
						input,
						credentials: credentials(request.webhookUrl),
					});
				},
			);
			return {
				...tally(
					timed.map((entry) => entry.value),
					request.nodeName,
				),
				...timings(timed),
			};
		},

		/**
		 * The same starts, each a bare HTTP request with Node's fetch, no n8n: the portal's round trip
		 * from this process, which a node that calls the portal cannot go below.
		 */
		fetches: async (request: FetchesRequest): Promise<TrickleResult> => {
			const timed = await spread(Date.now(), request.startOffsetsMs, async () => {
				const answer = await fetch(request.url);
				await answer.arrayBuffer();
				return answer.status;
			});
			const failed = timed.filter((entry) => entry.value !== 200).length;
			const errors: Record<string, number> = {};
			for (const { value } of timed)
				if (value !== 200) errors[`HTTP ${value}`] = (errors[`HTTP ${value}`] ?? 0) + 1;
			return { failed, errors, ...timings(timed) };
		},

		measure: async (request: MeasureRequest): Promise<MeasureResult> => {
			const input = Array.from({ length: request.items }, (_, index) => ({
				json: { regId: request.regIds[index % request.regIds.length] },
			}));
			collectGarbage();
			const rssBeforeBytes = process.memoryUsage().rss;
			const cpu = process.cpuUsage();
			const started = process.hrtime.bigint();
			const result = await loaded().run(request.workflow, {
				input,
				credentials: credentials(request.webhookUrl),
			});
			const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
			const used = process.cpuUsage(cpu);
			return {
				items: request.items,
				failed: failedItems(result, request.nodeName, request.items),
				wallMs,
				cpuMicros: used.user + used.system,
				rssBeforeBytes,
				// maxRSS is in kilobytes
				peakRssBytes: process.resourceUsage().maxRSS * 1024,
			};
		},
	},
	() => {
		if (engine) shutdownEngine();
	},
);
