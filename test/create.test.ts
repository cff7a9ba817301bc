import { TestPortal } from './helpers/portal';

describe('Line → Create: If Title Exists', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	const provision = (ifTitleExists: string, input: Array<{ title: string; password?: string }>, continueOnFail = false) =>
		portal.run(
			{
				resource: 'line',
				operation: 'create',
				type: 'cloud',
				title: '={{ $json.title }}',
				server: 'sip.example.com',
				login: '={{ $json.title }}',
				password: '={{ $json.password ?? "first" }}',
				options: { ifTitleExists },
			},
			input,
			{ continueOnFail },
		);

	it('Error (default): a second line with the same title fails with TITLE_EXISTS', async () => {
		await provision('error', [{ title: 'Trunk' }]);
		const again = await provision('error', [{ title: 'Trunk' }]);

		expect(again.failure?.context).toMatchObject({ bitrix24Code: 'TITLE_EXISTS' });
		expect(portal.sandbox.lines()).toHaveLength(1);
	});

	it('Return Existing: re-running a provisioning workflow never creates a second line', async () => {
		const first = await provision('returnExisting', [{ title: 'A' }, { title: 'B' }]);
		const second = await provision('returnExisting', [{ title: 'A' }, { title: 'B' }, { title: 'C' }]);

		expect(portal.sandbox.lines().map((line) => line.title)).toEqual(['A', 'B', 'C']);
		expect(second.json.slice(0, 2).map((line) => line.CONFIG_ID)).toEqual(first.json.map((line) => line.CONFIG_ID));
		expect(second.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	it('Update Existing: the existing line takes the new settings and keeps its id', async () => {
		const [created] = (await provision('updateExisting', [{ title: 'A' }])).json;
		const [updated] = (await provision('updateExisting', [{ title: 'A', password: 'second' }])).json;

		expect(updated.CONFIG_ID).toBe(created.CONFIG_ID);
		expect(portal.sandbox.lines()).toHaveLength(1);
		expect(portal.sandbox.lines()[0].password).toBe('second');
	});

	it('refuses clearly when the title belongs to a line this webhook cannot see', async () => {
		const other = portal.sandbox.addWebhook();
		await portal.run(
			{ resource: 'line', operation: 'create', type: 'office', title: 'Shared', server: 's', login: 'l' },
			[{}],
			{ webhookUrl: other.url },
		);

		const run = await provision('returnExisting', [{ title: 'Shared' }]);

		expect(run.failure?.message).toBe('The title "Shared" is taken by a telephony connection this webhook cannot see');
		expect(portal.sandbox.lines()).toHaveLength(1);
	});
});
