import type { IDataObject } from 'n8n-workflow';

import { allText, TestPortal } from './helpers/portal';
import type { LogEntry } from './sandbox';

/** Line → Sync through n8n's engine against the sandbox portal. */

const WRITES = new Set(['voximplant.sip.add', 'voximplant.sip.update', 'voximplant.sip.delete']);

/** Every method the portal ran or refused, batch commands counted one by one. */
const methodsOf = (log: LogEntry[]): string[] =>
	log.flatMap((entry) =>
		entry.batchCommands
			? entry.batchCommands.map((command) => command.restMethod)
			: [entry.restMethod],
	);
const writesOf = (log: LogEntry[]): string[] =>
	methodsOf(log).filter((method) => WRITES.has(method));
/** Every command the portal ran or refused, with its parameters. */
type Command = { restMethod: string; params: Record<string, unknown> };
const commandsOf = (log: LogEntry[]): Command[] =>
	log.flatMap((entry): Command[] => (entry.batchCommands ? entry.batchCommands : [entry]));

interface Desired extends IDataObject {
	title: string;
	server: string;
	login: string;
	password?: string;
	type?: string;
}

/** The node's fields read from each input item, as a Set → Sync workflow would map them. */
const FROM_ITEM = {
	resource: 'line',
	operation: 'sync',
	type: '={{ $json.type ?? "cloud" }}',
	title: '={{ $json.title }}',
	server: '={{ $json.server }}',
	login: '={{ $json.login }}',
	password: '={{ $json.password ?? "" }}',
};

