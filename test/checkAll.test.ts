import type { IDataObject } from 'n8n-workflow';

import type { LineSpec } from './helpers/health';
import { addLines } from './helpers/health';
import { allText, TestPortal } from './helpers/portal';

const ITEM_KEYS = [
	'CONFIG_ID',
	'ERROR_MESSAGE',
	'LAST_UPDATED',
	'LOGIN',
	'REG_ID',
	'SERVER',
	'STATUS_CODE',
	'STATUS_RESULT',
	'TITLE',
	'TYPE',
	'hasRegistration',
	'healthy',
	'isDefaultOutgoing',
	'itemType',
	'summary',
];

const OFFICE_SUMMARY = 'Office PBX — no registration to check (your PBX connects to Bitrix24)';

function byTitle(items: IDataObject[]): Record<string, IDataObject> {
	return Object.fromEntries(items.map((item) => [item.TITLE as string, item]));
}

describe('Registration → Check All Lines', () => {
	describe('a portal with 8 cloud lines (healthy, failing, pending) and 45 office lines', () => {
		let portal: TestPortal;
		let pendingRegId: number;

		beforeAll(async () => {
			portal = await TestPortal.start();
			portal.sandbox.setServerBehaviour('sip.forbidden.example', { statusCode: 403 });
			portal.sandbox.setServerBehaviour('sip.nodns.example', {
				statusCode: 503,
				errorMessage: 'Unable to resolve hostname',
			});
			const specs: LineSpec[] = [
				{ title: 'Healthy 1', server: 'sip.ok.example' },
				{ title: 'Forbidden 1', server: 'sip.forbidden.example' },
				...Array.from(
					{ length: 20 },
					(_, index): LineSpec => ({ title: `Office ${index + 1}`, type: 'office' }),
				),
				{ title: 'Healthy 2', server: 'sip.ok.example' },
				{ title: 'No DNS', server: 'sip.nodns.example' },
				{ title: 'No password', server: 'sip.ok.example', password: '' },
				...Array.from(
					{ length: 25 },
					(_, index): LineSpec => ({ title: `Office ${index + 21}`, type: 'office' }),
				),
				{ title: 'Forbidden 2', server: 'sip.forbidden.example' },
				{ title: 'Healthy 3', server: 'sip.ok.example' },
				{ title: 'Pending', server: 'sip.ok.example' },
			];
			const created = await addLines(portal, specs);
			expect(created).toHaveLength(53);
			portal.sandbox.advanceRegistrations(2);
			pendingRegId = created.find((line) => line.TITLE === 'Pending')?.REG_ID as number;
		});

		beforeEach(() => {
			// reading a pending registration moves it on in the sandbox: set it back before every run
			portal.sandbox.setRegistration(pendingRegId, { STATUS_RESULT: 'in_progress' });
			portal.sandbox.clearLog();
		});

		afterAll(async () => {
			await portal.close();
		});

		const check = async (options: IDataObject = {}) =>
			await portal.run({ resource: 'registration', operation: 'checkAll', options });

		it('reports every cloud line with its status, verdict and a summary, asking for all statuses in one batch', async () => {
			const run = await check();

			expect(run.failure).toBeUndefined();
			expect(run.json.map((item) => item.TITLE)).toEqual([
				'Healthy 1',
				'Forbidden 1',
				'Healthy 2',
				'No DNS',
				'No password',
				'Forbidden 2',
				'Healthy 3',
				'Pending',
			]);
			const ids = run.json.map((item) => item.CONFIG_ID as number);
			expect(ids).toEqual([...ids].sort((a, b) => a - b));
			for (const item of run.json) expect(Object.keys(item).sort()).toEqual(ITEM_KEYS);

			const lines = byTitle(run.json);
			const stored = portal.sandbox.lines().find((line) => line.title === 'Forbidden 1');
			expect(lines['Forbidden 1']).toEqual({
				itemType: 'line',
				CONFIG_ID: stored?.configId,
				TITLE: 'Forbidden 1',
				TYPE: 'cloud',
				SERVER: 'sip.forbidden.example',
				LOGIN: 'user1',
				REG_ID: stored?.regId,
				isDefaultOutgoing: false,
				hasRegistration: true,
				STATUS_RESULT: 'error',
				STATUS_CODE: 403,
				ERROR_MESSAGE: 'Forbidden',
				LAST_UPDATED: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
				healthy: false,
				summary: 'SIP 403 Forbidden — check login and password',
			});
			expect(lines['Healthy 1']).toMatchObject({
				STATUS_RESULT: 'success',
				STATUS_CODE: 200,
				healthy: true,
				summary: 'Registered',
			});
			expect(lines['No DNS']).toMatchObject({
				STATUS_RESULT: 'error',
				healthy: false,
				summary: 'Unable to resolve hostname — check the server address',
			});
			expect(lines['No password']).toMatchObject({
				STATUS_CODE: 401,
				healthy: false,
				summary: 'SIP 401 Unauthorized — check login and password',
			});
			expect(lines.Pending).toMatchObject({
				STATUS_RESULT: 'in_progress',
				healthy: true,
				summary: 'Registration in progress',
			});
			expect(allText(run.json)).not.toContain('secret-pass');
			expect(run.items.every((item) => JSON.stringify(item.pairedItem) === '{"item":0}')).toBe(
				true,
			);

			// the first line made on a fresh portal became its default outgoing line
			expect(run.json.filter((item) => item.isDefaultOutgoing).map((item) => item.TITLE)).toEqual([
				'Healthy 1',
			]);

			// one call for the cloud lines (a single page), then one batch with the eight status calls and the default's
			expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual([
				'voximplant.sip.get',
				'batch',
			]);
			expect(portal.sandbox.log[0].params).toMatchObject({ FILTER: { TYPE: 'cloud' } });
			const commands = (portal.sandbox.log[1].batchCommands ?? []).map(
				(command) => command.restMethod,
			);
			expect(commands).toEqual([
				...Array<string>(8).fill('voximplant.sip.status'),
				'voximplant.line.outgoing.get',
			]);
		});

		it('includes office lines on request, reading both pages, and marks them as having no registration', async () => {
			const run = await check({ includeOffice: true });

			expect(run.json).toHaveLength(53);
			const ids = run.json.map((item) => item.CONFIG_ID as number);
			expect(ids).toEqual([...ids].sort((a, b) => a - b));
			const office = byTitle(run.json)['Office 30'];
			expect(office).toEqual({
				itemType: 'line',
				CONFIG_ID: portal.sandbox.lines().find((line) => line.title === 'Office 30')?.configId,
				TITLE: 'Office 30',
				TYPE: 'office',
				SERVER: 'sip.example.com',
				LOGIN: expect.stringMatching(/^user\d+$/),
				REG_ID: null,
				isDefaultOutgoing: false,
				hasRegistration: false,
				STATUS_RESULT: null,
				STATUS_CODE: null,
				ERROR_MESSAGE: null,
				LAST_UPDATED: null,
				healthy: true,
				summary: OFFICE_SUMMARY,
			});
			expect(run.json.filter((item) => item.TYPE === 'office')).toHaveLength(45);
			expect(allText(run.json)).not.toMatch(/PASSWORD|secret-pass/);

			// pages by line id: the second asks for the lines after the last one of the first
			const [first, second, statuses] = portal.sandbox.log;
			expect([first.restMethod, first.params.FILTER]).toEqual(['voximplant.sip.get', undefined]);
			expect(second.restMethod).toBe('voximplant.sip.get');
			expect(second.params.FILTER).toEqual({ '>CONFIG_ID': expect.any(Number) });
			expect(statuses.batchCommands).toHaveLength(9);
			expect(portal.sandbox.log).toHaveLength(3);
		});

		it('outputs only the unhealthy lines when asked, and counts pending ones as unhealthy when configured', async () => {
			const unhealthy = await check({ onlyUnhealthy: true, includeOffice: true });
			expect(unhealthy.json.map((item) => item.TITLE)).toEqual([
				'Forbidden 1',
				'No DNS',
				'No password',
				'Forbidden 2',
			]);
			expect(unhealthy.json.every((item) => item.healthy === false)).toBe(true);

			portal.sandbox.setRegistration(pendingRegId, { STATUS_RESULT: 'wait' });
			const strict = await check({ onlyUnhealthy: true, pendingAs: 'unhealthy' });
			expect(strict.json.map((item) => item.TITLE)).toEqual([
				'Forbidden 1',
				'No DNS',
				'No password',
				'Forbidden 2',
				'Pending',
			]);
			expect(strict.json[4]).toMatchObject({
				STATUS_RESULT: 'wait',
				healthy: false,
				summary: 'Waiting to register',
			});
		});
	});

	it('explains the common SIP status codes in the summary', async () => {
		const portal = await TestPortal.start();
		try {
			const codes = [401, 403, 404, 408, 480, 502, 503, 486];
			const lines = await addLines(
				portal,
				codes.map((code) => ({ title: `SIP ${code}` })),
			);
			lines.forEach((line, index) =>
				portal.sandbox.setRegistration(line.REG_ID as number, {
					STATUS_RESULT: 'error',
					STATUS_CODE: codes[index],
				}),
			);

			const run = await portal.run({ resource: 'registration', operation: 'checkAll' });

			expect(run.json.map((item) => item.summary)).toEqual([
				'SIP 401 Unauthorized — check login and password',
				'SIP 403 Forbidden — check login and password',
				'SIP 404 Not Found — the server does not know this login: check the login and the server address',
				'SIP 408 Request Timeout — the server did not answer in time: check the server address and that it accepts SIP from the internet',
				'SIP 480 Temporarily Unavailable — the SIP account is unavailable at the moment: check that it is active with your SIP provider',
				'SIP 502 Bad Gateway — a server between Bitrix24 and your provider failed: check the server address or ask your SIP provider',
				'SIP 503 Service Unavailable — the SIP server is down or overloaded: try again later or ask your SIP provider',
				'SIP 486 Busy Here',
			]);
			expect(run.json.every((item) => item.healthy === false)).toBe(true);
		} finally {
			await portal.close();
		}
	});

	describe('edge cases and errors', () => {
		let portal: TestPortal;

		beforeEach(async () => {
			portal = await TestPortal.start();
		});

		afterEach(async () => {
			await portal.close();
		});

		it('outputs nothing, and asks for no status, when the webhook has only office lines', async () => {
			await addLines(portal, [{ title: 'Office', type: 'office' }]);
			portal.sandbox.clearLog();

			const run = await portal.run({ resource: 'registration', operation: 'checkAll' });

			expect(run.failure).toBeUndefined();
			expect(run.items).toEqual([]);
			expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual(['voximplant.sip.get']);
		});

		it('reports a cloud line whose registration the portal does not know as unhealthy', async () => {
			await addLines(portal, [{ title: 'Lost' }]);
			// the status call travels in a batch with the default outgoing line's: only that command fails
			portal.sandbox.injectMethodError(
				{ status: 400, error: 'REG_ID_NOT_FOUND', description: 'Settings not found' },
				1,
				{
					restMethods: ['voximplant.sip.status'],
				},
			);

			const run = await portal.run({ resource: 'registration', operation: 'checkAll' });

			expect(run.json).toEqual([
				expect.objectContaining({
					TITLE: 'Lost',
					hasRegistration: false,
					STATUS_RESULT: null,
					healthy: false,
					summary:
						'No SIP registration found for this cloud line — open the line in Bitrix24 and save its settings again',
				}),
			]);
		});

		it('fails with the portal error, without the webhook secret, and continues on fail as an error item', async () => {
			await addLines(portal, [{ title: 'Trunk' }]);
			const denied = portal.sandbox.addWebhook({ canManageNumbers: false });
			const parameters = { resource: 'registration', operation: 'checkAll' };

			const run = await portal.run(parameters, [{}], { webhookUrl: denied.url });
			expect(run.failure?.name).toBe('NodeApiError');
			expect(run.failure?.message).toBe(
				"Bitrix24 denied access: the webhook's user lacks the telephony permission",
			);
			expect(allText(run.failure)).not.toContain(denied.secret);

			const tolerant = await portal.run(parameters, [{}], {
				webhookUrl: denied.url,
				continueOnFail: true,
			});
			expect(tolerant.json).toEqual([
				expect.objectContaining({
					error: "Bitrix24 denied access: the webhook's user lacks the telephony permission",
					code: 'ACCESS_DENIED',
				}),
			]);
		});
	});
});

