import type { IDataObject, INodeCredentialTestResult } from 'n8n-workflow';

import { TRIGGER, triggerRunner } from './helpers/health';
import { allText, TestPortal, testCredential } from './helpers/portal';
import { startPageServer } from './sandbox/pageServer';

const testButton = async (
	webhookUrl: string,
	ignoreSSLIssues = false,
): Promise<INodeCredentialTestResult> => await testCredential({ webhookUrl, ignoreSSLIssues });

describe('fault and input paths that must not misreport', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	describe('redirects', () => {
		it.each(['redirect301', 'redirect302'] as const)(
			'%s is not followed: the item says where the portal moved, without the secret, and nothing is retried',
			async (fault) => {
				portal.sandbox.injectFault(fault, 5);
				const run = await portal.run({
					resource: 'line',
					operation: 'getMany',
					returnAll: true,
					filters: { title: 'Trunk' },
				});

				expect(run.failure?.message).toBe(
					`The portal answered with a redirect to https://moved-portal.example.com (HTTP ${fault.slice(-3)}); the node does not follow redirects, so nothing was sent there`,
				);
				expect(run.failure?.description).toContain(
					'The portal may have moved to https://moved-portal.example.com',
				);
				expect(allText(run.run)).not.toContain(portal.webhook.secret);
				// one POST, answered with the redirect; no GET without parameters followed it
				expect(portal.sandbox.log.map((entry) => [entry.httpMethod, entry.status])).toEqual([
					['POST', Number(fault.slice(-3))],
				]);
			},
		);

		it('a redirect stops the other items of the run too, each with its own error item', async () => {
			portal.sandbox.injectFault('redirect301', 5);
			const run = await portal.run(
				{
					resource: 'registration',
					operation: 'getStatus',
					regId: '={{ $json.regId }}',
					requestOptions: { batching: false },
				},
				[{ regId: 1 }, { regId: 2 }, { regId: 3 }],
				{ continueOnFail: true },
			);
			expect(run.json.map((item) => item.code)).toEqual(['HTTP_301', 'HTTP_301', 'HTTP_301']);
			expect(run.items.map((item) => item.pairedItem)).toEqual([
				{ item: 0 },
				{ item: 1 },
				{ item: 2 },
			]);
			expect(portal.sandbox.log).toHaveLength(1);
		});
	});

	describe('broken characters', () => {
		it('a title cut in the middle of an emoji fails only its own item, before anything is sent for it', async () => {
			const cut = 'Trunk 📞'.slice(0, -1);
			const run = await portal.run(
				{
					resource: 'line',
					operation: 'create',
					type: 'office',
					title: '={{ $json.title }}',
					server: 'sip.example.com',
					login: '={{ "user" + $itemIndex }}',
				},
				[{ title: 'First' }, { title: cut }, { title: 'Third 📞' }],
				{ continueOnFail: true },
			);

			expect(run.json[0]).toMatchObject({ TITLE: 'First' });
			expect(run.json[1]).toMatchObject({
				error:
					'Title contains a broken character (half of an emoji or another character cut in two)',
			});
			expect(run.json[2]).toMatchObject({ TITLE: 'Third 📞' });
			expect(portal.sandbox.lines().map((line) => line.title)).toEqual(['First', 'Third 📞']);
			expect(allText(portal.sandbox.log)).not.toContain('URI malformed');
		});

		it('a broken character in a field the node does not check still fails only its own item', async () => {
			await portal.createLines(2, 'office', 'Trunk');
			portal.sandbox.clearLog();
			const run = await portal.run(
				{
					resource: 'line',
					operation: 'getMany',
					returnAll: true,
					filters: { title: '={{ $json.title }}' },
				},
				[{ title: 'Trunk 1' }, { title: 'Trunk \ud83d' }, { title: 'Trunk 2' }],
				{ continueOnFail: true },
			);

			expect(
				run.items.map((item) => [item.json.TITLE ?? item.json.error, item.pairedItem]),
			).toEqual([
				['Trunk 1', { item: 0 }],
				[
					'A value of this item contains a broken character (half of an emoji or another character cut in two)',
					{ item: 1 },
				],
				['Trunk 2', { item: 2 }],
			]);
			// the two good items still share one batch
			expect(
				portal.sandbox.log.map((entry) => [entry.restMethod, entry.batchCommands?.length]),
			).toEqual([['batch', 2]]);
		});
	});

	describe('the secret never leaks, whatever the portal sends back', () => {
		it('an inner batch error that echoes the webhook URL in its description and its code', async () => {
			const [line] = await portal.createLines(1, 'cloud');
			portal.sandbox.clearLog();
			const url = portal.webhook.url;
			portal.sandbox.injectMethodError(
				{
					status: 400,
					error: 'CUSTOM_ERROR',
					description: `Request to ${url}voximplant.sip.status failed for ${portal.webhook.secret}`,
				},
				1,
				{ restMethods: ['voximplant.sip.status'] },
			);
			portal.sandbox.injectMethodError(
				{ status: 400, error: `BAD_${portal.webhook.secret}`, description: 'code with the secret' },
				1,
				{ restMethods: ['voximplant.sip.status'] },
			);

			const run = await portal.run(
				{ resource: 'registration', operation: 'getStatus', regId: line.REG_ID as number },
				[{}, {}, {}],
				{ continueOnFail: true },
			);

			expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual(['batch']);
			expect(run.json[0].error).toBe(
				'Bitrix24 error CUSTOM_ERROR: Request to ' +
					url.replace(portal.webhook.secret, '***') +
					'voximplant.sip.status failed for ***',
			);
			expect(run.json[1].code).toBe('BAD_***');
			expect(run.json[2]).toMatchObject({ REG_ID: line.REG_ID });
			expect(allText(run.run)).not.toContain(portal.webhook.secret);
		});

		it('a plain-call error that echoes the secret in a 5xx description and in an HTML title', async () => {
			portal.sandbox.injectError(
				{ status: 500, error: 'INTERNAL_SERVER_ERROR', description: `at ${portal.webhook.url}` },
				1,
			);
			portal.sandbox.injectError(
				{ status: 400, error: portal.webhook.secret, description: portal.webhook.secret },
				1,
			);
			const run = await portal.run({ resource: 'connector', operation: 'getStatus' });
			expect(run.failure).toBeDefined();
			expect(allText(run.run)).not.toContain(portal.webhook.secret);

			// a proxy in front of the portal refuses with a page whose title echoes the URL asked for
			const proxy = await startPageServer(403, (url) => `Access denied: ${url}`);
			try {
				const webhookUrl = `${proxy.origin}${new URL(portal.webhook.url).pathname}`;
				const refused = await portal.run({ resource: 'connector', operation: 'getStatus' }, [{}], {
					webhookUrl,
				});
				expect(proxy.requested).toEqual([
					`${proxy.origin}/rest/1/${portal.webhook.secret}/voximplant.sip.connector.status.json`,
				]);
				expect(refused.failure?.message).toBe(
					`The portal answered with a web page instead of data (HTTP 403: Access denied: ${proxy.origin}/rest/1/***/voximplant.sip.connector.status.json)`,
				);
				expect(allText(refused.run)).not.toContain(portal.webhook.secret);
			} finally {
				await proxy.close();
			}
		});
	});

	describe('order of items that touch the same line', () => {
		it('the last item wins even when an earlier or later one must go alone ($result-like text)', async () => {
			const [line] = await portal.createLines(1, 'office');
			portal.sandbox.clearLog();
			const logins = ['first', 'second $RESULT[x]', 'third', 'fourth $next', 'last'];

			const run = await portal.run(
				{
					resource: 'line',
					operation: 'update',
					configId: line.CONFIG_ID as number,
					updateFields: { login: '={{ $json.login }}' },
				},
				logins.map((login) => ({ login })),
			);

			expect(run.failure).toBeUndefined();
			expect(portal.sandbox.lines()[0].login).toBe('last');
			const sent = portal.sandbox.log.flatMap((entry) =>
				entry.batchCommands
					? entry.batchCommands.map((command) => command.params.LOGIN)
					: [entry.params.LOGIN],
			);
			expect(sent).toEqual(logins);
		});
	});

	describe('two writes to one line', () => {
		it('the first one failing on the way and retried still comes before the second', async () => {
			const [line] = await portal.createLines(1, 'office');
			portal.sandbox.clearLog();
			portal.sandbox.injectMethodError(
				{ status: 500, error: 'INTERNAL_SERVER_ERROR', description: 'Internal server error' },
				1,
				{ restMethods: ['voximplant.sip.update'] },
			);

			const run = await portal.run(
				{
					resource: 'line',
					operation: 'update',
					configId: line.CONFIG_ID as number,
					updateFields: { login: '={{ $json.login }}' },
				},
				[{ login: 'first' }, { login: 'second' }],
			);

			expect(run.failure).toBeUndefined();
			expect(portal.sandbox.lines()[0].login).toBe('second');
			expect(portal.sandbox.log.map((entry) => [entry.params.LOGIN, entry.error])).toEqual([
				['first', 'INTERNAL_SERVER_ERROR'],
				['first', undefined],
				['second', undefined],
			]);
		});

		it('writes to different lines still share a batch', async () => {
			const lines = await portal.createLines(3, 'office');
			portal.sandbox.clearLog();
			await portal.run(
				{
					resource: 'line',
					operation: 'update',
					configId: '={{ $json.id }}',
					updateFields: { login: 'new' },
				},
				lines.map((line) => ({ id: line.CONFIG_ID })),
			);
			expect(
				portal.sandbox.log.map((entry) => [entry.restMethod, entry.batchCommands?.length]),
			).toEqual([['batch', 3]]);
		});
	});

	describe('numeric options are bounded', () => {
		it.each([
			[{ timeout: 2_147_484 }, 'Timeout (Seconds) must be a number from 1 to 600, got 2147484'],
			[{ timeout: 0 }, 'Timeout (Seconds) must be a number from 1 to 600, got 0'],
			[{ maxWait: 1e12 }, 'Max Wait (Seconds) must be a number from 0 to 86400, got 1000000000000'],
			[{ maxWait: -1 }, 'Max Wait (Seconds) must be a number from 0 to 86400, got -1'],
			[{ processes: 0 }, 'Processes Sharing the Portal must be a whole number from 1 to 25, got 0'],
			[
				{ processes: 2.5 },
				'Processes Sharing the Portal must be a whole number from 1 to 25, got 2.5',
			],
		])('%j fails with the field named, and nothing is sent', async (requestOptions, message) => {
			const run = await portal.run({
				resource: 'line',
				operation: 'create',
				type: 'office',
				title: 'T',
				server: 's',
				login: 'l',
				requestOptions,
			});
			expect(run.failure?.message).toBe(message);
			expect(run.failure?.name).toBe('NodeOperationError');
			expect(portal.sandbox.log).toHaveLength(0);
			expect(portal.sandbox.lines()).toHaveLength(0);
		});
	});

	describe('paging while lines are deleted', () => {
		/** Deletes `configId` once, while the client reads the second page (the first one asking `>CONFIG_ID`). */
		function deleteDuringSecondPage(configId: number): void {
			let done = false;
			portal.sandbox.setBeforeCall((restMethod, params) => {
				const filter = params.FILTER as IDataObject | undefined;
				if (done || restMethod !== 'voximplant.sip.get' || !filter || !('>CONFIG_ID' in filter))
					return;
				done = true;
				portal.sandbox.removeLine(configId);
			});
		}

		it('Get Many (Return All) skips no line that existed throughout', async () => {
			const lines = await portal.createLines(120, 'office');
			deleteDuringSecondPage(Number(lines[10].CONFIG_ID));

			const run = await portal.run({ resource: 'line', operation: 'getMany', returnAll: true });

			const seen = new Set(run.json.map((line) => line.CONFIG_ID));
			const survivors = lines.filter((_, index) => index !== 10);
			expect(survivors.filter((line) => !seen.has(line.CONFIG_ID))).toEqual([]);
			expect(run.json).toHaveLength(new Set(run.json.map((line) => line.CONFIG_ID)).size);
		});

		it('the trigger reports a removal only when it is real: no phantom removed or added line', async () => {
			const lines = await portal.createLines(70, 'office');
			const trigger = triggerRunner(portal, { events: ['lineAdded', 'lineRemoved'] });
			expect(await trigger.pollJson()).toBeNull();

			// the line goes while page 2 is read: this poll saw it on page 1, and no other line shifted away
			deleteDuringSecondPage(Number(lines[5].CONFIG_ID));
			expect(await trigger.pollJson()).toBeNull();

			portal.sandbox.setBeforeCall(null);
			const events = await trigger.pollJson();
			expect(events?.map((event) => [event.event, (event.line as IDataObject).CONFIG_ID])).toEqual([
				['lineRemoved', lines[5].CONFIG_ID],
			]);
			expect(await trigger.pollJson()).toBeNull();
			expect(
				Object.keys((trigger.staticData[`node:${TRIGGER}`] as IDataObject).lines as IDataObject),
			).toHaveLength(69);
		});
	});
});

