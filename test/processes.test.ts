import { Child } from '../scripts/bench/children';
import type { MeasureRequest, MeasureResult } from '../scripts/bench/engineWorker';
import { nodeWorkflow, NODE } from '../scripts/bench/common';
import { PACKAGE_ROOT } from './harness/package';
import type { LogEntry } from './sandbox';
import { Bitrix24Sandbox } from './sandbox';

/**
 * Two n8n processes (like two queue-mode workers) calling one portal with the same credential,
 * each with its own engine and its own copy of the package, so nothing of the node's memory is
 * shared: they can only learn of each other through the portal's refusals. The "Processes Sharing
 * the Portal" hint is left at 1, as most users leave it.
 */

jest.setTimeout(180_000);

// a standard portal, as the node assumes by default: both processes spend the whole burst at once
const RATE = { burst: 50, perSecond: 2 };
const ITEMS = 40;
/** the first overflow: both processes' bursts meet the portal's */
const FIRST_SECONDS = 3;

function refusedAfter(log: LogEntry[], from: number): number {
	return log.filter((entry) => entry.status === 503 && entry.at >= from).length;
}

describe('two processes sharing a portal', () => {
	let sandbox: Bitrix24Sandbox | undefined;
	const workers: Child[] = [];

	afterAll(async () => {
		await Promise.all(workers.map(async (worker) => await worker.stop()));
		await sandbox?.close();
	});

	it('each slows down by itself after the portal refuses: every item done once, no refusal after the first seconds', async () => {
		sandbox = await Bitrix24Sandbox.start({ rateLimit: false });
		const line = sandbox.addLineByHand({
			type: 'cloud',
			title: 'Line 1',
			server: 'sip.example.com',
			login: 'user0',
		});
		for (let index = 0; index < 2; index++) {
			const worker = Child.start('engineWorker.ts');
			workers.push(worker);
			await worker.call('load', { packageRoot: PACKAGE_ROOT });
		}
		// one request per item: batching off, so only the pace decides, not the grouping
		const request: MeasureRequest = {
			workflow: nodeWorkflow(
				{ resource: 'registration', operation: 'getStatus', regId: '={{ $json.regId }}' },
				{ batching: false, maxWait: 600 },
			),
			nodeName: NODE,
			webhookUrl: sandbox.webhook.url,
			items: ITEMS,
			regIds: [line.regId as number],
		};
		sandbox.setRateLimit(RATE);
		sandbox.log.length = 0;
		const started = Date.now();
		const results = await Promise.all(
			workers.map(async (worker) => await worker.call<MeasureResult>('measure', request)),
		);
		const ended = Date.now();

		expect(results.map((result) => result.failed)).toEqual([0, 0]);
		const accepted = sandbox.log.filter((entry) => entry.status === 200);
		// every item's call answered exactly once: refused requests are sent again, nothing twice
		expect(accepted).toHaveLength(2 * ITEMS);
		const refused = sandbox.log.filter((entry) => entry.status === 503);
		expect(refused.length).toBeGreaterThan(0);
		// each process paced to the whole limit would keep being refused about every other request
		// after the first overflow; halving its share on the first refusal, each settles at once
		expect(refusedAfter(sandbox.log, started + FIRST_SECONDS * 1000)).toBeLessThanOrEqual(1);
		// together within the portal's rate: its burst plus 2 a second
		expect(accepted.length).toBeLessThanOrEqual(
			RATE.burst + RATE.perSecond * ((ended - started) / 1000 + 1),
		);
	});
});
