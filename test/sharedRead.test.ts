import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { NodeRun } from './helpers/portal';
import { createOffice, TestPortal } from './helpers/portal';
import type { LogEntry } from './sandbox';

/**
 * Line → Create with a title and If Title Exists = Error reads the lines once before its first
 * add. Executions whose calls are merged share that read while it is in flight (a "round"), and
 * after a lost answer the items of every execution in the round are each other's siblings.
 * Counts and outcomes are asserted, never durations.
 */

const MAY_OR_MAY_NOT = 'the line may or may not have been created';
const STANDARD = { burst: 50, perSecond: 2 };

/** The commands of a request: a plain call is one. */
const commandsOf = (
	entry: LogEntry,
): Array<{ restMethod: string; params: Record<string, unknown> }> =>
	entry.batchCommands ?? [{ restMethod: entry.restMethod, params: entry.params }];

/** How many times the portal was sent a method, plain or inside a batch. */
const sent = (log: LogEntry[], restMethod: string): number =>
	log.flatMap(commandsOf).filter((command) => command.restMethod === restMethod).length;

const titled = (count: number, prefix: string): IDataObject[] =>
	Array.from({ length: count }, (_, index) => ({ title: `${prefix} ${index}` }));

describe('Line → Create across merged executions: one read of the lines per round', () => {
	let portal: TestPortal;

	afterEach(async () => {
		portal.sandbox.setBeforeCall(null);
		await portal.close();
	});

	it('200 executions creating a line each, merged: one read for all, every item gets its own line', async () => {
		portal = await TestPortal.start({ rateLimit: STANDARD, latencyMs: 20 });

		const runs = await Promise.all(
			Array.from({ length: 200 }, (_, index) => portal.run(createOffice(`Office ${index}`))),
		);

		expect(runs.map((run) => run.failure).filter(Boolean)).toEqual([]);
		const idOf = new Map(portal.sandbox.lines().map((line) => [line.title, line.configId]));
		expect(idOf.size).toBe(200);
		expect(runs.map((run) => run.json.map((item) => [item.TITLE, item.CONFIG_ID]))).toEqual(
			runs.map((_, index) => [[`Office ${index}`, idOf.get(`Office ${index}`)]]),
		);
		expect(sent(portal.sandbox.log, 'voximplant.sip.get')).toBe(1);
		expect(sent(portal.sandbox.log, 'voximplant.sip.add')).toBe(200);
		// one read, then 4 batches of 50 adds
		expect(portal.sandbox.log.length).toBeLessThanOrEqual(6);
	});

	it.each([
		['"Merge Concurrent Executions" off', { mergeExecutions: false }],
		['"Batch Requests" off', { batching: false }],
	])('with %s, every execution reads for itself', async (_, requestOptions) => {
		portal = await TestPortal.start({ latencyMs: 20 });

		const runs = await Promise.all(
			Array.from({ length: 10 }, (__, index) =>
				portal.run(createOffice(`Office ${index}`, requestOptions)),
			),
		);

		expect(runs.map((run) => run.failure).filter(Boolean)).toEqual([]);
		expect(portal.sandbox.lines()).toHaveLength(10);
		expect(sent(portal.sandbox.log, 'voximplant.sip.get')).toBe(10);
	});

	it('a read that has answered is not reused: an execution arriving while the first one adds reads for itself', async () => {
		// 120 adds go in 3 batches; the second execution starts when the first batch reaches the portal
		portal = await TestPortal.start({ latencyMs: 300 });
		let later: Promise<NodeRun> | undefined;
		portal.sandbox.setBeforeCall((method) => {
			if (method === 'voximplant.sip.add' && !later)
				later = portal.run(createOffice('Late Office'));
		});

		const first = await portal.run(createOffice('={{ $json.title }}'), titled(120, 'Office'));
		const second = await (later as Promise<NodeRun>);

		expect(first.failure).toBeUndefined();
		expect(second.failure).toBeUndefined();
		expect(second.json).toEqual([expect.objectContaining({ TITLE: 'Late Office' })]);
		expect(portal.sandbox.lines()).toHaveLength(121);
		expect(sent(portal.sandbox.log, 'voximplant.sip.get')).toBe(2);
		// the second read went while the first execution was still adding: its round was over all the same
		const [, secondRead] = portal.sandbox.log.filter((entry) =>
			commandsOf(entry).some((command) => command.restMethod === 'voximplant.sip.get'),
		);
		expect(
			commandsOf(secondRead).some((command) => String(command.params.TITLE).startsWith('Office ')),
		).toBe(true);
	});

	it("a lost batch answer carrying two executions' adds of one title: neither claims the line, one line", async () => {
		portal = await TestPortal.start({ latencyMs: 20 });
		portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });

		const runs = await Promise.all(
			['Trunk', 'TRUNK'].map((title) =>
				portal.run(createOffice(title), [{}], { continueOnFail: true }),
			),
		);

		const lost = portal.sandbox.log.filter((entry) => entry.fault === 'lostAfterRun');
		expect(lost).toHaveLength(1);
		expect(
			commandsOf(lost[0])
				.map((command) => command.params.TITLE)
				.sort(),
		).toEqual(['TRUNK', 'Trunk']);
		expect(sent(portal.sandbox.log, 'voximplant.sip.add')).toBe(2);
		const lines = portal.sandbox.lines();
		expect(lines).toHaveLength(1);
		for (const run of runs) {
			expect(run.json).toHaveLength(1);
			const [item] = run.json;
			// either cannot tell (one of the two made it) or knows the line is not its own
			expect(item.CONFIG_ID).toBeUndefined();
			expect(item.code === 'TITLE_EXISTS' || String(item.error).includes(MAY_OR_MAY_NOT)).toBe(
				true,
			);
			expect(item.configId).toBe(lines[0].configId);
		}
	});

	it('a line made by one execution of the round is never claimed by another whose add with that title was lost', async () => {
		// 50 adds fill a batch, so the two "Trunk" adds go in different requests; the second is lost
		portal = await TestPortal.start({ latencyMs: 20 });
		let trunkAdds = 0;
		portal.sandbox.setBeforeCall((method, params) => {
			if (method !== 'voximplant.sip.add' || String(params.TITLE).toLowerCase() !== 'trunk') return;
			if (++trunkAdds === 1)
				portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
		});
		const input = [...titled(49, 'Office'), { title: 'Trunk' }];

		const [big, small] = await Promise.all([
			portal.run(createOffice('={{ $json.title }}'), input, { continueOnFail: true }),
			portal.run(createOffice('TRUNK'), [{}], { continueOnFail: true }),
		]);

		expect(trunkAdds).toBe(2);
		expect(sent(portal.sandbox.log, 'voximplant.sip.get') - lookups(portal.sandbox.log)).toBe(1);
		const lost = portal.sandbox.log.filter((entry) => entry.fault === 'lostAfterRun');
		expect(lost).toHaveLength(1);
		expect(
			commandsOf(lost[0]).map((command) => String(command.params.TITLE).toLowerCase()),
		).toEqual(['trunk']);
		const trunks = portal.sandbox.lines().filter((line) => line.title.toLowerCase() === 'trunk');
		expect(trunks).toHaveLength(1);
		const trunkItems = [big.json[49], small.json[0]];
		// the add that was answered made the line; the lost one ran into its title
		const madeIt = trunkItems.filter((item) => item.CONFIG_ID === trunks[0].configId);
		const refused = trunkItems.filter((item) => item.CONFIG_ID === undefined);
		expect(madeIt).toHaveLength(1);
		expect(refused).toEqual([
			expect.objectContaining({ code: 'TITLE_EXISTS', configId: trunks[0].configId }),
		]);
		expect(big.json.slice(0, 49).map((item) => item.TITLE)).toEqual(
			input.slice(0, 49).map((item) => item.title),
		);
	});

	it('the execution that sent the shared read is cancelled: the others read again and still recover a lost answer', async () => {
		portal = await TestPortal.start({ latencyMs: 300 });
		const stop = new AbortController();
		const sender = portal.run(createOffice('Office S'), [{}], { signal: stop.signal });
		while (sent(portal.sandbox.log, 'voximplant.sip.get') === 0) await sleep(5);
		// joins the read in flight; that read is then cut off with the sender's cancellation
		const joiner = portal.run(createOffice('Office J'));
		await sleep(100);
		portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
		stop.abort();
		const [cancelled, recovered] = await Promise.all([sender, joiner]);

		expect(cancelled.run.status).toBe('canceled');
		const lines = portal.sandbox.lines();
		expect(lines.map((line) => line.title)).toEqual(['Office J']);
		expect(recovered.failure).toBeUndefined();
		expect(recovered.json).toEqual([
			expect.objectContaining({ CONFIG_ID: lines[0].configId, TITLE: 'Office J' }),
		]);
		expect(portal.sandbox.log.filter((entry) => entry.fault === 'lostAfterRun')).toHaveLength(1);
		expect(sent(portal.sandbox.log, 'voximplant.sip.add')).toBe(1);
	});
});

/** Lookups by title after a lost answer (a FILTER on the title), as opposed to the read before the adds. */
function lookups(log: LogEntry[]): number {
	return log
		.flatMap(commandsOf)
		.filter(
			(command) =>
				command.restMethod === 'voximplant.sip.get' &&
				JSON.stringify(command.params).includes('TITLE'),
		).length;
}