describe('Line → Sync', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	const sync = async (desired: Desired[], parameters: IDataObject = {}, continueOnFail = false) =>
		await portal.run(
			{ ...FROM_ITEM, ...parameters },
			desired,
			continueOnFail ? { continueOnFail: true } : {},
		);

	/** A portal with two managed lines, one foreign line made by hand and one by another webhook. */
	const mixedPortal = () => {
		const keep = portal.sandbox.addLineByHand({
			title: 'n8n-Keep',
			server: 'sip.a.com',
			login: 'keep',
			password: 'k',
		});
		const change = portal.sandbox.addLineByHand({
			title: 'n8n-Change',
			server: 'sip.a.com',
			login: 'old',
			password: 'c',
		});
		const stale = portal.sandbox.addLineByHand({
			title: 'n8n-Stale',
			server: 'sip.a.com',
			login: 'stale',
			password: 's',
		});
		const byHand = portal.sandbox.addLineByHand({
			title: 'Reception',
			server: 'sip.b.com',
			login: 'r',
			password: 'r',
		});
		return { keep, change, stale, byHand };
	};

	const desiredMixed: Desired[] = [
		{ title: 'n8n-Keep', server: 'sip.a.com', login: 'keep', password: 'k' },
		{ title: 'N8N-change ', server: 'sip.a.com', login: 'new', password: 'c' },
		{ title: 'n8n-New', server: 'https://sip.c.com', login: 'fresh', password: 'f' },
	];

	it('plans create, update, unchanged and delete in a dry run without writing anything', async () => {
		const lines = mixedPortal();
		portal.sandbox.log.length = 0;

		const run = await sync(desiredMixed, {
			dryRun: true,
			deleteUnlisted: true,
			managedPrefix: 'n8n-',
		});

		expect(run.failure).toBeUndefined();
		expect(writesOf(portal.sandbox.log)).toEqual([]);
		expect(
			run.json.map((item) => [
				item.action,
				item.TITLE,
				item.CONFIG_ID,
				item.inputItem,
				item.dryRun,
			]),
		).toEqual([
			['unchanged', 'n8n-Keep', lines.keep.configId, 0, true],
			['update', 'N8N-change', lines.change.configId, 1, true],
			['create', 'n8n-New', null, 2, true],
			['delete', 'n8n-Stale', lines.stale.configId, null, true],
		]);
		expect(run.json[1].changes).toEqual(['LOGIN']);
		expect(run.json[1].reason).toContain('login "old" → "new"');
		expect(run.json[2].changes).toEqual(['TYPE', 'TITLE', 'SERVER', 'LOGIN', 'PASSWORD']);
		// input items pair to their plan item; the deletion pairs to none
		expect(run.items.slice(0, 3).map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
		expect(run.items[3].pairedItem).toBeUndefined();
		// the line made by hand outside the prefix is not part of the plan
		expect(run.json.some((item) => item.TITLE === 'Reception')).toBe(false);
		expect(allText(run.json)).not.toMatch(/"k"|password": "c"/);
		expect(portal.sandbox.lines()).toHaveLength(4);
	});

	it('applies the plan, and a second run with the same input plans nothing', async () => {
		const lines = mixedPortal();
		const other = portal.sandbox.addWebhook({ userId: 7 });
		const viaOtherWebhook = await portal.run(
			{
				resource: 'line',
				operation: 'create',
				type: 'office',
				title: 'Other team',
				server: 'pbx.x',
				login: 'o',
			},
			[{}],
			{ webhookUrl: other.url },
		);
		expect(viaOtherWebhook.failure).toBeUndefined();

		const run = await sync(desiredMixed, { deleteUnlisted: true, managedPrefix: 'n8n-' });

		expect(run.failure).toBeUndefined();
		expect(run.json.map((item) => [item.action, item.TITLE, item.dryRun])).toEqual([
			['unchanged', 'n8n-Keep', false],
			['update', 'N8N-change', false],
			['create', 'n8n-New', false],
			['delete', 'n8n-Stale', false],
		]);
		const stored = portal.sandbox.lines();
		const titles = stored.map((line) => line.title).sort();
		expect(titles).toEqual(['Other team', 'Reception', 'n8n-Change', 'n8n-Keep', 'n8n-New']);
		const created = stored.find((line) => line.title === 'n8n-New');
		expect(run.json[2]).toMatchObject({
			CONFIG_ID: created?.configId,
			line: { SERVER: 'sip.c.com', LOGIN: 'fresh', REG_ID: created?.regId },
		});
		expect(run.json[2].line).not.toHaveProperty('PASSWORD');
		expect(stored.find((line) => line.configId === lines.change.configId)).toMatchObject({
			login: 'new',
			title: 'n8n-Change',
		});
		// the new login restarted the registration: the output does not claim the old verdict
		expect(run.json[1].line).toMatchObject({
			LOGIN: 'new',
			REGISTRATION_STATUS_CODE: 0,
			REGISTRATION_ERROR_MESSAGE: '',
		});
		expect(stored.some((line) => line.configId === lines.stale.configId)).toBe(false);

		portal.sandbox.log.length = 0;
		const again = await sync(desiredMixed, { deleteUnlisted: true, managedPrefix: 'n8n-' });
		expect(again.failure).toBeUndefined();
		expect(again.json.map((item) => item.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
		expect(writesOf(portal.sandbox.log)).toEqual([]);
	});

	it('deletes only inside the managed prefix or list, never foreign lines', async () => {
		mixedPortal();
		portal.sandbox.addAppLine('app.42', {
			type: 'office',
			title: 'n8n-App',
			server: 's',
			login: 'l',
		});
		const other = portal.sandbox.addWebhook({ userId: 9 });
		await portal.run(
			{
				resource: 'line',
				operation: 'create',
				type: 'office',
				title: 'Team line',
				server: 'pbx',
				login: 't',
			},
			[{}],
			{
				webhookUrl: other.url,
			},
		);

		const byList = await sync([{ title: 'n8n-Keep', server: 'sip.a.com', login: 'keep' }], {
			deleteUnlisted: true,
			managedTitles: 'n8n-stale,\n team LINE ',
		});

		expect(byList.failure).toBeUndefined();
		expect(
			byList.json
				.filter((item) => item.action === 'delete')
				.map((item) => item.TITLE)
				.sort(),
		).toEqual(['Team line', 'n8n-Stale']);
		const left = portal.sandbox
			.lines()
			.map((line) => line.title)
			.sort();
		// n8n-Change is inside neither the list nor a prefix; the OAuth application's line is invisible
		expect(left).toEqual(['Reception', 'n8n-App', 'n8n-Change', 'n8n-Keep']);
	});

	it('refuses Delete Lines Not Listed without a prefix or list, naming the field, with nothing sent', async () => {
		mixedPortal();
		portal.sandbox.log.length = 0;

		const run = await sync(desiredMixed, { deleteUnlisted: true, managedPrefix: '  ' }, true);

		expect(run.failure?.message).toBe(
			'Managed Title Prefix is required when "Delete Lines Not Listed" is on',
		);
		expect(portal.sandbox.log).toEqual([]);
	});

	it('deletes nothing by default', async () => {
		mixedPortal();
		const run = await sync([{ title: 'n8n-Keep', server: 'sip.a.com', login: 'keep' }], {
			managedPrefix: 'n8n-',
		});
		expect(run.json.map((item) => item.action)).toEqual(['unchanged']);
		expect(portal.sandbox.lines()).toHaveLength(4);
	});

	describe('type change', () => {
		it('is refused without "Allow Type Change": the run stops with nothing sent', async () => {
			const office = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Trunk',
				server: 'pbx',
				login: 'l',
			});
			portal.sandbox.log.length = 0;

			const run = await sync([
				{ title: 'trunk', server: 'pbx', login: 'l', type: 'cloud' },
				{ title: 'Other', server: 'sip.x', login: 'o' },
			]);

			expect(run.failure?.message).toContain(
				'Sync stopped before changing anything: 1 line(s) failed the checks',
			);
			expect(run.failure?.message).toContain(
				`Line ${office.configId} "Trunk" is an office PBX line, but the input asks for a cloud one`,
			);
			expect(String(run.failure?.description)).toContain('Allow Type Change');
			expect(writesOf(portal.sandbox.log)).toEqual([]);
			expect(portal.sandbox.lines()).toHaveLength(1);
		});

		it('with Continue On Fail, fails that item only and applies the rest', async () => {
			portal.sandbox.addLineByHand({ type: 'office', title: 'Trunk', server: 'pbx', login: 'l' });
			const run = await sync(
				[
					{ title: 'trunk', server: 'pbx', login: 'l', type: 'cloud' },
					{ title: 'Other', server: 'sip.x', login: 'o' },
				],
				{},
				true,
			);
			expect(run.json[0]).toMatchObject({ action: 'replace', code: 'TYPE_MISMATCH', inputItem: 0 });
			expect(run.json[0].error).toContain('is an office PBX line');
			expect(run.json[1]).toMatchObject({ action: 'create', TITLE: 'Other' });
			expect(portal.sandbox.lines().map((line) => [line.title, line.type])).toEqual([
				['Trunk', 'office'],
				['Other', 'cloud'],
			]);
		});

		it('a type change whose delete fails creates nothing and says the old line is unchanged', async () => {
			const office = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Trunk',
				server: 'pbx',
				login: 'l',
			});
			portal.sandbox.injectMethodError(
				{ status: 403, error: 'ACCESS_DENIED', description: 'Access denied!' },
				1,
				{
					restMethods: ['voximplant.sip.delete'],
				},
			);

			const run = await sync(
				[{ title: 'Trunk', server: 'sip.y.com', login: 'l', type: 'cloud' }],
				{ options: { allowTypeChange: true } },
				true,
			);

			expect(run.json[0]).toMatchObject({
				action: 'replace',
				code: 'ACCESS_DENIED',
				configId: office.configId,
			});
			expect(run.json[0].error).toMatch(
				new RegExp(
					`^Changing the type of line ${office.configId} failed: deleting it failed \\(.+\\); it is unchanged, and no new line was created$`,
				),
			);
			expect(portal.sandbox.lines().map((line) => [line.configId, line.type])).toEqual([
				[office.configId, 'office'],
			]);
		});

		it('with "Allow Type Change", deletes the line and creates it with the new type', async () => {
			const office = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Trunk',
				server: 'pbx',
				login: 'l',
			});

			const run = await sync(
				[{ title: 'Trunk', server: 'sip.y.com', login: 'l', password: 'p', type: 'cloud' }],
				{
					options: { allowTypeChange: true },
				},
			);

			expect(run.failure).toBeUndefined();
			const [line] = portal.sandbox.lines();
			expect(line).toMatchObject({ title: 'Trunk', type: 'cloud', server: 'sip.y.com' });
			expect(line.configId).not.toBe(office.configId);
			expect(run.json[0]).toMatchObject({
				action: 'replace',
				CONFIG_ID: line.configId,
				previousConfigId: office.configId,
				previousType: 'office',
				TYPE: 'cloud',
			});
			expect(writesOf(portal.sandbox.log)).toEqual(['voximplant.sip.delete', 'voximplant.sip.add']);
		});
	});

	describe('checks before writing', () => {
		it('fails both items that share a title (ignoring case and spaces) and sends nothing', async () => {
			const run = await sync([
				{ title: 'Twin', server: 's', login: 'a' },
				{ title: 'Single', server: 's', login: 'b' },
				{ title: ' TWIN', server: 's', login: 'c' },
			]);
			expect(run.failure?.message).toBe(
				'Sync stopped before changing anything: 2 line(s) failed the checks',
			);
			expect(String(run.failure?.description)).toContain('item 1');
			expect(String(run.failure?.description)).toContain('item 3');
			expect(String(run.failure?.description)).toContain(
				'is listed more than once in the input (also item 3)',
			);
			expect(portal.sandbox.log).toEqual([]);
		});

		it('reports bad fields per item in a dry run, naming the field', async () => {
			const run = await sync(
				[
					{ title: 'Good', server: 's', login: 'a' },
					{ title: 'Bad', server: 'x'.repeat(101), login: 'b' },
					{ title: '', server: 's', login: 'c' },
				],
				{ dryRun: true },
			);
			expect(run.failure).toBeUndefined();
			expect(run.json[0]).toMatchObject({ action: 'create', TITLE: 'Good' });
			expect(run.json[1].error).toBe('Server is 101 characters long; Bitrix24 allows at most 100');
			expect(run.json[2].error).toBe('Title is required');
			expect(writesOf(portal.sandbox.log)).toEqual([]);
		});

		it('counts the 10-cloud-line limit over the whole plan: deletions free places first', async () => {
			for (let index = 1; index <= 9; index++) {
				portal.sandbox.addLineByHand({ title: `n8n-${index}`, server: 's', login: `u${index}` });
			}
			const keepAll = Array.from({ length: 9 }, (_, index) => ({
				title: `n8n-${index + 1}`,
				server: 's',
				login: `u${index + 1}`,
			}));
			portal.sandbox.log.length = 0;

			const over = await sync([
				...keepAll,
				{ title: 'n8n-A', server: 's', login: 'a' },
				{ title: 'n8n-B', server: 's', login: 'b' },
			]);
			expect(over.failure?.message).toContain(
				'This sync would need 11 cloud PBX lines; Bitrix24 allows at most 10',
			);
			expect(writesOf(portal.sandbox.log)).toEqual([]);

			// dropping n8n-1 from the list (and deleting it) makes room for both
			const fits = await sync(
				[
					...keepAll.slice(1),
					{ title: 'n8n-A', server: 's', login: 'a' },
					{ title: 'n8n-B', server: 's', login: 'b' },
				],
				{ deleteUnlisted: true, managedPrefix: 'n8n-' },
			);
			expect(fits.failure).toBeUndefined();
			expect(portal.sandbox.lines().filter((line) => line.type === 'cloud')).toHaveLength(10);
			expect(writesOf(portal.sandbox.log).indexOf('voximplant.sip.delete')).toBeLessThan(
				writesOf(portal.sandbox.log).indexOf('voximplant.sip.add'),
			);
		});

		it('with Continue On Fail, creates the cloud lines that fit and fails the rest', async () => {
			for (let index = 1; index <= 9; index++)
				portal.sandbox.addLineByHand({ title: `L${index}`, server: 's', login: `u${index}` });
			const run = await sync(
				[
					{ title: 'First', server: 's', login: 'a' },
					{ title: 'Office', server: 's', login: 'o', type: 'office' },
					{ title: 'Second', server: 's', login: 'b' },
				],
				{},
				true,
			);
			expect(run.json.map((item) => [item.action, item.code ?? 'ok'])).toEqual([
				['create', 'ok'],
				['create', 'ok'],
				['create', 'MAX_CLOUD_PBX'],
			]);
			expect(portal.sandbox.lines().map((line) => line.title)).not.toContain('Second');
		});

		it('cloud lines of an OAuth application count at the portal though the plan cannot see them', async () => {
			for (let index = 1; index <= 9; index++)
				portal.sandbox.addLineByHand({ title: `L${index}`, server: 's', login: `u${index}` });
			portal.sandbox.addAppLine('app.42', {
				type: 'cloud',
				title: 'App cloud',
				server: 's',
				login: 'app',
			});
			const office = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Trunk',
				server: 'pbx',
				login: 'l',
			});

			// the plan sees 9 cloud lines, so turning the office line into a cloud one fits; the portal counts 10
			const run = await sync(
				[{ title: 'Trunk', server: 'sip.y.com', login: 'l', type: 'cloud' }],
				{ options: { allowTypeChange: true } },
				true,
			);

			expect(run.json[0]).toMatchObject({
				action: 'replace',
				code: 'MAX_CLOUD_PBX',
				deletedConfigId: office.configId,
			});
			expect(run.json[0].error).toBe(
				`Line ${office.configId} was deleted to change its type, but creating the new cloud line failed: The portal already has the maximum of 10 cloud PBX lines`,
			);
			expect(run.json[0].description).toContain('Running the sync again creates the line.');
			expect(portal.sandbox.lines().some((line) => line.title === 'Trunk')).toBe(false);
		});

		it('a title held by a line the webhook cannot see fails that create with a clear message', async () => {
			portal.sandbox.addAppLine('app.42', {
				type: 'office',
				title: 'Hidden',
				server: 's',
				login: 'l',
			});
			const run = await sync([{ title: 'hidden', server: 's', login: 'l' }], {}, true);
			expect(run.json[0]).toMatchObject({ action: 'create', code: 'TITLE_EXISTS' });
			expect(run.json[0].error).toBe(
				'The title "hidden" is taken by a telephony connection this webhook cannot see',
			);
		});
	});

	describe('passwords', () => {
		it('sends a password only when it differs', async () => {
			portal.sandbox.addLineByHand({ title: 'P', server: 's', login: 'l', password: 'old' });
			const run = await sync([{ title: 'P', server: 's', login: 'l', password: 'new' }]);
			expect(run.json[0]).toMatchObject({ action: 'update', changes: ['PASSWORD'] });
			expect(portal.sandbox.lines()[0].password).toBe('new');
			expect(allText(run.json)).not.toContain('new"');
		});

		it('on a portal that does not return passwords, leaves them unless "Send Passwords" is Always', async () => {
			await portal.close();
			portal = await TestPortal.start({ hidePasswords: true });
			portal.sandbox.addLineByHand({ title: 'P', server: 's', login: 'l', password: 'old' });

			const compared = await sync([{ title: 'P', server: 's', login: 'l', password: 'new' }]);
			expect(compared.json[0].action).toBe('unchanged');
			expect(compared.json[0].reason).toContain('password not compared');
			expect(portal.sandbox.lines()[0].password).toBe('old');

			const always = await sync([{ title: 'P', server: 's', login: 'l', password: 'new' }], {
				options: { sendPasswords: 'always' },
			});
			expect(always.json[0]).toMatchObject({ action: 'update', changes: ['PASSWORD'] });
			expect(portal.sandbox.lines()[0].password).toBe('new');
		});
	});

	describe('a fault while applying', () => {
		it('each item reports what happened to its line, and a second run finishes the job', async () => {
			portal.sandbox.addLineByHand({ title: 'n8n-Old', server: 's', login: 'old' });
			portal.sandbox.addLineByHand({ title: 'n8n-Upd', server: 's', login: 'before' });
			// the update is refused (a validation the node cannot foresee); the rest goes through
			portal.sandbox.injectMethodError(
				{ status: 400, error: 'CHECK_FIELDS_ERROR', description: 'Server login is not specified.' },
				1,
				{ restMethods: ['voximplant.sip.update'] },
			);
			const desired = [
				{ title: 'n8n-Upd', server: 's', login: 'after' },
				{ title: 'n8n-New', server: 's', login: 'new' },
			];

			const first = await sync(desired, { deleteUnlisted: true, managedPrefix: 'n8n-' }, true);

			expect(first.json.map((item) => [item.TITLE, item.action, item.code ?? 'done'])).toEqual([
				['n8n-Upd', 'update', 'CHECK_FIELDS_ERROR'],
				['n8n-New', 'create', 'done'],
				['n8n-Old', 'delete', 'done'],
			]);
			expect(
				portal.sandbox
					.lines()
					.map((line) => line.title)
					.sort(),
			).toEqual(['n8n-New', 'n8n-Upd']);

			// without Continue On Fail the run stops, saying what it did before
			portal.sandbox.injectMethodError(
				{ status: 400, error: 'CHECK_FIELDS_ERROR', description: 'Server login is not specified.' },
				1,
				{
					restMethods: ['voximplant.sip.update'],
				},
			);
			const stopped = await sync([...desired, { title: 'n8n-Third', server: 's', login: 't' }]);
			expect(stopped.failure?.message).toContain("Bitrix24 rejected the line's fields");
			expect(String(stopped.failure?.description)).toContain(
				'Before the node stopped, the sync did this: 1 created, 1 unchanged',
			);

			const second = await sync([...desired, { title: 'n8n-Third', server: 's', login: 't' }]);
			expect(second.failure).toBeUndefined();
			expect(second.json.map((item) => item.action)).toEqual(['update', 'unchanged', 'unchanged']);
			expect(portal.sandbox.lines().find((line) => line.title === 'n8n-Upd')?.login).toBe('after');
		});

		it('a batch of an update, a create and a type change whose answer is lost: each line ends up right, reported once', async () => {
			portal.sandbox.addLineByHand({ title: 'Upd', server: 's', login: 'before' });
			const office = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Swap',
				server: 'pbx',
				login: 'x',
			});
			// the second request of the run carries the writes after the deletion; it runs, then its answer is lost
			portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.update'] });

			const run = await sync(
				[
					{ title: 'Upd', server: 's', login: 'after' },
					{ title: 'New', server: 's', login: 'n' },
					{ title: 'Swap', server: 'sip.swap', login: 'x', type: 'cloud' },
				],
				{ options: { allowTypeChange: true } },
			);

			expect(run.failure).toBeUndefined();
			const lines = portal.sandbox.lines();
			expect(lines.map((line) => [line.title, line.type, line.login]).sort()).toEqual([
				['New', 'cloud', 'n'],
				['Swap', 'cloud', 'x'],
				['Upd', 'cloud', 'after'],
			]);
			expect(lines.some((line) => line.configId === office.configId)).toBe(false);
			expect(run.json.map((item) => [item.TITLE, item.action, item.CONFIG_ID])).toEqual([
				['Upd', 'update', lines.find((line) => line.title === 'Upd')?.configId],
				['New', 'create', lines.find((line) => line.title === 'New')?.configId],
				['Swap', 'replace', lines.find((line) => line.title === 'Swap')?.configId],
			]);
			const lost = portal.sandbox.log.find((entry) => entry.fault === 'lostAfterRun');
			expect((lost?.batchCommands ?? []).map((command) => command.restMethod).sort()).toEqual([
				'voximplant.sip.add',
				'voximplant.sip.add',
				'voximplant.sip.update',
			]);
		});

		it('a lost answer to an add is recovered by title: one line, reported created', async () => {
			portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
			const run = await sync([
				{ title: 'A', server: 's', login: 'a' },
				{ title: 'B', server: 's', login: 'b' },
			]);
			expect(run.failure).toBeUndefined();
			expect(run.json.map((item) => [item.TITLE, item.action])).toEqual([
				['A', 'create'],
				['B', 'create'],
			]);
			expect(
				portal.sandbox
					.lines()
					.map((line) => line.title)
					.sort(),
			).toEqual(['A', 'B']);
			expect(run.json.map((item) => item.CONFIG_ID)).toEqual(
				portal.sandbox.lines().map((line) => line.configId),
			);
		});
	});

	it('"Wait for Registration" adds the verdict of every cloud line it leaves in place, read in shared batches', async () => {
		await portal.close();
		portal = await TestPortal.start({ registrationStepMs: 100 });
		portal.sandbox.setServerBehaviour('sip.bad.example', { statusCode: 403 });
		portal.sandbox.addLineByHand({
			title: 'Steady',
			server: 'sip.ok.example',
			login: 'steady',
			password: 'p',
		});

		const run = await sync(
			[
				{ title: 'Steady', server: 'sip.ok.example', login: 'steady', password: 'p' },
				{ title: 'Good', server: 'sip.ok.example', login: 'good', password: 'p' },
				{ title: 'Bad', server: 'sip.bad.example', login: 'bad', password: 'p' },
				{ title: 'Office', server: 'pbx', login: 'o', type: 'office' },
			],
			{ options: { waitForRegistration: 10 } },
		);

		expect(run.failure).toBeUndefined();
		expect(
			run.json.map((item) => [
				item.action,
				(item.registration as IDataObject | undefined)?.summary,
			]),
		).toEqual([
			['unchanged', 'Registered'],
			['create', 'Registered'],
			['create', 'SIP 403 Forbidden — check login and password'],
			['create', undefined],
		]);
		expect(run.json[2].registration).toMatchObject({
			STATUS_RESULT: 'error',
			STATUS_CODE: 403,
			healthy: false,
			settled: true,
		});
		// the lines were polled together (an unchanged line is read at once, new ones after a pause)
		const statusReads = portal.sandbox.log
			.map(
				(entry) =>
					(entry.batchCommands ?? []).filter(
						(command) => command.restMethod === 'voximplant.sip.status',
					).length,
			)
			.filter((count) => count > 0);
		expect(Math.max(...statusReads)).toBeGreaterThanOrEqual(2);
		expect(statusReads.length).toBeLessThan(statusReads.reduce((sum, count) => sum + count, 0));
	});

	describe('nothing wiped or deleted that was not asked for', () => {
		/** Ten cloud lines the prefix manages; the input keeps nine and adds one, n8n-Old is unlisted. */
		const fullPortal = () => {
			for (let index = 1; index <= 9; index++)
				portal.sandbox.addLineByHand({ title: `n8n-${index}`, server: 's', login: `u${index}` });
			return portal.sandbox.addLineByHand({ title: 'n8n-Old', server: 's', login: 'old' });
		};
		const keepNine = Array.from({ length: 9 }, (_, index) => ({
			title: `n8n-${index + 1}`,
			server: 's',
			login: `u${index + 1}`,
		}));

		it.each([['true'], ['TRUE '], [' True'], [1], ['1']])(
			'Dry Run filled by an expression giving %j only plans: nothing is written',
			async (value) => {
				mixedPortal();
				portal.sandbox.log.length = 0;
				const run = await sync(
					desiredMixed.map((line) => ({ ...line, dryRun: value })),
					{ dryRun: '={{ $json.dryRun }}', deleteUnlisted: '={{ "true" }}', managedPrefix: 'n8n-' },
				);
				expect(run.failure).toBeUndefined();
				expect(run.json.map((item) => [item.action, item.dryRun])).toEqual([
					['unchanged', true],
					['update', true],
					['create', true],
					['delete', true],
				]);
				expect(writesOf(portal.sandbox.log)).toEqual([]);
				expect(portal.sandbox.lines()).toHaveLength(4);
			},
		);

		// "eexist": n8n rewrites messages holding a system error code; the node's own message must survive
		it.each([['maybe'], ['yes'], [''], [2], [null], ['eexist']])(
			'Dry Run given %j stops the node, naming the field, with nothing sent',
			async (value) => {
				mixedPortal();
				portal.sandbox.log.length = 0;
				const run = await sync(
					desiredMixed,
					{
						dryRun: `={{ ${JSON.stringify(value)} }}`,
						deleteUnlisted: true,
						managedPrefix: 'n8n-',
					},
					true,
				);
				expect(run.failure?.message).toMatch(/^Dry Run must be true or false \(or 1 \/ 0\), got /);
				expect(String(run.failure?.description)).toContain('Set "Dry Run" to true or false');
				expect(portal.sandbox.log).toEqual([]);
			},
		);

		it('Dry Run given "false" applies the plan', async () => {
			const lines = mixedPortal();
			const run = await sync(desiredMixed, {
				dryRun: '={{ "false" }}',
				deleteUnlisted: true,
				managedPrefix: 'n8n-',
			});
			expect(run.json.map((item) => item.dryRun)).toEqual([false, false, false, false]);
			expect(portal.sandbox.lines().some((line) => line.configId === lines.stale.configId)).toBe(
				false,
			);
		});

		it('the prefix "Team " is matched as typed, without regard to case: "Teamwork" is not deleted', async () => {
			const berlin = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Team Berlin',
				server: 'pbx',
				login: 'b',
			});
			const paris = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'TEAM Paris',
				server: 'pbx',
				login: 'p',
			});
			const teamwork = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Teamwork',
				server: 'pbx',
				login: 'w',
			});
			portal.sandbox.log.length = 0;

			const plan = await sync([{ title: 'Team Rome', server: 'pbx', login: 'r', type: 'office' }], {
				dryRun: true,
				deleteUnlisted: true,
				managedPrefix: 'Team ',
			});
			expect(
				plan.json.filter((item) => item.action === 'delete').map((item) => item.CONFIG_ID),
			).toEqual([berlin.configId, paris.configId]);

			const run = await sync([{ title: 'Team Rome', server: 'pbx', login: 'r', type: 'office' }], {
				deleteUnlisted: true,
				managedPrefix: 'Team ',
			});
			expect(run.failure).toBeUndefined();
			const deleted = commandsOf(portal.sandbox.log)
				.filter((command) => command.restMethod === 'voximplant.sip.delete')
				.map((command) => Number(command.params.CONFIG_ID))
				.sort((a, b) => a - b);
			expect(deleted).toEqual([berlin.configId, paris.configId]);
			expect(
				portal.sandbox
					.lines()
					.map((line) => line.title)
					.sort(),
			).toEqual(['Team Rome', 'Teamwork']);
			expect(portal.sandbox.lines().find((line) => line.title === 'Teamwork')?.configId).toBe(
				teamwork.configId,
			);
		});

		it.each([
			[{ managedPrefix: '   ', managedTitles: 'n8n-Stale' }, 'Managed Title Prefix is only spaces'],
			[{ managedPrefix: ' n8n-' }, 'Managed Title Prefix starts with a space, which no title does'],
			[{ managedTitles: ' , \n ,' }, 'Managed Titles holds no title, only separators'],
			[
				{ managedPrefix: '  ', managedTitles: '' },
				'Managed Title Prefix is required when "Delete Lines Not Listed" is on',
			],
		])('refuses the scope %j, naming the field, with nothing sent', async (scope, message) => {
			mixedPortal();
			portal.sandbox.log.length = 0;
			const run = await sync(desiredMixed, { deleteUnlisted: true, ...scope }, true);
			expect(run.failure?.message).toBe(message);
			expect(String(run.failure?.description)).toContain('Nothing was sent.');
			expect(portal.sandbox.log).toEqual([]);
			expect(portal.sandbox.lines()).toHaveLength(4);
		});

		it("a Password of only spaces leaves the line's password as it is: nothing is sent", async () => {
			portal.sandbox.addLineByHand({ title: 'P', server: 's', login: 'l', password: 'secret' });
			portal.sandbox.log.length = 0;

			for (const options of [{}, { sendPasswords: 'always' }]) {
				const run = await sync([{ title: 'P', server: 's', login: 'l', password: '   ' }], {
					options,
				});
				expect(run.failure).toBeUndefined();
				expect(run.json[0]).toMatchObject({ action: 'unchanged', changes: [] });
			}
			expect(writesOf(portal.sandbox.log)).toEqual([]);
			expect(portal.sandbox.lines()[0].password).toBe('secret');
			// a line created with such an item gets no password field at all, never an empty one
			const created = await sync([{ title: 'Q', server: 's', login: 'q', password: ' \t ' }]);
			expect(created.json[0]).toMatchObject({
				action: 'create',
				changes: ['TYPE', 'TITLE', 'SERVER', 'LOGIN'],
			});
			const add = commandsOf(portal.sandbox.log).find(
				(command) => command.restMethod === 'voximplant.sip.add',
			);
			expect(add?.params).not.toHaveProperty('PASSWORD');
		});

		it('Server and Login that the portal would store the same are no change', async () => {
			portal.sandbox.addLineByHand({
				title: 'P',
				server: 'sip.a.com',
				login: 'l',
				password: 'secret',
			});
			portal.sandbox.log.length = 0;
			const run = await sync([
				{ title: 'P', server: '  https://sip.a.com ', login: ' l ', password: ' secret ' },
			]);
			expect(run.json[0]).toMatchObject({ action: 'unchanged', changes: [] });
			expect(writesOf(portal.sandbox.log)).toEqual([]);
		});

		it('Create and Update refuse a Password of only spaces, naming the field, with nothing sent', async () => {
			const line = portal.sandbox.addLineByHand({
				title: 'P',
				server: 's',
				login: 'l',
				password: 'secret',
			});
			portal.sandbox.log.length = 0;
			const create = await portal.run(
				{
					resource: 'line',
					operation: 'create',
					title: 'New',
					server: 's',
					login: 'n',
					password: '={{ "   " }}',
				},
				[{}],
				{ continueOnFail: true },
			);
			const update = await portal.run(
				{
					resource: 'line',
					operation: 'update',
					configId: line.configId,
					updateFields: { password: '  ' },
				},
				[{}],
				{ continueOnFail: true },
			);
			for (const run of [create, update]) {
				expect(run.json[0].error).toBe(
					'Password is only spaces: Bitrix24 would store an empty password',
				);
				expect(run.json[0].description).toContain('Nothing was sent.');
			}
			expect(portal.sandbox.log).toEqual([]);
			expect(portal.sandbox.lines().map((stored) => [stored.title, stored.password])).toEqual([
				['P', 'secret'],
			]);
		});

		it('a deletion stopped by an unreadable title frees no place: the plan refuses the add, and it is never sent', async () => {
			const old = fullPortal();
			const input = [
				...keepNine,
				{ title: 'n8n-New', server: 's', login: 'new' },
				{ title: '', server: 's', login: 'x' },
			];
			portal.sandbox.log.length = 0;

			const plan = await sync(
				input,
				{ dryRun: true, deleteUnlisted: true, managedPrefix: 'n8n-' },
				true,
			);
			const byTitle = (run: typeof plan, title: string) =>
				run.json.find((item) => item.TITLE === title);
			expect(byTitle(plan, 'n8n-New')).toMatchObject({ action: 'create', code: 'MAX_CLOUD_PBX' });
			expect(byTitle(plan, 'n8n-Old')).toMatchObject({
				action: 'delete',
				code: 'TITLE_UNREADABLE',
			});

			const stopped = await sync(input, { deleteUnlisted: true, managedPrefix: 'n8n-' });
			expect(stopped.failure?.message).toContain('Sync stopped before changing anything');

			const applied = await sync(input, { deleteUnlisted: true, managedPrefix: 'n8n-' }, true);
			expect(byTitle(applied, 'n8n-New')).toMatchObject({
				action: 'create',
				code: 'MAX_CLOUD_PBX',
			});
			expect(byTitle(applied, 'n8n-Old')).toMatchObject({
				action: 'delete',
				code: 'TITLE_UNREADABLE',
			});
			expect(writesOf(portal.sandbox.log)).toEqual([]);
			expect(portal.sandbox.lines().some((line) => line.configId === old.configId)).toBe(true);
			expect(portal.sandbox.lines()).toHaveLength(10);
		});

		it('a deletion that fails while applying frees no place: the add it made room for is refused, never sent', async () => {
			fullPortal();
			portal.sandbox.injectMethodError(
				{ status: 403, error: 'ACCESS_DENIED', description: 'Access denied!' },
				1,
				{
					restMethods: ['voximplant.sip.delete'],
				},
			);
			portal.sandbox.log.length = 0;

			const run = await sync(
				[...keepNine, { title: 'n8n-New', server: 's', login: 'new' }],
				{ deleteUnlisted: true, managedPrefix: 'n8n-' },
				true,
			);

			expect(run.json.find((item) => item.TITLE === 'n8n-Old')).toMatchObject({
				action: 'delete',
				code: 'ACCESS_DENIED',
			});
			const refused = run.json.find((item) => item.TITLE === 'n8n-New');
			expect(refused).toMatchObject({ action: 'create', code: 'MAX_CLOUD_PBX' });
			expect(String(refused?.description)).toContain(
				'1 deletion(s) the sync counted on did not go through',
			);
			expect(writesOf(portal.sandbox.log)).toEqual(['voximplant.sip.delete']);
			expect(portal.sandbox.lines()).toHaveLength(10);
		});
	});

	it('never shows the webhook secret, even in a failure', async () => {
		portal.sandbox.injectFault('html502', 10);
		const run = await sync(
			[{ title: 'A', server: 's', login: 'a' }],
			{ requestOptions: { maxWait: 1 } },
			true,
		);
		expect(run.json[0].error).toBeDefined();
		expect(allText(run.json)).not.toContain(portal.webhook.secret);
	});
});
