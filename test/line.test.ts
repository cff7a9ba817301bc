import type { IDataObject } from 'n8n-workflow';

import { TestPortal } from './helpers/portal';

describe('Line operations through the engine', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	const create = async (fields: IDataObject, options: IDataObject = {}) =>
		await portal.run({ resource: 'line', operation: 'create', type: 'cloud', ...fields, options });

	describe('Create', () => {
		it('creates a cloud line and outputs it with numeric ids and without its password', async () => {
			const run = await create({
				title: 'Main trunk',
				server: 'https://sip.example.com',
				login: 'u1',
				password: 'p@ss',
			});

			expect(run.failure).toBeUndefined();
			const [line] = run.json;
			const stored = portal.sandbox.lines()[0];
			expect(line).toMatchObject({
				TYPE: 'cloud',
				TITLE: 'Main trunk',
				SERVER: 'sip.example.com',
				LOGIN: 'u1',
				CONFIG_ID: stored.configId,
				REG_ID: stored.regId,
			});
			// `ID` is a row id only add returns (get never does): it is not the line's id
			expect(line).not.toHaveProperty('ID');
			expect(typeof line.CONFIG_ID).toBe('number');
			expect(typeof line.REG_ID).toBe('number');
			expect(line).not.toHaveProperty('PASSWORD');
			expect(stored.password).toBe('p@ss');
			expect(run.items[0].pairedItem).toEqual({ item: 0 });
			expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual([
				'voximplant.sip.get',
				'voximplant.sip.add',
			]);
		});

		it('creates an office line and shows the incoming credentials when passwords are asked for', async () => {
			const run = await create(
				{
					type: 'office',
					title: 'Office',
					server: 'pbx.office.local',
					login: 'office',
					password: 'x',
				},
				{ includePasswords: true },
			);

			const [line] = run.json;
			expect(line.TYPE).toBe('office');
			expect(line).not.toHaveProperty('REG_ID');
			expect(line.INCOMING_SERVER).toEqual(expect.any(String));
			expect(line.INCOMING_PASSWORD).toEqual(expect.any(String));
			expect(line.PASSWORD).toBe('x');
		});

		it.each([
			[{ server: '={{ "" }}', login: 'u' }, 'Server is required'],
			[{ server: 'https://', login: 'u' }, 'Server is required'],
			[
				{ server: 's'.repeat(101), login: 'u' },
				'Server is 101 characters long; Bitrix24 allows at most 100',
			],
			[{ server: 'sip.example.com', login: '  ' }, 'Login is required'],
			[{ server: 'sip.example.com', login: 'l'.repeat(101) }, 'Login is 101 characters long'],
			[
				{ server: 'sip.example.com', login: 'u', password: '😀'.repeat(101) },
				'Password is 101 characters long',
			],
		])('refuses %j before sending anything', async (fields, message) => {
			const run = await create({ title: 'T', password: '', ...fields });

			expect(run.failure?.message).toContain(message);
			expect(portal.sandbox.log).toHaveLength(0);
		});

		it('accepts 100 characters, counting an emoji as one', async () => {
			const run = await create({
				title: 'Long',
				server: 'sip.example.com',
				login: 'u',
				password: '😀'.repeat(100),
			});

			expect(run.failure).toBeUndefined();
			expect(portal.sandbox.lines()[0].password).toBe('😀'.repeat(100));
		});
	});

	describe('Update', () => {
		it('sends only the changes, never a TYPE (update cannot change it), and says what changed', async () => {
			const [office] = await portal.createLines(1, 'office');
			portal.sandbox.clearLog();

			const run = await portal.run({
				resource: 'line',
				operation: 'update',
				configId: office.CONFIG_ID as number,
				updateFields: { title: 'Renamed', password: 'new-pass' },
			});

			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				{ CONFIG_ID: office.CONFIG_ID, updated: true, updatedFields: ['TITLE', 'PASSWORD'] },
			]);
			const stored = portal.sandbox.lines()[0];
			expect(stored).toMatchObject({ type: 'office', title: 'Renamed', password: 'new-pass' });
			expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual([
				'voximplant.sip.update',
			]);
			expect(portal.sandbox.log[0].params).toEqual({
				CONFIG_ID: office.CONFIG_ID,
				TITLE: 'Renamed',
				PASSWORD: 'new-pass',
			});
		});

		it('ignores the PBX Type of workflows made before update stopped asking for it', async () => {
			const [cloud] = await portal.createLines(1, 'cloud');
			portal.sandbox.clearLog();

			const run = await portal.run({
				resource: 'line',
				operation: 'update',
				configId: cloud.CONFIG_ID as number,
				type: 'cloud',
				updateFields: { server: 'http://new.example.com' },
			});

			expect(run.json[0]).toMatchObject({ updated: true, updatedFields: ['SERVER'] });
			expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual([
				'voximplant.sip.update',
			]);
			expect(portal.sandbox.lines()[0].server).toBe('new.example.com');
		});

		it('refuses an update with nothing to change, before any call', async () => {
			const run = await portal.run({
				resource: 'line',
				operation: 'update',
				configId: 3,
				updateFields: { title: '' },
			});

			expect(run.failure?.message).toBe('Nothing to update: no field to change was given');
			expect(run.failure?.description).toContain('Update Fields');
			expect(portal.sandbox.log).toHaveLength(0);
		});

		it('refuses to empty the server', async () => {
			const run = await portal.run({
				resource: 'line',
				operation: 'update',
				configId: 3,
				updateFields: { server: ' ' },
			});

			expect(run.failure?.message).toBe('Server is required');
			expect(portal.sandbox.log).toHaveLength(0);
		});

		it.each([[0], [-4], [2.5], ['abc']])(
			'refuses the line id %j before any call',
			async (configId) => {
				const run = await portal.run({
					resource: 'line',
					operation: 'delete',
					configId: configId as number,
				});

				expect(run.failure?.message).toMatch(/^Line ID must be a positive whole number, got /);
				expect(portal.sandbox.log).toHaveLength(0);
			},
		);

		it('refuses an empty line id before any call, saying it is empty', async () => {
			const run = await portal.run({ resource: 'line', operation: 'delete', configId: '' });

			expect(run.failure?.message).toBe('Line ID is empty');
			expect(run.failure?.description).toBe('Pick a line from the list (or enter its ID).');
			expect(portal.sandbox.log).toHaveLength(0);
		});
	});

	describe('Delete, Get, Set as Default Outgoing', () => {
		it('deletes a line and reports it', async () => {
			const [line] = await portal.createLines(1, 'cloud');

			const run = await portal.run({
				resource: 'line',
				operation: 'delete',
				configId: line.CONFIG_ID as number,
			});

			expect(run.json).toEqual([{ CONFIG_ID: line.CONFIG_ID, deleted: true }]);
			expect(portal.sandbox.lines()).toHaveLength(0);
		});

		it('gets one line by id, and fails clearly for an unknown one', async () => {
			const [line] = await portal.createLines(1, 'cloud', 'Only');

			const found = await portal.run({
				resource: 'line',
				operation: 'get',
				configId: line.CONFIG_ID as number,
			});
			const missing = await portal.run({ resource: 'line', operation: 'get', configId: 999 });

			expect(found.json).toEqual([line]);
			expect(missing.failure?.message).toBe('SIP line 999 was not found');
			expect(missing.failure?.context).toMatchObject({ bitrix24Code: 'ERROR_NOT_FOUND' });
		});

		it('makes a line the default outgoing line', async () => {
			const [first, second] = await portal.createLines(2, 'cloud');

			const run = await portal.run({
				resource: 'line',
				operation: 'setDefaultOutgoing',
				configId: second.CONFIG_ID as number,
			});

			expect(run.json).toEqual([{ CONFIG_ID: second.CONFIG_ID, defaultOutgoing: true }]);
			const lines = portal.sandbox.lines();
			expect(lines.find((l) => l.configId === second.CONFIG_ID)?.isDefaultOutgoing).toBe(true);
			expect(lines.find((l) => l.configId === first.CONFIG_ID)?.isDefaultOutgoing).toBe(false);
		});
	});

	describe('Get Many', () => {
		it('pages through more than 50 lines by line id', async () => {
			const created = await portal.createLines(123, 'office');
			portal.sandbox.clearLog();

			const run = await portal.run({ resource: 'line', operation: 'getMany', returnAll: true });

			expect(run.json.map((line) => line.CONFIG_ID)).toEqual(created.map((line) => line.CONFIG_ID));
			expect(run.items.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(
				true,
			);
			expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual(
				Array(3).fill('voximplant.sip.get'),
			);
		});

		it('stops at the limit', async () => {
			await portal.createLines(75, 'office');

			const run = await portal.run({
				resource: 'line',
				operation: 'getMany',
				returnAll: false,
				limit: 60,
			});

			expect(run.json).toHaveLength(60);
		});

		it('filters by type, title, server and ids, and sorts', async () => {
			await portal.createLines(3, 'office', 'Office');
			const clouds = await portal.createLines(3, 'cloud', 'Cloud');

			const byType = await portal.run({
				resource: 'line',
				operation: 'getMany',
				returnAll: true,
				filters: { type: 'cloud' },
			});
			const byTitle = await portal.run({
				resource: 'line',
				operation: 'getMany',
				returnAll: true,
				filters: { title: 'office 2' },
			});
			const byIds = await portal.run({
				resource: 'line',
				operation: 'getMany',
				returnAll: true,
				filters: { configIds: `${clouds[0].CONFIG_ID}, ${clouds[2].CONFIG_ID}` },
				sort: { field: 'CONFIG_ID', order: 'DESC' },
			});

			expect(byType.json.map((line) => line.TITLE)).toEqual(['Cloud 1', 'Cloud 2', 'Cloud 3']);
			expect(byTitle.json.map((line) => line.TITLE)).toEqual(['Office 2']);
			expect(byIds.json.map((line) => line.CONFIG_ID)).toEqual([
				clouds[2].CONFIG_ID,
				clouds[0].CONFIG_ID,
			]);
		});

		it('returns nothing when no line matches', async () => {
			const run = await portal.run({ resource: 'line', operation: 'getMany', returnAll: true });

			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([]);
		});

		it('refuses line ids that are not numbers', async () => {
			const run = await portal.run({
				resource: 'line',
				operation: 'getMany',
				returnAll: true,
				filters: { configIds: '3, x' },
			});

			expect(run.failure?.message).toBe('Line IDs must be positive whole numbers, got "x"');
			expect(portal.sandbox.log).toHaveLength(0);
		});
	});
});

