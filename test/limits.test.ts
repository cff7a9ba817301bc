import { TestPortal } from './helpers/portal';

/** Rate and operating-time limits: numbers of requests and outcomes, never durations. */
describe('rate limit and operating time', () => {
	let portal: TestPortal | undefined;

	afterEach(async () => {
		await portal?.close();
	});

	const statuses = async (portalUnderTest: TestPortal, count: number, requestOptions = {}) => {
		// made by hand, so that the portal's bucket is empty when the run starts
		const line = portalUnderTest.sandbox.addLineByHand({
			type: 'cloud',
			title: 'Line 1',
			server: 'sip.example.com',
			login: 'user0',
		});
		return await portalUnderTest.run(
			{
				resource: 'registration',
				operation: 'getStatus',
				regId: line.regId as number,
				requestOptions,
			},
			Array.from({ length: count }, () => ({})),
			{ continueOnFail: true },
		);
	};

	it('batches 300 items into 6 requests and stays under a real portal limit', async () => {
		portal = await TestPortal.start({ rateLimit: { burst: 50, perSecond: 2 } });
		const run = await statuses(portal, 300);

		expect(run.json.filter((item) => item.error)).toEqual([]);
		expect(portal.sandbox.log.map((entry) => entry.status)).toEqual(Array(6).fill(200));
	});

	it('paces one-request-per-item runs so that the portal never refuses one', async () => {
		portal = await TestPortal.start({ rateLimit: { burst: 50, perSecond: 2 } });
		const run = await statuses(portal, 56, { batching: false });

		expect(run.json.filter((item) => item.error)).toEqual([]);
		expect(portal.sandbox.log).toHaveLength(56);
		expect(portal.sandbox.log.filter((entry) => entry.status === 503)).toEqual([]);
	});

	it('retries requests the portal refused with 503 until all items are done', async () => {
		// a portal stricter than the node's default pacing: refusals are certain
		portal = await TestPortal.start({ rateLimit: { burst: 5, perSecond: 10 } });
		const run = await statuses(portal, 20, { batching: false });

		expect(run.items.map((item) => item.pairedItem)).toEqual(
			Array.from({ length: 20 }, (_, item) => ({ item })),
		);
		expect(run.json.filter((item) => item.error)).toEqual([]);
		const refused = portal.sandbox.log.filter((entry) => entry.error === 'QUERY_LIMIT_EXCEEDED');
		expect(refused.length).toBeGreaterThan(0);
		expect(portal.sandbox.log.filter((entry) => entry.status === 200)).toHaveLength(20);
	});

	it('waits for the operating-time limit to reset, then goes on', async () => {
		portal = await TestPortal.start({
			operating: { limitSeconds: 0.03, costSeconds: 0.01, basketMs: 100 },
		});
		const run = await statuses(portal, 6, { batching: false });

		expect(run.json.filter((item) => item.error)).toEqual([]);
		expect(
			portal.sandbox.log.filter((entry) => entry.error === 'OPERATION_TIME_LIMIT').length,
		).toBeGreaterThan(0);
		expect(portal.sandbox.log.filter((entry) => entry.status === 200)).toHaveLength(6);
	});

	it('fails the items it cannot send within Max Wait, each with a clear error, and never hangs', async () => {
		portal = await TestPortal.start({
			operating: { limitSeconds: 0.03, costSeconds: 0.01, basketMs: 60_000 },
		});
		const run = await statuses(portal, 6, { batching: false, maxWait: 2 });

		expect(run.items).toHaveLength(6);
		const failed = run.json.filter((item) => item.error);
		expect(failed.length).toBeGreaterThan(0);
		for (const item of failed) {
			expect(item.code).toBe('OPERATION_TIME_LIMIT');
			expect(item.description).toMatch(/will be available again at \d{4}-\d\d-\d\dT/);
		}
		expect(run.json.filter((item) => !item.error).length + failed.length).toBe(6);
	});

	it('stops pacing when Max Wait is used up: the rest fail as not sent', async () => {
		portal = await TestPortal.start({ rateLimit: false });
		const run = await statuses(portal, 60, { batching: false, maxWait: 1 });

		const notSent = run.json.filter((item) => item.code === 'WAIT_BUDGET_EXHAUSTED');
		expect(notSent.length).toBeGreaterThan(0);
		expect(portal.sandbox.log).toHaveLength(60 - notSent.length);
		expect(notSent[0].error).toBe(
			'The node stopped pacing its requests after its Max Wait of 1 s; this call was not sent',
		);
	});
});
