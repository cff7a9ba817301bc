/**
 * A child process that holds one sandbox portal, so that the portal's CPU time is not counted in
 * the measured process. The parent seeds it, resets its bucket and log, and reads what it received.
 */
import type { RateLimit } from '../../test/sandbox';
import { Bitrix24Sandbox } from '../../test/sandbox';
import { serve } from './children';
import { seedLines } from './common';

export interface SandboxStats {
	/** HTTP requests received */
	requests: number;
	/** requests answered 503 (too many requests) */
	refused: number;
	/** REST calls in them, refused ones included: a batch counts its commands */
	calls: number;
	/** the most commands one batch request carried */
	largestBatch: number;
	/** other error statuses, e.g. { "400": 3 } */
	otherErrors: Record<string, number>;
	/** epoch ms of the last reset (or the start): the times below count from it */
	resetAt: number;
	/** when each refused request arrived, in ms after the reset: whether the 503s stop or go on */
	refusedAtMs: number[];
	/** when the last request arrived, in ms after the reset; 0 without requests */
	lastRequestAtMs: number;
}

export interface SandboxStartOptions {
	rateLimit: RateLimit | false;
	latencyMs: number;
}

let sandbox: Bitrix24Sandbox | undefined;
let resetAt = Date.now();

function started(): Bitrix24Sandbox {
	if (!sandbox) throw new Error('the sandbox is not started');
	return sandbox;
}

serve(
	{
		start: async (options: SandboxStartOptions) => {
			sandbox = await Bitrix24Sandbox.start({
				rateLimit: options.rateLimit,
				latencyMs: options.latencyMs,
			});
			// another user's webhook for warm-up runs: the node keys its pacing by portal and user
			const warmUp = sandbox.addWebhook({ userId: 2 });
			resetAt = Date.now();
			return { webhookUrl: sandbox.webhook.url, warmUpWebhookUrl: warmUp.url };
		},
		seed: async () => await seedLines(started().webhook.url),
		/** empties the portal's bucket and forgets every request so far */
		reset: async (rateLimit: RateLimit | false) => {
			started().setRateLimit(rateLimit);
			started().clearLog();
			resetAt = Date.now();
			return null;
		},
		stats: async (): Promise<SandboxStats> => {
			const log = started().log;
			const otherErrors: Record<string, number> = {};
			for (const entry of log) {
				if (entry.status >= 400 && entry.status !== 503)
					otherErrors[entry.status] = (otherErrors[entry.status] ?? 0) + 1;
			}
			const sizes = log.map((entry) => entry.batchCommands?.length ?? 1);
			return {
				requests: log.length,
				refused: log.filter((entry) => entry.status === 503).length,
				calls: sizes.reduce((sum, size) => sum + size, 0),
				largestBatch: Math.max(
					0,
					...log
						.filter((entry) => entry.batchCommands)
						.map((entry) => entry.batchCommands?.length ?? 0),
				),
				otherErrors,
				resetAt,
				refusedAtMs: log.filter((entry) => entry.status === 503).map((entry) => entry.at - resetAt),
				lastRequestAtMs:
					log.reduce((latest, entry) => Math.max(latest, entry.at), resetAt) - resetAt,
			};
		},
	},
	async () => {
		await sandbox?.close();
	},
);