describe('TLS', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start({ tls: true });
	});

	afterEach(async () => {
		await portal.close();
	});

	it('an untrusted certificate is reported as such, not as a lost connection, and nothing is retried', async () => {
		const run = await portal.run({
			resource: 'line',
			operation: 'create',
			type: 'office',
			title: 'T',
			server: 's',
			login: 'l',
		});

		expect(run.failure?.message).toMatch(
			/^The portal's TLS certificate is not trusted \([A-Z_]+\); nothing was sent$/,
		);
		expect(run.failure?.description).toContain('Ignore SSL Issues (Insecure)');
		expect(allText(run.run)).not.toMatch(/may or may not have been created/);
		expect(portal.sandbox.log).toHaveLength(0);
		expect(portal.sandbox.lines()).toHaveLength(0);
	});

	it('"Ignore SSL Issues (Insecure)" on the credential lets a self-signed portal work', async () => {
		const run = await portal.run(
			{
				resource: 'line',
				operation: 'create',
				type: 'office',
				title: 'T',
				server: 's',
				login: 'l',
			},
			[{}],
			{ ignoreSSLIssues: true },
		);

		expect(run.failure).toBeUndefined();
		expect(portal.sandbox.lines()).toHaveLength(1);
	});

	it('the Test button names the certificate problem, and passes with Ignore SSL Issues', async () => {
		const refused = await testButton(portal.webhook.url);
		expect(refused.status).toBe('Error');
		expect(refused.message).toMatch(/TLS certificate is not trusted/);
		expect(refused.message).toContain('Ignore SSL Issues (Insecure)');

		expect(await testButton(portal.webhook.url, true)).toEqual({
			status: 'OK',
			message: 'Connection successful: the webhook has the telephony scope and permission',
		});
	});
});
