import type { INodeCredentialTestResult } from 'n8n-workflow';

import { parseWebhookUrl, redact } from '../nodes/shared/transport/webhookUrl';
import { allText, TestPortal, testCredential } from './helpers/portal';

describe('webhook URL', () => {
	const canonical = 'https://portal.bitrix24.com/rest/7/abc123def456/';

	it.each([
		'https://portal.bitrix24.com/rest/7/abc123def456/',
		'https://portal.bitrix24.com/rest/7/abc123def456',
		'  https://portal.bitrix24.com/rest/7/abc123def456/  ',
		'https://portal.bitrix24.com/rest/7/abc123def456/profile.json',
		'https://portal.bitrix24.com/rest/7/abc123def456/profile',
		'https://portal.bitrix24.com/rest/7/abc123def456/scope/',
		'https://portal.bitrix24.com/rest/7/abc123def456/voximplant.sip.get.json?x=1',
		'HTTPS://portal.bitrix24.com/rest/7/abc123def456/',
	])('normalises %j', (raw) => {
		expect(parseWebhookUrl(raw)).toEqual({
			baseUrl: canonical,
			origin: 'https://portal.bitrix24.com',
			userId: 7,
			secret: 'abc123def456',
		});
	});

	it('keeps a port and a path prefix of an on-premise portal', () => {
		expect(parseWebhookUrl('http://crm.local:8080/b24/rest/1/s3cr3tc0de/').baseUrl).toBe(
			'http://crm.local:8080/b24/rest/1/s3cr3tc0de/',
		);
	});

	it.each([
		['', 'is empty'],
		['portal.bitrix24.com/rest/7/abc123def456/', 'must start with https://'],
		['ftp://portal.bitrix24.com/rest/7/abc123def456/', 'must start with https://'],
		['https://portal.bitrix24.com/rest/abc123def456/', 'is not a Bitrix24 inbound webhook URL'],
		['https://portal.bitrix24.com/rest/7/', 'is not a Bitrix24 inbound webhook URL'],
		['https://portal.bitrix24.com/crm/deal/', 'is not a Bitrix24 inbound webhook URL'],
		[
			'https://portal.bitrix24.com/rest/7/abc123def456/a/b/c',
			'is not a Bitrix24 inbound webhook URL',
		],
	])('refuses %j with the expected shape and without echoing it', (raw, reason) => {
		let message = '';
		try {
			parseWebhookUrl(raw);
		} catch (error) {
			message = (error as Error).message;
		}
		expect(message).toContain(reason);
		expect(message).toContain('https://<portal>/rest/<user id>/<webhook code>/');
		expect(message).not.toContain('abc123def456');
	});

	it('redacts the secret from any text', () => {
		expect(
			redact(
				'GET https://p.bitrix24.com/rest/7/abc123def456/scope failed: abc123def456',
				'abc123def456',
			),
		).toBe('GET https://p.bitrix24.com/rest/7/***/scope failed: ***');
	});
});

describe('credential in the engine', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	it.each([
		(url: string) => url,
		(url: string) => url.replace(/\/$/, ''),
		(url: string) => `  ${url}profile.json `,
		(url: string) => `${url}scope`,
	])('calls the portal with a normalised URL (%#)', async (variant) => {
		const run = await portal.run({ resource: 'connector', operation: 'getStatus' }, [{}], {
			webhookUrl: variant(portal.webhook.url),
		});

		expect(run.failure).toBeUndefined();
		expect(portal.sandbox.log.map((entry) => entry.path)).toEqual([
			'/rest/1/***/voximplant.sip.connector.status.json',
		]);
	});

	it('fails a malformed URL clearly, sends nothing and does not show the secret', async () => {
		const url = portal.webhook.url.replace('/rest/1/', '/rest/');
		const run = await portal.run({ resource: 'connector', operation: 'getStatus' }, [{}], {
			webhookUrl: url,
		});

		expect(run.failure?.message).toContain('https://<portal>/rest/<user id>/<webhook code>/');
		expect(allText(run.run)).not.toContain(portal.webhook.secret);
		expect(portal.sandbox.log).toHaveLength(0);
	});
});

describe('credential test (the Test button)', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	const test = async (
		webhookUrl: string,
		ignoreSSLIssues = false,
	): Promise<INodeCredentialTestResult> => await testCredential({ webhookUrl, ignoreSSLIssues });

	it('reports OK for a working webhook with scope and permission', async () => {
		expect(await test(`${portal.webhook.url}profile.json`)).toEqual({
			status: 'OK',
			message: 'Connection successful: the webhook has the telephony scope and permission',
		});
	});

	it('reports a malformed URL', async () => {
		const result = await test('https://portal.bitrix24.com/rest/xyz/');
		expect(result.status).toBe('Error');
		expect(result.message).toContain('is not a Bitrix24 inbound webhook URL');
	});

	it('reports an unreachable portal', async () => {
		const url = portal.webhook.url;
		await portal.close();
		const result = await test(url);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(
			/^The portal http:\/\/127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\)/,
		);
		expect(result.message).not.toContain(portal.webhook.secret);
		portal = await TestPortal.start();
	});

	it('reports a wrong, deleted or expired webhook (401 INVALID_CREDENTIALS) as not accepted, with what to do', async () => {
		const result = await test(portal.webhook.url.replace(portal.webhook.secret, 'wrongcode123'));
		expect(result).toEqual({
			status: 'Error',
			message:
				'Bitrix24 does not accept this webhook: its code is wrong, or it was deleted or has expired. Open Bitrix24 → Developer resources → Other → Inbound webhook, check that the webhook still exists (or create one with the "Telephony (telephony)" scope) and paste its full URL here.',
		});
	});

	it('reports a redirect without following it and without the secret', async () => {
		portal.sandbox.injectFault('redirect301', 1);
		const result = await test(portal.webhook.url);
		expect(result.status).toBe('Error');
		expect(result.message).toContain('redirect to https://moved-portal.example.com');
		expect(result.message).not.toContain(portal.webhook.secret);
		expect(portal.sandbox.log).toHaveLength(1);
	});

	it('reports a webhook without the telephony scope', async () => {
		const hook = portal.sandbox.addWebhook({ scopes: ['user', 'crm'] });
		const result = await test(hook.url);
		expect(result.status).toBe('Error');
		expect(result.message).toContain('lacks the "telephony" scope');
	});

	it('reports a webhook whose user lacks the telephony permission', async () => {
		const hook = portal.sandbox.addWebhook({ canManageNumbers: false });
		const result = await test(hook.url);
		expect(result.status).toBe('Error');
		expect(result.message).toContain('"Manage numbers — modify"');
	});
});
