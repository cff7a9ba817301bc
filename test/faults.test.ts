import type { FaultKind } from './sandbox';
import { TestPortal } from './helpers/portal';

const SIZE = 60;

/** Faults after which the node can go on: everything but OVERLOAD_LIMIT, which it must not retry. */
const RECOVERABLE: FaultKind[] = ['http500', 'html502', 'html504', 'reset', 'hang', 'lostAfterRun'];

describe('fault injection with many items', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	const options = { timeout: 1 };

	describe.each(RECOVERABLE)('%s on the first batch', (fault) => {
		it('updates every line exactly once and pairs every output', async () => {
			const lines = await portal.createLines(SIZE, 'office');
			portal.sandbox.clearLog();
			portal.sandbox.injectFault(fault, 1, { restMethods: ['voximplant.sip.update'] });

			const run = await portal.run(
				{
					resource: 'line',
					operation: 'update',
					configId: '={{ $json.id }}',
					type: 'office',
					updateFields: { password: '={{ "new-" + $json.id }}' },
					requestOptions: options,
				},
				lines.map((line) => ({ id: line.CONFIG_ID })),
			);

			expect(run.failure).toBeUndefined();
			expect(portal.sandbox.log.filter((entry) => entry.fault === fault)).toHaveLength(1);
			expect(run.items.map((item) => [item.json.CONFIG_ID, item.pairedItem])).toEqual(
				lines.map((line, index) => [line.CONFIG_ID, { item: index }]),
			);
			for (const line of portal.sandbox.lines()) expect(line.password).toBe(`new-${line.configId}`);
		});

		it('creates every line exactly once: none lost, none doubled', async () => {
			portal.sandbox.injectFault(fault, 1, { restMethods: ['voximplant.sip.add'] });

			const run = await portal.run(
				{
					resource: 'line',
					operation: 'create',
					type: 'office',
					title: '={{ $json.title }}',
					server: 'sip.example.com',
					login: '={{ $json.title }}',
					requestOptions: options,
				},
				Array.from({ length: SIZE }, (_, index) => ({ title: `Provisioned ${index}` })),
			);

			expect(run.failure).toBeUndefined();
			expect(portal.sandbox.log.filter((entry) => entry.fault === fault)).toHaveLength(1);
			const titles = portal.sandbox.lines().map((line) => line.title);
			expect(titles).toHaveLength(SIZE);
			expect(new Set(titles).size).toBe(SIZE);
			expect(run.items.map((item) => [item.json.TITLE, item.pairedItem])).toEqual(
				Array.from({ length: SIZE }, (_, index) => [`Provisioned ${index}`, { item: index }]),
			);
			const stored = new Map(portal.sandbox.lines().map((line) => [line.title, line.configId]));
			for (const item of run.json) expect(item.CONFIG_ID).toBe(stored.get(item.TITLE as string));
		});
	});

	it.each([true, false])(
		'deletes lines whose answer was lost: every item reports its line deleted (batching %s)',
		async (batching) => {
			const lines = await portal.createLines(batching ? SIZE : 3, 'office');
			portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.delete'] });

			const run = await portal.run(
				{
					resource: 'line',
					operation: 'delete',
					configId: '={{ $json.id }}',
					requestOptions: { batching },
				},
				lines.map((line) => ({ id: line.CONFIG_ID })),
			);

			expect(run.failure).toBeUndefined();
			expect(portal.sandbox.log.filter((entry) => entry.fault === 'lostAfterRun')).toHaveLength(1);
			expect(run.json).toEqual(lines.map((line) => ({ CONFIG_ID: line.CONFIG_ID, deleted: true })));
			expect(portal.sandbox.lines()).toEqual([]);
		},
	);

	it('never repeats a create without a title whose answer was lost', async () => {
		portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });

		const run = await portal.run(
			{
				resource: 'line',
				operation: 'create',
				type: 'office',
				title: '',
				server: 'sip.example.com',
				login: '={{ "u" + $itemIndex }}',
			},
			Array.from({ length: 5 }, () => ({})),
			{ continueOnFail: true },
		);

		expect(run.items).toHaveLength(5);
		for (const [index, item] of run.items.entries()) {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.error).toBe(
				'The connection to the portal was lost before it answered; the line may or may not have been created',
			);
		}
		// the batch ran once on the portal: five lines, not ten
		expect(portal.sandbox.lines()).toHaveLength(5);
	});

	it('does not retry OVERLOAD_LIMIT nor send the rest: every item gets one error item', async () => {
		portal.sandbox.injectFault('overload', 1);

		const run = await portal.run(
			{
				resource: 'line',
				operation: 'create',
				type: 'office',
				title: '={{ "L" + $itemIndex }}',
				server: 's',
				login: 'l',
			},
			Array.from({ length: SIZE }, () => ({})),
			{ continueOnFail: true },
		);

		expect(run.items).toHaveLength(SIZE);
		run.items.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			// the server source answers OVERLOAD_LIMIT with 401 (the documentation says 503): the code decides
			expect(item.json).toMatchObject({ code: 'OVERLOAD_LIMIT', httpCode: 401 });
		});
		expect(portal.sandbox.log).toHaveLength(1);
		expect(portal.sandbox.lines()).toHaveLength(0);
	});
});