describe('Registration and Connector', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	it('reads a registration status until it settles', async () => {
		const [line] = await portal.createLines(1, 'cloud');
		const results: IDataObject[] = [];
		for (let read = 0; read < 4; read++) {
			const run = await portal.run({
				resource: 'registration',
				operation: 'getStatus',
				regId: line.REG_ID as number,
			});
			results.push(run.json[0]);
		}

		expect(results.map((status) => status.STATUS_RESULT)).toEqual([
			'wait',
			'in_progress',
			'success',
			'success',
		]);
		expect(results[3]).toMatchObject({ REG_ID: line.REG_ID, STATUS_CODE: 200, ERROR_MESSAGE: '' });
		expect(typeof results[3].LAST_UPDATED).toBe('string');
	});

	it('reports a failing registration with its SIP code', async () => {
		portal.sandbox.setServerBehaviour('sip.example.com', { statusCode: 403 });
		const [line] = await portal.createLines(1, 'cloud');
		portal.sandbox.advanceRegistrations(5);

		const run = await portal.run({
			resource: 'registration',
			operation: 'getStatus',
			regId: line.REG_ID as number,
		});

		expect(run.json[0]).toMatchObject({ STATUS_RESULT: 'error', STATUS_CODE: 403 });
	});

	it('reads the connector status, with the paid period when there is one', async () => {
		const free = await portal.run({ resource: 'connector', operation: 'getStatus' });
		portal.sandbox.setConnector({ FREE_MINUTES: 0, PAID: true, PAID_DATE_END: '2027-01-31' });
		const paid = await portal.run({ resource: 'connector', operation: 'getStatus' });

		expect(free.json).toEqual([{ FREE_MINUTES: 60, PAID: false }]);
		expect(paid.json).toEqual([{ FREE_MINUTES: 0, PAID: true, PAID_DATE_END: '2027-01-31' }]);
	});
});
