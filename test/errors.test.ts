import type { IDataObject } from 'n8n-workflow';

import type { NodeRun } from './helpers/portal';
import { allText, TestPortal } from './helpers/portal';

describe('Bitrix24 errors become clear n8n errors', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	/** The node's error, checked for the things every error must have. */
	function failureOf(run: NodeRun): Error & IDataObject {
		expect(run.failure).toBeDefined();
		const failure = run.failure as Error & IDataObject;
		expect(failure.name).toBe('NodeApiError');
		expect(allText(run.run)).not.toContain(portal.webhook.secret);
		return failure;
	}

	const status = (regId: number, requestOptions: IDataObject = {}) =>
		portal.run({ resource: 'registration', operation: 'getStatus', regId, requestOptions });

	it('INVALID_CREDENTIALS: a wrong, deleted or expired webhook code is "not accepted", with what to do', async () => {
		const run = await portal.run({ resource: 'connector', operation: 'getStatus' }, [{}], {
			webhookUrl: portal.webhook.url.replace(portal.webhook.secret, 'expired0000code'),
		});
		const failure = failureOf(run);
		expect(failure.message).toBe(
			'Bitrix24 does not accept this webhook: its code is wrong, or it was deleted or has expired',
		);
		expect(failure.description).toContain('Developer resources → Other → Inbound webhook');
		expect(failure.httpCode).toBe('401');
		expect(failure.context).toMatchObject({ bitrix24Code: 'INVALID_CREDENTIALS' });
	});

	it('INVALID_CREDENTIALS: a webhook deleted in Bitrix24 stops every item after the first answer', async () => {
		const hook = portal.sandbox.addWebhook({ userId: 3 });
		portal.sandbox.removeWebhook(hook.id);
		const run = await portal.run(
			{ resource: 'connector', operation: 'getStatus', requestOptions: { batching: false } },
			[{}, {}, {}],
			{ webhookUrl: hook.url, continueOnFail: true },
		);
		expect(run.json.map((item) => item.code)).toEqual(Array(3).fill('INVALID_CREDENTIALS'));
		expect(portal.sandbox.log).toHaveLength(1);
		expect(allText(run.run)).not.toContain(hook.secret);
	});

	it('decides by code, not by HTTP status: INVALID_CREDENTIALS with the documented 403 reads the same', async () => {
		portal.sandbox.injectError(
			{ status: 403, error: 'INVALID_CREDENTIALS', description: 'Invalid request credentials' },
			1,
		);
		const failure = failureOf(await portal.run({ resource: 'connector', operation: 'getStatus' }));
		expect(failure.message).toMatch(/^Bitrix24 does not accept this webhook/);
	});

	it('insufficient_scope: webhook without telephony', async () => {
		const hook = portal.sandbox.addWebhook({ scopes: ['crm'] });
		const run = await portal.run({ resource: 'connector', operation: 'getStatus' }, [{}], {
			webhookUrl: hook.url,
		});
		const failure = failureOf(run);
		expect(failure.message).toBe('The webhook lacks the "telephony" scope');
		expect(failure.httpCode).toBe('401');
		expect(allText(run.run)).not.toContain(hook.secret);
	});

	it('insufficient_scope inside a batch (empty description): every item gets it, in one request', async () => {
		const hook = portal.sandbox.addWebhook({ userId: 2, scopes: ['crm'] });
		const run = await portal.run(
			{ resource: 'registration', operation: 'getStatus', regId: '={{ $json.regId }}' },
			[{ regId: 1 }, { regId: 2 }, { regId: 3 }],
			{ webhookUrl: hook.url, continueOnFail: true },
		);
		expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual(['batch']);
		expect(run.json).toEqual(
			Array(3).fill(
				expect.objectContaining({
					code: 'insufficient_scope',
					error: 'The webhook lacks the "telephony" scope',
				}),
			),
		);
		expect(allText(run.run)).not.toContain(hook.secret);
	});

	it("ACCESS_DENIED: the webhook's user lacks the permission", async () => {
		const hook = portal.sandbox.addWebhook({ canManageNumbers: false });
		const run = await portal.run({ resource: 'connector', operation: 'getStatus' }, [{}], {
			webhookUrl: hook.url,
		});
		const failure = failureOf(run);
		expect(failure.message).toBe(
			"Bitrix24 denied access: the webhook's user lacks the telephony permission",
		);
		expect(failure.description).toContain('"Manage numbers — modify"');
		expect(failure.context).toMatchObject({ bitrix24Code: 'ACCESS_DENIED' });
	});

	it('ERROR_NOT_FOUND: 404 from update, 400 from delete', async () => {
		const update = await portal.run({
			resource: 'line',
			operation: 'update',
			configId: 77,
			updateFields: { title: 'x' },
		});
		const del = await portal.run({ resource: 'line', operation: 'delete', configId: 77 });
		for (const [run, httpCode] of [
			[update, '404'],
			[del, '400'],
		] as const) {
			const failure = failureOf(run);
			expect(failure.message).toBe('The SIP line was not found');
			expect(failure.description).toContain(
				'Every inbound webhook of the portal and the Bitrix24 UI see the same SIP lines',
			);
			expect(failure.httpCode).toBe(httpCode);
		}
	});

	it('a line of another webhook is visible (one shared pool); a line of an OAuth application is not', async () => {
		const other = portal.sandbox.addWebhook({ userId: 2 });
		const [line] = await portal.createLines(1, 'office');
		const app = portal.sandbox.addAppLine('app.42', {
			type: 'office',
			title: 'App line',
			server: 's',
			login: 'l',
		});

		const read = await portal.run(
			{ resource: 'line', operation: 'get', configId: line.CONFIG_ID },
			[{}],
			{ webhookUrl: other.url },
		);
		expect(read.json[0]).toMatchObject({ CONFIG_ID: line.CONFIG_ID });
		const hidden = await portal.run({
			resource: 'line',
			operation: 'delete',
			configId: app.configId,
		});
		expect(failureOf(hidden).context).toMatchObject({ bitrix24Code: 'ERROR_NOT_FOUND' });
		expect(portal.sandbox.lines()).toHaveLength(2);
	});

	it('ERROR_ARGUMENT: Set as Default Outgoing with an unknown id; any line of the portal is accepted', async () => {
		const unknown = failureOf(
			await portal.run({ resource: 'line', operation: 'setDefaultOutgoing', configId: 4242 }),
		);
		expect(unknown.message).toBe('Bitrix24 rejected an argument: Specified CONFIG_ID is not found');
		expect(unknown.description).toContain('Check the Line ID');
		expect(unknown.httpCode).toBe('400');
		expect(unknown.context).toMatchObject({ bitrix24Code: 'ERROR_ARGUMENT' });

		// not filtered by application: even a line the webhook cannot list can become the default
		const app = portal.sandbox.addAppLine('app.42', {
			type: 'office',
			title: 'App line',
			server: 's',
			login: 'l',
		});
		const run = await portal.run({
			resource: 'line',
			operation: 'setDefaultOutgoing',
			configId: app.configId,
		});
		expect(run.failure).toBeUndefined();
		expect(
			portal.sandbox.lines().find((line) => line.configId === app.configId)?.isDefaultOutgoing,
		).toBe(true);
	});

	it('REG_ID_NOT_FOUND: unknown registration, and a registration that cannot be removed', async () => {
		const unknown = failureOf(await status(424242));
		expect(unknown.message).toBe('The SIP registration was not found');
		expect(unknown.description).toContain('Office PBX lines have no registration');

		const [line] = await portal.createLines(1, 'cloud');
		portal.sandbox.breakRegistration(line.REG_ID as number);
		const del = failureOf(
			await portal.run({ resource: 'line', operation: 'delete', configId: line.CONFIG_ID }),
		);
		expect(del.context).toMatchObject({ bitrix24Code: 'REG_ID_NOT_FOUND' });
	});

	it('TITLE_EXISTS and MAX_CLOUD_PBX', async () => {
		await portal.createLines(10, 'cloud', 'Cloud');
		const duplicate = await portal.run({
			resource: 'line',
			operation: 'create',
			type: 'office',
			title: 'Cloud 3',
			server: 's',
			login: 'l',
		});
		const eleventh = await portal.run({
			resource: 'line',
			operation: 'create',
			type: 'cloud',
			title: 'Cloud 11',
			server: 's',
			login: 'l',
		});

		expect(failureOf(duplicate).message).toBe(
			'A telephony connection with this title already exists on the portal',
		);
		expect(failureOf(duplicate).description).toContain('If Title Exists');
		expect(failureOf(eleventh).message).toBe(
			'The portal already has the maximum of 10 cloud PBX lines',
		);
		expect(failureOf(eleventh).context).toMatchObject({ bitrix24Code: 'MAX_CLOUD_PBX' });
	});

	it('CHECK_FIELDS_ERROR: every <br> part is shown', async () => {
		portal.sandbox.injectError(
			{
				status: 400,
				error: 'CHECK_FIELDS_ERROR',
				description: 'Server address is not specified.<br> Server login is not specified.',
			},
			1,
			{ restMethods: ['voximplant.sip.add'] },
		);
		const run = await portal.run({
			resource: 'line',
			operation: 'create',
			type: 'cloud',
			title: 'T',
			server: 's',
			login: 'l',
		});
		const failure = failureOf(run);
		expect(failure.message).toBe(
			"Bitrix24 rejected the line's fields: Server address is not specified.; Server login is not specified.",
		);
		expect(failure.httpCode).toBe('400');
	});

	it('QUERY_LIMIT_EXCEEDED: retried, then a clear error when Max Wait runs out', async () => {
		portal.sandbox.injectError(
			{ status: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' },
			100,
		);
		// 3 s: room for a back-off (at most 0.75 s) plus the wait for the bucket marked full (1 s), so a repeat is certain
		const failure = failureOf(await status(1, { maxWait: 3 }));
		expect(failure.message).toBe(
			"Bitrix24 kept refusing requests (too many per second) until the node's Max Wait of 3 s ran out; this call was not sent",
		);
		expect(failure.context).toMatchObject({ bitrix24Code: 'QUERY_LIMIT_EXCEEDED' });
		expect(portal.sandbox.log.length).toBeGreaterThan(1);
	});

	it('OPERATION_TIME_LIMIT: says when the method will be available again, when the portal said so', async () => {
		const [line] = await portal.createLines(1, 'cloud');
		// the first answers carry operating_reset_at; the third call finds the method blocked
		portal.sandbox.setOperating({ limitSeconds: 0.05, costSeconds: 0.03, basketMs: 60_000 });
		const run = await portal.run(
			{
				resource: 'registration',
				operation: 'getStatus',
				regId: line.REG_ID as number,
				requestOptions: { batching: false, maxWait: 5 },
			},
			[{}, {}, {}],
			{ continueOnFail: true },
		);
		expect(run.json[2].error).toMatch(
			/^Bitrix24 blocked voximplant\.sip\.status until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: its run time in the last 10 minutes is over the portal's limit$/,
		);
		expect(run.json[2].description).toContain('will be available again at');
		expect(run.json[2].httpCode).toBe(429);
	});

	it('OPERATION_TIME_LIMIT without timing data: never announces a guessed reset time', async () => {
		portal.sandbox.injectError(
			{
				status: 429,
				error: 'OPERATION_TIME_LIMIT',
				description: 'Method is blocked due to operation time limit.',
			},
			1,
		);
		const failure = failureOf(await status(1, { maxWait: 5 }));
		expect(failure.message).toBe(
			"Bitrix24 blocked voximplant.sip.status: its run time in the last 10 minutes is over the portal's limit, and the portal did not say when the block ends",
		);
		expect(failure.message).not.toMatch(/until|\d{4}-\d\d-\d\d/);
		expect(failure.description).toContain('within 10 minutes');
		expect(failure.httpCode).toBe('429');
	});

	it('OVERLOAD_LIMIT: never retried', async () => {
		portal.sandbox.injectFault('overload', 5);
		const failure = failureOf(await status(1));
		expect(failure.message).toBe('Bitrix24 support has blocked REST access for this portal');
		expect(portal.sandbox.log).toHaveLength(1);
	});

	it.each([
		['http500', 'Bitrix24 had an internal error', '500'],
		[
			'html502',
			'The portal answered with a web page instead of data (HTTP 502: 502 Bad Gateway)',
			'502',
		],
		[
			'html504',
			'The portal answered with a web page instead of data (HTTP 504: 504 Gateway Time-out)',
			'504',
		],
		['reset', 'The connection to the portal was lost before it answered', undefined],
	] as const)(
		'%s: retried a bounded number of times, then a clear error',
		async (fault, message, httpCode) => {
			portal.sandbox.injectFault(fault, 10);
			const failure = failureOf(await status(1));
			expect(failure.message).toBe(message);
			expect(failure.httpCode ?? undefined).toBe(httpCode);
			expect(portal.sandbox.log).toHaveLength(4);
		},
	);

	it('timeout: a portal that does not answer', async () => {
		portal.sandbox.injectFault('hang', 10);
		const failure = failureOf(await status(1, { timeout: 1 }));
		expect(failure.message).toBe('The portal did not answer within 1 s');
		expect(failure.context).toMatchObject({ bitrix24Code: 'TIMEOUT' });
	});

	it('recovers from a transient fault of a call that is safe to repeat', async () => {
		const [line] = await portal.createLines(1, 'cloud');
		portal.sandbox.injectFault('html502', 2);
		const run = await status(line.REG_ID as number);
		expect(run.failure).toBeUndefined();
		expect(run.json[0].REG_ID).toBe(line.REG_ID);
	});
});