describe('Registration → Get Status by line', () => {
	let portal: TestPortal;
	let cloud: IDataObject;
	let office: IDataObject;

	beforeEach(async () => {
		portal = await TestPortal.start();
		[cloud, office] = await addLines(portal, [
			{ title: 'Cloud', server: 'sip.ok.example' },
			{ title: 'Office', type: 'office' },
		]);
		portal.sandbox.clearLog();
	});

	afterEach(async () => {
		await portal.close();
	});

	const byLine = async (configId: unknown, continueOnFail = false, input: IDataObject[] = [{}]) =>
		await portal.run(
			{
				resource: 'registration',
				operation: 'getStatus',
				lookUpBy: 'configId',
				configId: configId as number,
			},
			input,
			{ continueOnFail },
		);

	it("looks up the line's registration and returns its status with the line id", async () => {
		const run = await byLine(cloud.CONFIG_ID);

		expect(run.json).toEqual([
			{
				CONFIG_ID: cloud.CONFIG_ID,
				REG_ID: cloud.REG_ID,
				STATUS_RESULT: 'wait',
				STATUS_CODE: null,
				ERROR_MESSAGE: '',
				LAST_UPDATED: expect.any(String),
			},
		]);
		expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual([
			'voximplant.sip.get',
			'voximplant.sip.status',
		]);
		expect(portal.sandbox.log[1].params).toEqual({ REG_ID: cloud.REG_ID });
	});

	it('still takes a Registration ID by default', async () => {
		const run = await portal.run({
			resource: 'registration',
			operation: 'getStatus',
			regId: cloud.REG_ID as number,
		});

		expect(run.json).toEqual([
			expect.objectContaining({ REG_ID: cloud.REG_ID, STATUS_RESULT: 'wait' }),
		]);
		expect(run.json[0]).not.toHaveProperty('CONFIG_ID');
	});

	it('refuses an office line clearly, after looking it up, and sends no status call', async () => {
		const run = await byLine(office.CONFIG_ID);

		expect(run.failure?.name).toBe('NodeOperationError');
		expect(run.failure?.message).toBe(
			`Line "Office" (${office.CONFIG_ID}) is an office PBX line: office lines have no registration`,
		);
		expect(run.failure?.description).toContain('Choose a cloud line');
		expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual(['voximplant.sip.get']);
	});

	it('fails for a line the webhook cannot see, and refuses a bad Line ID before sending anything', async () => {
		const missing = await byLine(999);
		expect(missing.failure?.name).toBe('NodeApiError');
		expect(missing.failure?.message).toBe('SIP line 999 was not found');

		portal.sandbox.clearLog();
		const bad = await byLine('={{ "x" }}');
		expect(bad.failure?.name).toBe('NodeOperationError');
		expect(bad.failure?.message).toContain('Line ID must be a positive whole number');
		expect(portal.sandbox.log).toHaveLength(0);
	});

	it('handles many items together, each with its own result or error', async () => {
		const run = await byLine('={{ $json.id }}', true, [
			{ id: cloud.CONFIG_ID },
			{ id: office.CONFIG_ID },
		]);

		expect(run.items).toEqual([
			{
				json: expect.objectContaining({ CONFIG_ID: cloud.CONFIG_ID, STATUS_RESULT: 'wait' }),
				pairedItem: { item: 0 },
			},
			{
				json: expect.objectContaining({
					error: expect.stringContaining('office lines have no registration'),
				}),
				pairedItem: { item: 1 },
			},
		]);
	});
});
