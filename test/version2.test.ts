import type { IDataObject } from 'n8n-workflow';

import { addLines } from './helpers/health';
import { sharedEngine, TestPortal, NODE_TYPE } from './helpers/portal';

/**
 * Node version 2 of Bitrix24 SIP: Simplify on by default, Get Status by line, Check All Lines with
 * office lines, Sync's fields reading the input. Version 1 nodes (every workflow saved before) keep
 * their parameters' defaults and their output exactly: the other test files run version 1.
 */

const V1 = { typeVersion: 1 };
const V2 = { typeVersion: 2 };

/** The HTTP requests the sandbox saw, with the methods each carried. */
function requests(portal: TestPortal): string[][] {
	return portal.sandbox.log.map((entry) =>
		entry.restMethod === 'batch'
			? (entry.batchCommands ?? []).map((command) => command.restMethod)
			: [entry.restMethod],
	);
}

describe('node version 2', () => {
	let portal: TestPortal;
	let good: IDataObject;
	let failing: IDataObject;
	let office: IDataObject;

	beforeAll(async () => {
		portal = await TestPortal.start();
		portal.sandbox.setServerBehaviour('sip.forbidden.example', { statusCode: 403 });
		[good, failing, office] = await addLines(portal, [
			{ title: 'Good', server: 'sip.ok.example' },
			{ title: 'Failing', server: 'sip.forbidden.example' },
			{ title: 'Office', type: 'office', server: 'pbx.office.local' },
		]);
		portal.sandbox.advanceRegistrations(2);
		portal.sandbox.setDefaultOutgoing(`reg${good.REG_ID as number}`);
	});

	beforeEach(() => portal.sandbox.clearLog());

	/** The failing cloud line in the short form, as Get Many and Check All Lines show it. */
	const failingShort = (): IDataObject => ({
		id: failing.CONFIG_ID,
		title: 'Failing',
		type: 'cloud',
		server: 'sip.forbidden.example',
		login: 'user1',
		registration: {
			status: 'failed',
			healthy: false,
			summary: 'SIP 403 Forbidden — check login and password',
		},
		defaultOutgoing: false,
	});

	afterAll(async () => {
		await portal.close();
	});

	it('is the version new nodes get; version 1 stays loadable', () => {
		const description = sharedEngine().loaded.nodes[NODE_TYPE].description;
		expect(description.version).toEqual([1, 2]);
		expect(description.defaultVersion).toBe(2);
	});

	describe('Simplify', () => {
		const getMany = { resource: 'line', operation: 'getMany', returnAll: true };

		it('Get Many returns the fields people use, in their words', async () => {
			const run = await portal.run(getMany, [{}], V2);
			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				{
					id: good.CONFIG_ID,
					title: 'Good',
					type: 'cloud',
					server: 'sip.ok.example',
					login: 'user0',
					registration: { status: 'registered', healthy: true, summary: 'Registered' },
					defaultOutgoing: true,
				},
				failingShort(),
				{
					id: office.CONFIG_ID,
					title: 'Office',
					type: 'office',
					server: 'pbx.office.local',
					login: 'user2',
					registration: {
						status: 'none',
						healthy: true,
						summary: 'Office PBX — no registration to check (your PBX connects to Bitrix24)',
					},
					defaultOutgoing: false,
				},
			]);
		});

		it('reads the default outgoing line in the same request as the lines', async () => {
			await portal.run(getMany, [{}, {}, {}], V2);
			expect(requests(portal)).toEqual([
				[
					'voximplant.line.outgoing.get',
					'voximplant.sip.get',
					'voximplant.sip.get',
					'voximplant.sip.get',
				],
			]);
		});

		it('a burst of executions shares one read of the default line while it is in flight', async () => {
			const runs = await Promise.all(
				Array.from(
					{ length: 12 },
					async () =>
						await portal.run(
							{ resource: 'line', operation: 'get', configId: good.CONFIG_ID as number },
							[{}],
							V2,
						),
				),
			);
			expect(runs.map((run) => run.json[0]?.defaultOutgoing)).toEqual(Array(12).fill(true));
			const reads = requests(portal)
				.flat()
				.filter((method) => method === 'voximplant.line.outgoing.get');
			// one per request round at most, not one per execution
			expect(reads.length).toBeLessThanOrEqual(requests(portal).length);
			expect(reads.length).toBeLessThan(12);
		});

		it('switched off, version 2 outputs exactly what version 1 does', async () => {
			const v1 = await portal.run(getMany, [{}], V1);
			const off = await portal.run({ ...getMany, simplify: false }, [{}], V2);
			expect(JSON.stringify(off.json)).toBe(JSON.stringify(v1.json));
			expect(v1.json[0]).toHaveProperty('LINE_DETECT_HEADER_ORDER');
			// and sends no extra call for a flag it does not output
			expect(requests(portal)).toEqual([['voximplant.sip.get'], ['voximplant.sip.get']]);
		});

		it('reads a switch from an expression as the other switches do', async () => {
			const off = await portal.run(
				{
					resource: 'line',
					operation: 'get',
					configId: good.CONFIG_ID as number,
					simplify: '={{ "false" }}',
				},
				[{}],
				V2,
			);
			expect(off.json[0]).toHaveProperty('CONFIG_ID', good.CONFIG_ID);
			portal.sandbox.clearLog();
			const bad = await portal.run(
				{
					resource: 'line',
					operation: 'get',
					configId: good.CONFIG_ID as number,
					simplify: '={{ "yes" }}',
				},
				[{}],
				V2,
			);
			expect(bad.failure?.message).toMatch(/Simplify/);
			expect(portal.sandbox.log).toHaveLength(0);
		});

		it('an unknown default outgoing line leaves the flag null, not false', async () => {
			portal.sandbox.injectMethodError(
				{ status: 403, error: 'ACCESS_DENIED', description: 'Access denied' },
				1,
				{
					restMethods: ['voximplant.line.outgoing.get'],
				},
			);
			const run = await portal.run(
				{ resource: 'line', operation: 'get', configId: good.CONFIG_ID as number },
				[{}],
				V2,
			);
			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				expect.objectContaining({ id: good.CONFIG_ID, defaultOutgoing: null }),
			]);
		});

		it('Update says what changed in the same words', async () => {
			const run = await portal.run(
				{
					resource: 'line',
					operation: 'update',
					configId: office.CONFIG_ID as number,
					updateFields: { login: 'user2', server: 'pbx.office.local' },
				},
				[{}],
				V2,
			);
			expect(run.json).toEqual([
				{ id: office.CONFIG_ID, updated: true, updatedFields: ['server', 'login'] },
			]);
		});

		it('Create with a wait for registration shows the verdict it waited for', async () => {
			const run = await portal.run(
				{
					resource: 'line',
					operation: 'create',
					type: 'cloud',
					title: 'Waited',
					server: 'sip.ok.example',
					login: 'w',
					password: 'p',
					options: { waitForRegistration: 30 },
				},
				[{}],
				V2,
			);
			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				expect.objectContaining({
					title: 'Waited',
					type: 'cloud',
					registration: { status: 'registered', healthy: true, summary: 'Registered' },
					defaultOutgoing: false,
				}),
			]);
			await portal.run({
				resource: 'line',
				operation: 'delete',
				configId: run.json[0].id as number,
			});
		});

		it('Get Default Outgoing names the line in the short form', async () => {
			const run = await portal.run({ resource: 'line', operation: 'getDefaultOutgoing' }, [{}], V2);
			expect(run.json).toEqual([
				{
					kind: 'sipLine',
					description: expect.stringContaining('Good'),
					line: expect.objectContaining({
						id: good.CONFIG_ID,
						title: 'Good',
						defaultOutgoing: true,
					}),
				},
			]);
		});
	});

	describe('Registration → Get Status', () => {
		it('version 2 starts from a line: the picker is all it needs', async () => {
			const run = await portal.run(
				{
					resource: 'registration',
					operation: 'getStatus',
					configId: { __rl: true, mode: 'list', value: String(failing.CONFIG_ID) },
				},
				[{}],
				V2,
			);
			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				{
					lineId: failing.CONFIG_ID,
					registrationId: failing.REG_ID,
					status: 'failed',
					healthy: false,
					summary: 'SIP 403 Forbidden — check login and password',
					sipCode: 403,
					lastUpdated: expect.any(String),
				},
			]);
		});

		it('version 1 still starts from a Registration ID', async () => {
			const run = await portal.run(
				{ resource: 'registration', operation: 'getStatus', regId: good.REG_ID as number },
				[{}],
				V1,
			);
			expect(run.json).toEqual([
				expect.objectContaining({ REG_ID: good.REG_ID, STATUS_RESULT: 'success' }),
			]);
		});

		it('an empty Registration ID in version 2 counts as not filled in (version 1 defaulted to 0)', async () => {
			// n8n itself refuses a required field left empty, before the node runs
			await expect(
				portal.run(
					{ resource: 'registration', operation: 'getStatus', lookUpBy: 'regId' },
					[{}],
					V2,
				),
			).rejects.toThrow(/has issues/);
			const typed = await portal.run(
				{
					resource: 'registration',
					operation: 'getStatus',
					lookUpBy: 'regId',
					regId: ` ${good.REG_ID as number} `,
				},
				[{}],
				V2,
			);
			expect(typed.json).toEqual([
				expect.objectContaining({ registrationId: good.REG_ID, status: 'registered' }),
			]);
			portal.sandbox.clearLog();
			const words = await portal.run(
				{ resource: 'registration', operation: 'getStatus', lookUpBy: 'regId', regId: 'abc' },
				[{}],
				V2,
			);
			expect(words.failure?.message).toMatch(
				/Registration ID must be a positive whole number, got "abc"/,
			);
			expect(portal.sandbox.log).toHaveLength(0);
		});
	});

	describe('Registration → Check All Lines', () => {
		it('version 2 checks every line, office lines too', async () => {
			const run = await portal.run({ resource: 'registration', operation: 'checkAll' }, [{}], V2);
			expect(run.json.map((item) => item.title)).toEqual(['Good', 'Failing', 'Office']);
			expect(run.json[1]).toEqual({
				itemType: 'line',
				...failingShort(),
				healthy: false,
				summary: 'SIP 403 Forbidden — check login and password',
			});
			expect(run.json[2]).toMatchObject({
				type: 'office',
				registration: { status: 'none', healthy: true },
				healthy: true,
			});
		});

		it('Leave Out Office Lines checks the cloud lines only', async () => {
			const run = await portal.run(
				{ resource: 'registration', operation: 'checkAll', options: { excludeOffice: true } },
				[{}],
				V2,
			);
			expect(run.json.map((item) => item.title)).toEqual(['Good', 'Failing']);
		});

		it('version 1 still leaves office lines out unless asked', async () => {
			const run = await portal.run({ resource: 'registration', operation: 'checkAll' }, [{}], V1);
			expect(run.json.map((item) => item.TITLE)).toEqual(['Good', 'Failing']);
		});
	});

	describe('Line → Sync', () => {
		const rows = [{ title: 'Sync A', server: 'sip.ok.example', login: 'a', password: 'pa' }];

		it('version 2 reads the input fields of the same name with nothing mapped', async () => {
			const run = await portal.run({ resource: 'line', operation: 'sync', dryRun: true }, rows, V2);
			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				{
					action: 'create',
					dryRun: true,
					title: 'Sync A',
					type: 'cloud',
					id: null,
					changes: ['type', 'title', 'server', 'login', 'password'],
					reason: 'no line has this title',
					inputItem: 0,
					line: null,
				},
			]);
		});

		it('a Simplify that is not a switch stops the sync before it plans or writes anything', async () => {
			const run = await portal.run(
				{ resource: 'line', operation: 'sync', simplify: '={{ "maybe" }}' },
				rows,
				V2,
			);
			expect(run.failure?.message).toMatch(/Simplify/);
			expect(portal.sandbox.log).toHaveLength(0);
		});

		it('version 1 fields stay empty until mapped', async () => {
			await expect(
				portal.run({ resource: 'line', operation: 'sync', dryRun: true }, rows, V1),
			).rejects.toThrow(/has issues/);
			expect(portal.sandbox.log).toHaveLength(0);
		});

		it('an applied sync outputs the line it made in the short form', async () => {
			const run = await portal.run(
				{ resource: 'line', operation: 'sync' },
				[{ title: 'Sync B', server: 'sip.ok.example', login: 'b', password: 'pb' }],
				V2,
			);
			expect(run.json).toEqual([
				expect.objectContaining({
					action: 'create',
					dryRun: false,
					title: 'Sync B',
					id: expect.any(Number),
					line: expect.objectContaining({
						title: 'Sync B',
						type: 'cloud',
						server: 'sip.ok.example',
						login: 'b',
						registration: expect.any(Object),
					}),
				}),
			]);
			expect(run.json[0].line).not.toHaveProperty('PASSWORD');
			await portal.run({
				resource: 'line',
				operation: 'delete',
				configId: run.json[0].id as number,
			});
		});
	});
});
