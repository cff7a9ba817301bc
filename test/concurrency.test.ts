import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { NodeRun } from './helpers/portal';
import { createOffice, TestPortal } from './helpers/portal';
import type { LogEntry } from './sandbox';

/**
 * Many executions at once in one process, as a busy n8n runs them: one pace per portal, calls of
 * the same credential merged into shared batches, and every answer back with its own execution
 * and item. Counts and outcomes are asserted, never durations.
 */

// the registry the node uses, loaded from the build the engine runs: the same module instance
// eslint-disable-next-line @typescript-eslint/no-require-imports
const registry = require('../dist/nodes/shared/transport/registry') as {
	pruneIdle(now?: number): void;
	registrySize(): { portals: number; webhooks: number };
	IDLE_MS: number;
};

const STANDARD = { burst: 50, perSecond: 2 };

const getStatus = (regId: number, requestOptions: IDataObject = {}): IDataObject => ({
	resource: 'registration',
	operation: 'getStatus',
	regId,
	requestOptions,
});

/** Commands per request: a plain call counts 1. */
const commandsPer = (log: LogEntry[]): number[] =>
	log.map((entry) => entry.batchCommands?.length ?? 1);

describe('many executions at once in one process', () => {
	let portal: TestPortal | undefined;

	afterEach(async () => {
		await portal?.close();
		portal = undefined;
	});

	const cloudLines = (sandboxPortal: TestPortal, count: number) =>
		Array.from({ length: count }, (_, index) =>
			sandboxPortal.sandbox.addLineByHand({
				type: 'cloud',
				title: `Cloud ${index}`,
				server: 'sip.example.com',
				login: `user${index}`,
			}),
		);

	it('merges the calls of concurrent executions into shared batches; each gets its own answer', async () => {
		portal = await TestPortal.start({ latencyMs: 20 });
		const lines = cloudLines(portal, 10);
		const runs = await Promise.all(
			lines.map((line) => (portal as TestPortal).run(getStatus(line.regId as number), [{}, {}])),
		);

		runs.forEach((run, index) => {
			expect(run.failure).toBeUndefined();
			expect(run.json).toHaveLength(2);
			for (const item of run.json) expect(item.REG_ID).toBe(lines[index].regId);
			expect(run.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		});
		// 20 calls of 10 executions: fewer requests than executions, and a batch carried several executions' calls
		expect(portal.sandbox.log.length).toBeLessThan(10);
		const regIdsPerBatch = portal.sandbox.log.map(
			(entry) =>
				new Set((entry.batchCommands ?? []).map((command) => String(command.params.REG_ID))).size,
		);
		expect(Math.max(...regIdsPerBatch)).toBeGreaterThan(1);
		expect(commandsPer(portal.sandbox.log).reduce((a, b) => a + b, 0)).toBe(20);
	});

	it('with "Merge Concurrent Executions" off, every execution sends its own requests', async () => {
		portal = await TestPortal.start({ latencyMs: 20 });
		const lines = cloudLines(portal, 10);
		const runs = await Promise.all(
			lines.map((line) =>
				(portal as TestPortal).run(getStatus(line.regId as number, { mergeExecutions: false }), [
					{},
					{},
				]),
			),
		);

		runs.forEach((run, index) => {
			expect(run.json.map((item) => item.REG_ID)).toEqual([lines[index].regId, lines[index].regId]);
		});
		expect(portal.sandbox.log).toHaveLength(10);
		for (const entry of portal.sandbox.log) {
			expect(entry.restMethod).toBe('batch');
			expect(
				new Set(entry.batchCommands?.map((command) => String(command.params.REG_ID))).size,
			).toBe(1);
		}
	});

	it('a 200-execution burst gets no 503 from a real-sized portal and fails no item', async () => {
		portal = await TestPortal.start({ rateLimit: STANDARD, latencyMs: 20 });
		const [line] = cloudLines(portal, 1);
		const runs = await Promise.all(
			Array.from({ length: 200 }, () =>
				(portal as TestPortal).run(getStatus(line.regId as number)),
			),
		);

		expect(runs.flatMap((run) => run.json).filter((item) => item.error)).toEqual([]);
		expect(runs.every((run) => run.json.length === 1 && run.json[0].REG_ID === line.regId)).toBe(
			true,
		);
		expect(portal.sandbox.log.filter((entry) => entry.status === 503)).toEqual([]);
		expect(portal.sandbox.log.length).toBeLessThanOrEqual(10);
	});

	it('executions arriving one by one, as n8n starts them, still share batches: no request per execution', async () => {
		portal = await TestPortal.start({ rateLimit: STANDARD, latencyMs: 20 });
		const lines = cloudLines(portal, 10);
		// 40 executions, one every 40 ms (1.6 s in all): their calls never arrive in the same instant
		const runs = await Promise.all(
			Array.from({ length: 40 }, async (_, index) => {
				await sleep(40 * index);
				return await (portal as TestPortal).run(getStatus(lines[index % 10].regId as number));
			}),
		);

		runs.forEach((run, index) => {
			expect(run.json).toHaveLength(1);
			expect(run.json[0].REG_ID).toBe(lines[index % 10].regId);
		});
		expect(portal.sandbox.log.filter((entry) => entry.status === 503)).toEqual([]);
		expect(commandsPer(portal.sandbox.log).reduce((a, b) => a + b, 0)).toBe(40);
		// about one request per refill interval (the portal refills 2 a second): a handful, not 40
		expect(portal.sandbox.log.length).toBeLessThanOrEqual(8);
	});

	it('without merging, executions still share one pace per portal: no 503', async () => {
		// 60 executions against a bucket of 50: per-execution pacing would send all 60 at once
		portal = await TestPortal.start({ rateLimit: STANDARD });
		const [line] = cloudLines(portal, 1);
		const runs = await Promise.all(
			Array.from({ length: 60 }, () =>
				(portal as TestPortal).run(getStatus(line.regId as number, { mergeExecutions: false })),
			),
		);

		expect(runs.flatMap((run) => run.json).filter((item) => item.error)).toEqual([]);
		expect(portal.sandbox.log).toHaveLength(60);
		expect(portal.sandbox.log.filter((entry) => entry.status === 503)).toEqual([]);
	});

	it("two credentials never share a batch, and one credential's fatal answer stays its own", async () => {
		portal = await TestPortal.start({ latencyMs: 20 });
		const [line] = cloudLines(portal, 1);
		const other = portal.sandbox.addWebhook({ userId: 7 });
		const wrong = portal.webhookUrl.replace(portal.webhook.secret, 'wrongsecret0000');
		const urls = [portal.webhookUrl, other.url, wrong];
		const runs = await Promise.all(
			Array.from({ length: 12 }, (_, index) =>
				(portal as TestPortal).run(getStatus(line.regId as number), [{}], {
					webhookUrl: urls[index % 3],
					continueOnFail: true,
				}),
			),
		);

		runs.forEach((run, index) => {
			if (index % 3 === 2) expect(run.json[0]).toMatchObject({ code: 'INVALID_CREDENTIALS' });
			else expect(run.json[0]).toMatchObject({ REG_ID: line.regId });
		});
		for (const entry of portal.sandbox.log) {
			// each request carries one webhook's calls; the wrong one is refused before any command runs
			expect(entry.batchCommands === undefined || entry.batchCommands.length <= 4).toBe(true);
		}
		const byWebhook = new Map<string | undefined, number>();
		for (const entry of portal.sandbox.log)
			byWebhook.set(
				entry.webhookId,
				(byWebhook.get(entry.webhookId) ?? 0) + commandsPer([entry])[0],
			);
		expect(byWebhook.get(portal.webhook.id)).toBe(4);
		expect(byWebhook.get(other.id)).toBe(4);
	});

	it('cancelling one execution drops only its calls; the others finish, each with its own items', async () => {
		portal = await TestPortal.start({ latencyMs: 300 });
		const lines = cloudLines(portal, 3);
		const stop = new AbortController();
		const cancelledRun = portal.run(getStatus(lines[0].regId as number), [{}, {}], {
			signal: stop.signal,
		});
		const others = lines
			.slice(1)
			.map((line) => (portal as TestPortal).run(getStatus(line.regId as number), [{}, {}]));
		// cancel while the first shared batch is on its way (it went through the first execution's context)
		await sleep(100);
		stop.abort();
		const [first, ...rest] = await Promise.all([cancelledRun, ...others]);

		expect(first.run.status).toBe('canceled');
		expect(first.json).toEqual([]);
		rest.forEach((run, index) => {
			expect(run.failure).toBeUndefined();
			expect(run.json.map((item) => item.REG_ID)).toEqual([
				lines[index + 1].regId,
				lines[index + 1].regId,
			]);
		});
	});

	it("a cancelled execution that carried another's create: that create is recovered for its own item only, never duplicated", async () => {
		portal = await TestPortal.start({ latencyMs: 300 });
		const [line] = cloudLines(portal, 1);
		const stop = new AbortController();
		const cancelledRun = portal.run(getStatus(line.regId as number), [{}], { signal: stop.signal });
		const creator = portal.run(createOffice('Office A'));
		await sleep(100);
		stop.abort();
		const [first, created] = await Promise.all([cancelledRun, creator]);

		expect(first.run.status).toBe('canceled');
		expect(created.failure).toBeUndefined();
		expect(created.json).toHaveLength(1);
		expect(created.json[0]).toMatchObject({ TITLE: 'Office A' });
		expect(
			portal.sandbox.lines().filter((candidate) => candidate.title === 'Office A'),
		).toHaveLength(1);
	});

	it('a lost answer to a merged batch: reads are retried, each lost create is recovered for its own execution', async () => {
		portal = await TestPortal.start({ latencyMs: 20 });
		const lines = cloudLines(portal, 2);
		portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
		const runs = await Promise.all([
			portal.run(getStatus(lines[0].regId as number)),
			portal.run(createOffice('Office 1')),
			portal.run(getStatus(lines[1].regId as number)),
			portal.run(createOffice('Office 2')),
		]);

		expect(runs.map((run) => run.failure)).toEqual([undefined, undefined, undefined, undefined]);
		expect(runs[0].json[0].REG_ID).toBe(lines[0].regId);
		expect(runs[2].json[0].REG_ID).toBe(lines[1].regId);
		expect(runs[1].json[0]).toMatchObject({ TITLE: 'Office 1' });
		expect(runs[3].json[0]).toMatchObject({ TITLE: 'Office 2' });
		expect(runs[1].json[0].CONFIG_ID).not.toBe(runs[3].json[0].CONFIG_ID);
		for (const title of ['Office 1', 'Office 2']) {
			expect(portal.sandbox.lines().filter((candidate) => candidate.title === title)).toHaveLength(
				1,
			);
		}
		// the lost request carried both executions' creates
		const lost = portal.sandbox.log.find((entry) => entry.fault === 'lostAfterRun') as LogEntry;
		expect(lost.batchCommands?.map((command) => command.params.TITLE)).toEqual([
			'Office 1',
			'Office 2',
		]);
	});

	it("keeps the order of one execution's writes to a line while other executions share its batches", async () => {
		portal = await TestPortal.start({ latencyMs: 20 });
		const lines = cloudLines(portal, 3);
		const update = (configId: number): IDataObject => ({
			resource: 'line',
			operation: 'update',
			configId,
			type: 'cloud',
			updateFields: { login: '={{ $json.login }}' },
		});
		const runs = await Promise.all(
			lines.map((line) =>
				(portal as TestPortal).run(update(line.configId as number), [
					{ login: 'first' },
					{ login: 'second' },
					{ login: 'third' },
				]),
			),
		);

		expect(runs.map((run) => run.failure)).toEqual([undefined, undefined, undefined]);
		for (const line of lines) {
			expect(
				portal.sandbox.lines().find((candidate) => candidate.configId === line.configId)?.login,
			).toBe('third');
		}
		// a second write to the same line never shares a request with the first
		for (const entry of portal.sandbox.log) {
			const ids = (entry.batchCommands ?? []).map((command) => String(command.params.CONFIG_ID));
			expect(new Set(ids).size).toBe(ids.length);
		}
	});

	it('drops idle portals and webhooks, but never one with calls under way', async () => {
		portal = await TestPortal.start({ latencyMs: 400 });
		const [line] = cloudLines(portal, 1);
		await portal.run(getStatus(line.regId as number));
		registry.pruneIdle();
		expect(registry.registrySize().webhooks).toBeGreaterThanOrEqual(1);

		const underWay: Promise<NodeRun> = portal.run(getStatus(line.regId as number));
		await sleep(150);
		registry.pruneIdle(Date.now() + registry.IDLE_MS + 1);
		expect(registry.registrySize()).toEqual({ portals: 1, webhooks: 1 });
		expect((await underWay).json[0].REG_ID).toBe(line.regId);

		// the queue ends its loop a moment after handing out the last answer
		await sleep(50);
		registry.pruneIdle(Date.now() + registry.IDLE_MS + 1);
		expect(registry.registrySize()).toEqual({ portals: 0, webhooks: 0 });
	});
});

describe('operating time', () => {
	let portal: TestPortal | undefined;

	afterEach(async () => {
		await portal?.close();
		portal = undefined;
	});

	const statuses = async (count: number) => {
		const sandboxPortal = portal as TestPortal;
		const line = sandboxPortal.sandbox.addLineByHand({
			type: 'cloud',
			title: 'Line 1',
			server: 'sip.example.com',
			login: 'user0',
		});
		return await sandboxPortal.run(
			getStatus(line.regId as number, { batching: false }),
			Array.from({ length: count }, () => ({})),
			{
				continueOnFail: true,
			},
		);
	};

	it("spaces a method's calls out near the default limit instead of running into 429", async () => {
		// 420 s per window, 60 s per call: the 7th call would reach it
		portal = await TestPortal.start({
			operating: { limitSeconds: 420, costSeconds: 60, basketMs: 100 },
		});
		const run = await statuses(12);

		expect(run.json.filter((item) => item.error)).toEqual([]);
		expect(portal.sandbox.log.filter((entry) => entry.error === 'OPERATION_TIME_LIMIT')).toEqual(
			[],
		);
		expect(portal.sandbox.log.filter((entry) => entry.status === 200)).toHaveLength(12);
	});

	it('learns a lower limit from the first block and is not blocked again', async () => {
		portal = await TestPortal.start({
			operating: { limitSeconds: 0.05, costSeconds: 0.01, basketMs: 100 },
		});
		const run = await statuses(15);

		expect(run.json.filter((item) => item.error)).toEqual([]);
		expect(
			portal.sandbox.log.filter((entry) => entry.error === 'OPERATION_TIME_LIMIT'),
		).toHaveLength(1);
		expect(portal.sandbox.log.filter((entry) => entry.status === 200)).toHaveLength(15);
	});
});

describe('Processes Sharing the Portal', () => {
	it('paces the process to its share: with 2, a portal that gives it half the standard bucket never refuses', async () => {
		// what the portal leaves this process when another process takes the other half
		const portal = await TestPortal.start({ rateLimit: { burst: 25, perSecond: 1 } });
		try {
			const line = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Line 1',
				server: 'sip.example.com',
				login: 'user0',
			});
			const run = await portal.run(
				getStatus(line.regId as number, { batching: false, processes: 2 }),
				Array.from({ length: 28 }, () => ({})),
			);

			expect(run.json.filter((item) => item.error)).toEqual([]);
			expect(portal.sandbox.log).toHaveLength(28);
			expect(portal.sandbox.log.filter((entry) => entry.status === 503)).toEqual([]);
		} finally {
			await portal.close();
		}
	});
});
