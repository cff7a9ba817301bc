import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { TestPortal } from './helpers/portal';
import type { LogEntry } from './sandbox';

const STATUS = 'voximplant.sip.status';

/** How many status reads each request carried, for the requests that carried any. */
function statusReadsPerRequest(log: LogEntry[]): number[] {
	return log
		.map((entry) =>
			entry.restMethod === 'batch'
				? (entry.batchCommands ?? []).filter((command) => command.restMethod === STATUS).length
				: entry.restMethod === STATUS
					? 1
					: 0,
		)
		.filter((count) => count > 0);
}

interface Desired {
	title: string;
	server?: string;
	password?: string;
	type?: 'cloud' | 'office';
}

describe('Wait for Registration', () => {
	let portal: TestPortal;

	afterEach(async () => {
		await portal.close();
	});

	const create = async (input: Desired[], options: IDataObject, signal?: AbortSignal) =>
		await portal.run(
			{
				resource: 'line',
				operation: 'create',
				type: '={{ $json.type ?? "cloud" }}',
				title: '={{ $json.title }}',
				server: '={{ $json.server ?? "sip.ok.example" }}',
				login: '={{ $json.title.toLowerCase().replace(/ /g, "_") }}',
				password: '={{ $json.password ?? "secret" }}',
				options,
			},
			input as unknown as IDataObject[],
			{ signal },
		);

	const update = async (configId: number, updateFields: IDataObject, options: IDataObject) =>
		await portal.run({ resource: 'line', operation: 'update', configId, updateFields, options });

	describe('with registrations that settle within a fraction of a second', () => {
		beforeEach(async () => {
			portal = await TestPortal.start({ registrationStepMs: 100 });
		});

		it('Create waits for the verdict and adds it to the line', async () => {
			const started = Date.now();
			const run = await create([{ title: 'Trunk' }], { waitForRegistration: 10 });

			expect(run.failure).toBeUndefined();
			expect(run.json[0]).toMatchObject({
				TITLE: 'Trunk',
				REG_ID: portal.sandbox.lines()[0].regId,
			});
			expect(run.json[0].registration).toEqual({
				STATUS_RESULT: 'success',
				STATUS_CODE: 200,
				ERROR_MESSAGE: '',
				healthy: true,
				summary: 'Registered',
				settled: true,
			});
			// the first read comes about a second after the add, and it already sees the verdict
			expect(statusReadsPerRequest(portal.sandbox.log)).toEqual([1]);
			expect(Date.now() - started).toBeLessThan(3000);
		});

		it('a failing registration is settled, unhealthy, and worded as Check All Lines words it', async () => {
			portal.sandbox.setServerBehaviour('sip.forbidden.example', { statusCode: 403 });
			const run = await create([{ title: 'Forbidden', server: 'sip.forbidden.example' }], {
				waitForRegistration: 10,
			});
			const check = await portal.run({ resource: 'registration', operation: 'checkAll' });

			expect(run.failure).toBeUndefined();
			const registration = run.json[0].registration as IDataObject;
			expect(registration).toMatchObject({
				STATUS_RESULT: 'error',
				STATUS_CODE: 403,
				healthy: false,
				settled: true,
			});
			expect(registration.summary).toBe('SIP 403 Forbidden — check login and password');
			expect(check.json).toHaveLength(1);
			expect(registration.summary).toBe(check.json[0].summary);
			expect(registration.ERROR_MESSAGE).toBe(check.json[0].ERROR_MESSAGE);
		});

		it('0 (the default) waits for nothing: no status call, no registration field', async () => {
			const run = await create([{ title: 'Trunk' }], { waitForRegistration: 0 });
			const without = await create([{ title: 'Trunk 2' }], {});

			expect(run.failure).toBeUndefined();
			expect(run.json[0]).not.toHaveProperty('registration');
			expect(without.json[0]).not.toHaveProperty('registration');
			expect(statusReadsPerRequest(portal.sandbox.log)).toEqual([]);
		});

		it('an office line has no registration: no field, no status call, no waiting', async () => {
			const started = Date.now();
			const run = await create([{ title: 'Office', type: 'office' }], { waitForRegistration: 30 });

			expect(run.failure).toBeUndefined();
			expect(run.json[0]).toMatchObject({ TYPE: 'office', TITLE: 'Office' });
			expect(run.json[0]).not.toHaveProperty('registration');
			expect(statusReadsPerRequest(portal.sandbox.log)).toEqual([]);
			expect(Date.now() - started).toBeLessThan(1000);
		});

		it("a registration the portal does not know is reported as missing, in Check All Lines' words", async () => {
			portal.sandbox.injectMethodError(
				{ status: 400, error: 'REG_ID_NOT_FOUND', description: 'Configuration was not found.' },
				1,
				{ restMethods: [STATUS] },
			);
			const run = await create([{ title: 'Trunk' }], { waitForRegistration: 10 });

			expect(run.failure).toBeUndefined();
			expect(run.json[0].registration).toEqual({
				STATUS_RESULT: null,
				STATUS_CODE: null,
				ERROR_MESSAGE: null,
				healthy: false,
				summary:
					'No SIP registration found for this cloud line — open the line in Bitrix24 and save its settings again',
				settled: true,
			});
		});

		it('a status the portal refuses to give does not lose the created line', async () => {
			portal.sandbox.injectMethodError(
				{ status: 403, error: 'ACCESS_DENIED', description: 'Access denied!' },
				1,
				{
					restMethods: [STATUS],
				},
			);
			const run = await create([{ title: 'Trunk' }], { waitForRegistration: 10 });

			expect(run.failure).toBeUndefined();
			expect(run.json[0]).toMatchObject({
				TITLE: 'Trunk',
				CONFIG_ID: portal.sandbox.lines()[0].configId,
			});
			const registration = run.json[0].registration as IDataObject;
			expect(registration).toMatchObject({ STATUS_RESULT: null, healthy: false, settled: false });
			expect(registration.summary).toMatch(
				/^The registration status could not be read: Bitrix24 denied access/,
			);
		});

		it('Update that changes the password waits for the new registration, not the old verdict', async () => {
			portal.sandbox.setServerBehaviour('sip.auth.example', { requirePassword: 'right' });
			const [line] = (
				await create([{ title: 'Trunk', server: 'sip.auth.example', password: 'wrong' }], {
					waitForRegistration: 10,
				})
			).json;
			expect(line.registration).toMatchObject({
				STATUS_RESULT: 'error',
				STATUS_CODE: 401,
				settled: true,
			});
			portal.sandbox.clearLog();

			const run = await update(
				line.CONFIG_ID as number,
				{ password: 'right' },
				{ waitForRegistration: 10 },
			);

			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				{
					CONFIG_ID: line.CONFIG_ID,
					updated: true,
					updatedFields: ['PASSWORD'],
					registration: {
						STATUS_RESULT: 'success',
						STATUS_CODE: 200,
						ERROR_MESSAGE: '',
						healthy: true,
						summary: 'Registered',
						settled: true,
					},
				},
			]);
			const methods = portal.sandbox.log.map((entry) => entry.restMethod);
			expect(methods).toEqual(['voximplant.sip.update', 'voximplant.sip.get', STATUS]);
			expect(portal.sandbox.log[1].params).toMatchObject({ FILTER: { CONFIG_ID: line.CONFIG_ID } });
		});

		it('Update of an office line, or without the option, reads no registration', async () => {
			const [office] = (await create([{ title: 'Office', type: 'office' }], {})).json;
			const [cloud] = (await create([{ title: 'Cloud' }], {})).json;
			portal.sandbox.clearLog();

			const officeRun = await update(
				office.CONFIG_ID as number,
				{ title: 'Office 2' },
				{ waitForRegistration: 10 },
			);
			const cloudRun = await update(cloud.CONFIG_ID as number, { title: 'Cloud 2' }, {});

			expect(officeRun.json).toEqual([
				{ CONFIG_ID: office.CONFIG_ID, updated: true, updatedFields: ['TITLE'] },
			]);
			expect(cloudRun.json).toEqual([
				{ CONFIG_ID: cloud.CONFIG_ID, updated: true, updatedFields: ['TITLE'] },
			]);
			expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual([
				'voximplant.sip.update',
				'voximplant.sip.get',
				'voximplant.sip.update',
			]);
		});

		it.each([
			[-1, '-1'],
			['={{ "abc" }}', '"abc"'],
			[301, '301'],
			['={{ null }}', 'null'],
		])('refuses %j for the option, naming it, with nothing sent', async (value, shown) => {
			const created = await create([{ title: 'Trunk' }], { waitForRegistration: value });
			const updated = await update(3, { title: 'New' }, { waitForRegistration: value });

			for (const run of [created, updated]) {
				expect(run.failure?.message).toBe(
					`Wait for Registration (Seconds) must be a number from 0 to 300, got ${shown}`,
				);
				expect(run.failure?.description).toContain(
					'"Wait for Registration (Seconds)" under Options',
				);
			}
			expect(portal.sandbox.log).toHaveLength(0);
		});

		it('accepts a number of seconds given as text by an expression', async () => {
			const run = await create([{ title: 'Trunk' }], { waitForRegistration: '={{ "5" }}' });

			expect(run.failure).toBeUndefined();
			expect(run.json[0].registration).toMatchObject({ STATUS_RESULT: 'success', settled: true });
		});
	});

	describe('with registrations that take a while', () => {
		it('many items share their polling rounds: one batch of status reads per round', async () => {
			// each request takes 200 ms, so items that return an existing line finish their write a
			// request later than those that create one: their reads fall due at different moments
			portal = await TestPortal.start({ registrationStepMs: 60_000, latencyMs: 200 });
			const existing = (
				await create(
					[1, 2, 3, 4].map((n) => ({ title: `Trunk ${n}` })),
					{},
				)
			).json;
			// an execution just before is company that the run below would wait for (grouping.ts): let it pass
			await sleep(1000);
			portal.sandbox.clearLog();
			const reads = new Map<number, number>();
			portal.sandbox.setBeforeCall((restMethod, params) => {
				if (restMethod !== STATUS) return;
				// every registration reaches its verdict at its second read
				const regId = Number(params.REG_ID);
				reads.set(regId, (reads.get(regId) ?? 0) + 1);
				if (reads.get(regId) === 2)
					portal.sandbox.setRegistration(regId, {
						STATUS_RESULT: regId % 2 === 0 ? 'success' : 'error',
					});
			});
			const input: Desired[] = Array.from({ length: 8 }, (_, index) => ({
				title: `Trunk ${index + 1}`,
			}));

			const run = await create(input, { waitForRegistration: 20, ifTitleExists: 'returnExisting' });

			expect(run.failure).toBeUndefined();
			expect(run.json.slice(0, 4).map((item) => item.CONFIG_ID)).toEqual(
				existing.map((line) => line.CONFIG_ID),
			);
			expect(run.json.map((item) => (item.registration as IDataObject).STATUS_RESULT)).toEqual(
				run.json.map((item) => ((item.REG_ID as number) % 2 === 0 ? 'success' : 'error')),
			);
			expect(run.json.every((item) => (item.registration as IDataObject).settled === true)).toBe(
				true,
			);
			expect(run.items.map((item) => item.pairedItem)).toEqual(input.map((_, item) => ({ item })));
			expect([...reads.values()]).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
			// two rounds, each one request carrying every item's read
			expect(statusReadsPerRequest(portal.sandbox.log)).toEqual([8, 8]);
		});

		it('a registration that does not settle in time: the last status seen, settled false, no error', async () => {
			portal = await TestPortal.start({ registrationStepMs: 60_000 });
			let reads = 0;
			portal.sandbox.setBeforeCall((restMethod, params) => {
				// the registration moves on after the first read, and then stays pending
				if (restMethod === STATUS && ++reads === 2) {
					portal.sandbox.setRegistration(Number(params.REG_ID), { STATUS_RESULT: 'in_progress' });
				}
			});
			const started = Date.now();

			const run = await create([{ title: 'Slow' }], { waitForRegistration: 1.5 });

			expect(run.failure).toBeUndefined();
			expect(run.json[0].registration).toEqual({
				STATUS_RESULT: 'in_progress',
				STATUS_CODE: null,
				ERROR_MESSAGE: '',
				healthy: false,
				summary: 'Registration in progress',
				settled: false,
			});
			// read at about 1 s and once more at the deadline, never after it
			expect(statusReadsPerRequest(portal.sandbox.log)).toEqual([1, 1]);
			const elapsed = Date.now() - started;
			expect(elapsed).toBeGreaterThanOrEqual(1400);
			expect(elapsed).toBeLessThan(2500);
		});

		it('a cancelled execution stops waiting at once and reads no more', async () => {
			portal = await TestPortal.start({ registrationStepMs: 60_000 });
			const stop = new AbortController();
			portal.sandbox.setBeforeCall((restMethod) => {
				if (restMethod === STATUS) stop.abort();
			});
			const started = Date.now();

			const run = await create([{ title: 'Slow' }], { waitForRegistration: 60 }, stop.signal);
			// portal.run resolves when the engine reports the run; sleep past the next read's time
			const endedAfter = Date.now() - started;
			await sleep(2200);

			expect(run.run.status).toBe('canceled');
			expect(endedAfter).toBeLessThan(2000);
			expect(statusReadsPerRequest(portal.sandbox.log)).toEqual([1]);
		});
	});
});
