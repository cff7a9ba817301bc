import { TestPortal } from './helpers/portal';

describe('Line → Create: If Title Exists', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	const provision = (
		ifTitleExists: string,
		input: Array<{ title: string; password?: string }>,
		continueOnFail = false,
	) =>
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
		const second = await provision('returnExisting', [
			{ title: 'A' },
			{ title: 'B' },
			{ title: 'C' },
		]);

		expect(portal.sandbox.lines().map((line) => line.title)).toEqual(['A', 'B', 'C']);
		expect(second.json.slice(0, 2).map((line) => line.CONFIG_ID)).toEqual(
			first.json.map((line) => line.CONFIG_ID),
		);
		expect(second.items.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
	});

	it('Update Existing: the existing line takes the new settings and keeps its id', async () => {
		const [created] = (await provision('updateExisting', [{ title: 'A' }])).json;
		const [updated] = (await provision('updateExisting', [{ title: 'A', password: 'second' }]))
			.json;

		expect(updated.CONFIG_ID).toBe(created.CONFIG_ID);
		expect(portal.sandbox.lines()).toHaveLength(1);
		expect(portal.sandbox.lines()[0].password).toBe('second');
	});

	it('an expression giving a value that is no option is refused before anything is sent, never read as Update', async () => {
		await provision('error', [{ title: 'A' }]);
		portal.sandbox.log.length = 0;

		const wrong = await provision(
			'={{ "Update Existing Line" }}',
			[{ title: 'A', password: 'second' }],
			true,
		);
		expect(wrong.json[0].error).toBe(
			'If Title Exists must be one of its options, got "Update Existing Line"',
		);
		expect(wrong.json[0].description).toContain(
			'Set "If Title Exists" under Options to "error", "returnExisting" or "updateExisting"',
		);
		expect(portal.sandbox.log).toEqual([]);
		expect(portal.sandbox.lines()[0].password).toBe('first');

		// the option's own value, in any case and with spaces around it, is understood
		const spelled = await provision('={{ " UpdateExisting " }}', [
			{ title: 'A', password: 'second' },
		]);
		expect(spelled.failure).toBeUndefined();
		expect(portal.sandbox.lines()[0].password).toBe('second');
	});

	it('returns a line made through another webhook: all webhooks share one pool of lines', async () => {
		const other = portal.sandbox.addWebhook({ userId: 2 });
		const made = await portal.run(
			{
				resource: 'line',
				operation: 'create',
				type: 'cloud',
				title: 'Shared',
				server: 's',
				login: 'l',
			},
			[{}],
			{ webhookUrl: other.url },
		);

		const run = await provision('returnExisting', [{ title: 'SHARED' }]);

		expect(run.failure).toBeUndefined();
		expect(run.json[0].CONFIG_ID).toBe(made.json[0].CONFIG_ID);
		expect(portal.sandbox.lines()).toHaveLength(1);
	});

	it('refuses clearly when the title belongs to a connection this webhook cannot see', async () => {
		portal.sandbox.addAppLine('app.42', {
			type: 'office',
			title: 'Shared',
			server: 's',
			login: 'l',
		});

		const run = await provision('returnExisting', [{ title: 'Shared' }]);

		expect(run.failure?.message).toBe(
			'The title "Shared" is taken by a telephony connection this webhook cannot see',
		);
		expect(portal.sandbox.lines()).toHaveLength(1);
	});

	it('Update Existing never pretends to change a type: a line of the other type fails, nothing is sent', async () => {
		await provision('error', [{ title: 'Trunk' }]);
		portal.sandbox.clearLog();

		const run = await portal.run({
			resource: 'line',
			operation: 'create',
			type: 'office',
			title: 'Trunk',
			server: 'sip.example.com',
			login: 'Trunk',
			options: { ifTitleExists: 'updateExisting' },
		});

		expect(run.failure?.message).toMatch(
			/is a cloud PBX line, not an office one; its type cannot be changed/,
		);
		expect(portal.sandbox.log.map((entry) => entry.restMethod)).not.toContain(
			'voximplant.sip.update',
		);
		expect(portal.sandbox.lines()[0].type).toBe('cloud');
	});
});