describe('continue on fail and bad input', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	it('gives every item its own result or error, paired with it', async () => {
		const [line] = await portal.createLines(1, 'cloud');
		const input = [
			{ regId: line.REG_ID },
			{ regId: 'abc' },
			{ regId: 999999 },
			{ regId: line.REG_ID },
		];

		const run = await portal.run(
			{ resource: 'registration', operation: 'getStatus', regId: '={{ $json.regId }}' },
			input,
			{
				continueOnFail: true,
			},
		);

		expect(run.items.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);
		expect(run.json[0]).toMatchObject({ REG_ID: line.REG_ID });
		expect(run.json[1]).toMatchObject({
			error: 'Registration ID must be a positive whole number, got "abc"',
		});
		expect(run.json[2]).toMatchObject({
			error: 'The SIP registration was not found',
			code: 'REG_ID_NOT_FOUND',
			httpCode: 400,
		});
		expect(run.json[3]).toMatchObject({ REG_ID: line.REG_ID });
		expect(allText(run.run)).not.toContain(portal.webhook.secret);
	});

	it('sends nothing when one item has bad input and the node does not continue on fail', async () => {
		const input = [{ id: 3 }, { id: 4 }, { id: -1 }];
		const run = await portal.run(
			{ resource: 'line', operation: 'delete', configId: '={{ $json.id }}' },
			input,
		);

		expect(run.failure?.message).toBe('Line ID must be a positive whole number, got -1');
		expect(run.failure?.description).toContain('Line ID');
		expect(portal.sandbox.log).toHaveLength(0);
	});

	it('says how many other items succeeded when a write fails without continue on fail', async () => {
		const lines = await portal.createLines(3, 'office');
		const input = [{ id: lines[0].CONFIG_ID }, { id: 9999 }, { id: lines[2].CONFIG_ID }];

		const run = await portal.run(
			{ resource: 'line', operation: 'delete', configId: '={{ $json.id }}' },
			input,
		);

		expect(run.failure?.message).toBe('The SIP line was not found');
		expect(run.failure?.description).toContain('2 other item(s) of this run succeeded');
		expect(portal.sandbox.lines().map((line) => line.configId)).toEqual([lines[1].CONFIG_ID]);
	});
});
