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
			const options = node.description.properties.find((property) => property.name === 'requestOptions');
			return { requestOptions: (options?.options as INodeProperties[] | undefined)?.map((option) => option.name) ?? [] };
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
			const errors: Record<string, number> = {};
			let failed = 0;
			for (const result of results) {
				const count = failedItems(result, request.nodeName, 1);
				failed += count;
				const message = firstError(result, request.nodeName);
				if (count > 0 && message !== undefined) errors[message] = (errors[message] ?? 0) + count;
			}
			return { wallMs: lastFinish - started, failed, errors };
		},

		measure: async (request: MeasureRequest): Promise<MeasureResult> => {
			const input = Array.from({ length: request.items }, (_, index) => ({
				json: { regId: request.regIds[index % request.regIds.length] },
			}));
			collectGarbage();
			const rssBeforeBytes = process.memoryUsage().rss;
			const cpu = process.cpuUsage();
			const started = process.hrtime.bigint();
			const result = await loaded().run(request.workflow, { input, credentials: credentials(request.webhookUrl) });
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
