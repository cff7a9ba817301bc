/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling, not code shipped to n8n */
/**
 * The `n8n start` half of the real-n8n test: the node list, the credential Test button, the
 * webhook example and the polling trigger, through n8n's own HTTP side.
 */
import path from 'node:path';

import type { Context } from '../context';
import { sleep, until } from '../instance';
import { importCallTrigger } from './callTrigger';
import { CREDENTIAL, example, nodeOfType, TRIGGER_NODE } from '../workflows';

export async function serverScenarios(context: Context): Promise<void> {
	const { n8n, sandbox, checks, dir, secret, headerToken } = context;

	// The trigger example polls every 5 minutes; the test polls every minute, n8n's shortest.
	const trigger = example('trigger-alert.json', 'exTriggerAlert01');
	nodeOfType(trigger, TRIGGER_NODE).parameters.pollTimes = { item: [{ mode: 'everyMinute' }] };
	const webhook = example('provision-from-webhook.json', 'exWebhook0000001');
	const webhookPath = String(nodeOfType(webhook, 'n8n-nodes-base.webhook').parameters.path);

	const imported = await n8n.importFolder([trigger, webhook], path.join(dir, 'server'));
	if (
		!checks.that(
			'the trigger and webhook examples import',
			imported.code === 0,
			imported.output.slice(-3000),
		)
	)
		return;
	for (const id of [trigger.id as string, webhook.id as string]) {
		const activated = await n8n.activate(id);
		checks.that(`workflow ${id} activates`, activated.code === 0, activated.output.slice(-2000));
	}

	// the call trigger's example is imported and activated before the start too
	const callChecks = await importCallTrigger(context);

	const beforeStart = sandbox.log.length;
	await n8n.start();

	await checks.group('the first poll at activation starts no execution', async () => {
		const polled = await until(() => sandbox.log.length > beforeStart, 60_000);
		checks.that('the trigger polled the portal on activation', polled);
		await sleep(3000);
		const executions = await n8n.executions(trigger.id as string);
		checks.that('no execution followed the first poll', executions.length === 0, executions);
	});

	await checks.group('the node list offers the nodes, and the node as an AI tool', async () => {
		// the editor's node list; n8n serves it to signed-in users only
		const answer = await n8n.rest('GET', '/types/nodes.json');
		const names = Array.isArray(answer.json)
			? (answer.json as Array<{ name: string }>).map((node) => node.name)
			: [];
		for (const name of ['bitrix24Sip', 'bitrix24SipTrigger', 'bitrix24SipTool']) {
			checks.that(
				`${name} is in n8n's node list`,
				names.includes(`n8n-nodes-bitrix24-sip.${name}`),
				names.filter((n) => n.includes('bitrix24')),
			);
		}
	});

	await checks.group('the credential Test button (REST /rest/credentials/test)', async () => {
		const test = async (id: string, name: string, webhookUrl: string) =>
			await n8n.rest('POST', '/rest/credentials/test', {
				credentials: { id, name, type: 'bitrix24WebhookApi', data: { webhookUrl } },
			});
		const good = await test(CREDENTIAL.bitrix24, 'Bitrix24 account', sandbox.webhook.url);
		const goodResult = (good.json as { data?: { status?: string } } | undefined)?.data;
		checks.that('a working webhook tests OK', goodResult?.status === 'OK', good.text.slice(0, 500));
		const wrongUrl = sandbox.webhook.url.replace(secret, 'wrongcode1234567');
		const wrong = await test(CREDENTIAL.wrongWebhook, 'Bitrix24 wrong webhook', wrongUrl);
		const wrongResult = (wrong.json as { data?: { status?: string; message?: string } } | undefined)
			?.data;
		checks.that(
			'a wrong webhook fails the test with the reason',
			wrongResult?.status === 'Error' &&
				/does not accept this webhook/.test(wrongResult.message ?? ''),
			wrong.text.slice(0, 500),
		);
		checks.that(
			'the answers hold no webhook code',
			!good.text.includes(secret) && !wrong.text.includes('wrongcode1234567'),
		);
	});

	await checks.group("the Line picker (From List) through the editor's REST API", async () => {
		const search = async (filter: string) =>
			await n8n.rest('POST', '/rest/dynamic-node-parameters/resource-locator-results', {
				path: 'parameters.configId',
				nodeTypeAndVersion: { name: 'n8n-nodes-bitrix24-sip.bitrix24Sip', version: 1 },
				methodName: 'searchLines',
				filter,
				// the editor sends every parameter with its default (it resolves them when it loads a
				// workflow), so Authentication too: n8n shows a credential only as the parameters say
				currentNodeParameters: {
					authentication: 'webhook',
					resource: 'line',
					operation: 'get',
					configId: { __rl: true, mode: 'list', value: '' },
				},
				credentials: { bitrix24WebhookApi: { id: CREDENTIAL.bitrix24, name: 'Bitrix24 account' } },
			});
		const answer = await search('TRUNK');
		const results =
			(
				answer.json as
					| { data?: { results?: Array<{ name: string; value: string; description?: string }> } }
					| undefined
			)?.data?.results ?? [];
		const trunk = sandbox.lines().find((line) => line.title === 'Trunk A');
		const names = results.map((result) => result.name);
		checks.that(
			'searching "TRUNK" lists the trunks and not the office line',
			names.some((name) => name.startsWith('Trunk A')) &&
				!names.some((name) => name.includes('Branch office')),
			answer.text.slice(0, 800),
		);
		const entry = results.find((result) => result.value === String(trunk?.configId));
		checks.that(
			'an entry carries the line id and its registration',
			entry !== undefined && /Cloud PBX · registered/.test(entry.description ?? ''),
			results,
		);
		// the editor's list shows only the name, so the name must carry the registration too
		checks.that(
			'the name the list shows says the registration',
			entry !== undefined && entry.name.endsWith('(Cloud PBX · registered)'),
			results,
		);
		checks.that('the answer holds no webhook secret', !answer.text.includes(secret));
	});

	await checks.group('one execution per real change', async () => {
		const trunk = sandbox.lines().find((line) => line.title === 'Trunk A');
		if (
			!checks.that(
				'the registered line from the first half is there',
				trunk?.regId != null,
				sandbox.lines(),
			)
		)
			return;
		sandbox.setRegistration(trunk!.regId as number, {
			STATUS_RESULT: 'error',
			STATUS_CODE: 503,
			ERROR_MESSAGE: 'Service Unavailable',
		});
		const changedAt = sandbox.log.length;
		const polled = await until(() => sandbox.log.length > changedAt, 75_000);
		checks.that('the trigger polled again', polled);
		await until(async () => (await n8n.executions(trigger.id as string)).length > 0, 20_000);
		const afterChange = await n8n.executions(trigger.id as string);
		checks.that(
			'the broken registration started one execution',
			afterChange.length === 1,
			afterChange,
		);
		// one more poll with nothing changed
		const quietFrom = sandbox.log.length;
		await until(() => sandbox.log.length > quietFrom, 75_000);
		await sleep(5000);
		const afterQuiet = await n8n.executions(trigger.id as string);
		checks.that('a poll without a change started none', afterQuiet.length === 1, afterQuiet);
	});

	await checks.group('the webhook example (header authentication on)', async () => {
		const url = `${n8n.baseUrl}/webhook/${webhookPath}`;
		const body = {
			title: 'Webhook trunk',
			server: 'sip.hook.example',
			login: '4001',
			password: 'hook-pass',
		};
		const before = sandbox.log.length;
		const anonymous = await fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		checks.that(
			'a call without the header is refused',
			anonymous.status === 403 || anonymous.status === 401,
			anonymous.status,
		);
		checks.that('and reaches no portal', sandbox.log.length === before, sandbox.log.slice(before));
		const answer = await fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'X-Provisioning-Token': headerToken },
			body: JSON.stringify(body),
		});
		const text = await answer.text();
		const made = sandbox.lines().find((line) => line.title === 'Webhook trunk');
		checks.that(
			'a call with the header creates the line',
			answer.status === 200 && made?.server === 'sip.hook.example',
			{ status: answer.status, text: text.slice(0, 800) },
		);
		checks.that(
			'the reply names the line and its registration',
			text.includes(String(made?.configId)) && /registration/i.test(text),
			text.slice(0, 800),
		);
		checks.that('the reply holds no webhook secret', !text.includes(secret));
		const executions = await n8n.executions(webhook.id as string);
		checks.that('the two calls started exactly one execution', executions.length === 1, executions);
	});

	await checks.group(
		'concurrent webhook executions share the portal (merged batches, one pace)',
		async () => {
			const url = `${n8n.baseUrl}/webhook/${webhookPath}`;
			// a portal holds at most 10 cloud lines
			const count = Math.min(
				8,
				10 - sandbox.lines().filter((line) => line.type === 'cloud').length,
			);
			const before = sandbox.log.length;
			const answers = await Promise.all(
				Array.from({ length: count }, async (_, index) => {
					const body = {
						title: `Burst trunk ${index}`,
						server: 'sip.burst.example',
						login: `50${index}`,
						password: 'burst-pass',
					};
					const answer = await fetch(url, {
						method: 'POST',
						headers: { 'content-type': 'application/json', 'X-Provisioning-Token': headerToken },
						body: JSON.stringify(body),
					});
					return { status: answer.status, text: await answer.text() };
				}),
			);
			const requests = sandbox.log.slice(before);
			const calls = requests.reduce((sum, entry) => sum + (entry.batchCommands?.length ?? 1), 0);
			const own = answers.every((answer, index) => {
				const line = sandbox
					.lines()
					.find((candidate) => candidate.title === `Burst trunk ${index}`);
				return (
					answer.status === 200 &&
					line !== undefined &&
					new RegExp(`"CONFIG_ID":\\s*${line.configId}\\b`).test(answer.text) &&
					answer.text.includes(`Burst trunk ${index}`)
				);
			});
			checks.that(
				`${count} concurrent executions each created and answered with their own line`,
				own,
				answers.map((answer) => answer.text.slice(0, 300)),
			);
			checks.that(
				'no line was created twice',
				sandbox.lines().filter((line) => line.title.startsWith('Burst trunk')).length === count,
			);
			const mixed = requests.some(
				(entry) =>
					new Set(
						(entry.batchCommands ?? []).map((command) =>
							String(command.params.TITLE ?? command.params.REG_ID),
						),
					).size > 1,
			);
			checks.that(
				'their calls shared batch requests',
				requests.length < calls && mixed,
				requests.map((entry) => [entry.restMethod, entry.batchCommands?.length]),
			);
			checks.that(
				'the portal refused none',
				requests.every((entry) => entry.status !== 503),
			);
		},
	);

	if (callChecks) await callChecks();

	await n8n.stop();
	checks.that(
		'nothing n8n logged holds the webhook secret',
		!n8n.output.includes(secret),
		n8n.output.slice(-1000),
	);
}
