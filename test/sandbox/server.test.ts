/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
import { request as httpsRequest } from 'node:https';

import { Bitrix24Sandbox, buildQuery, type SandboxOptions } from './index';
import { type Answer, call, form, parseJson, read } from './restClient';
import { cloud, office, titlesOf } from './testLines';

let sandbox: Bitrix24Sandbox | undefined;

async function start(options?: SandboxOptions): Promise<Bitrix24Sandbox> {
	sandbox = await Bitrix24Sandbox.start(options);
	return sandbox;
}

afterEach(async () => {
	await sandbox?.close();
	sandbox = undefined;
});

/** Node's fetch cannot be given a CA, so HTTPS calls go through node:https. */
function httpsCall(
	url: string,
	body: unknown,
	tls: { ca?: string; rejectUnauthorized?: boolean },
): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const req = httpsRequest(
			url,
			{ method: 'POST', headers: { 'Content-Type': 'application/json' }, ...tls },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					const contentType = String(res.headers['content-type'] ?? '');
					resolve({ status: res.statusCode ?? 0, contentType, text, json: parseJson(text) });
				});
				res.on('error', reject);
			},
		);
		req.on('error', reject);
		req.end(JSON.stringify(body));
	});
}

describe('routing and authorisation', () => {
	it('answers the documented envelope for scope, profile and method.get', async () => {
		const sb = await start();
		const scope = await call(sb.webhook, 'scope');
		expect(scope.status).toBe(200);
		expect(scope.contentType).toBe('application/json; charset=utf-8');
		expect(scope.json.result).toEqual(['telephony', 'user']);
		const time = scope.json.time;
		for (const key of ['start', 'finish', 'duration', 'processing']) {
			expect(typeof time[key]).toBe('number');
		}
		expect(time.date_start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);

		const profile = await call(sb.webhook, 'profile.json');
		expect(profile.json.result).toMatchObject({ ID: '1', ADMIN: true });

		const noTelephony = sb.addWebhook({ scopes: ['user'] });
		expect(
			(await call(noTelephony, 'method.get', { name: 'voximplant.sip.get' })).json.result,
		).toEqual({ isExisting: true, isAvailable: false });
		expect(
			(await call(sb.webhook, 'method.get', { name: 'voximplant.sip.get' })).json.result,
		).toEqual({ isExisting: true, isAvailable: true });
		expect(
			(await call(sb.webhook, 'method.get', { name: 'voximplant.sip.nope' })).json.result,
		).toEqual({ isExisting: false, isAvailable: false });
	});

	it('a wrong webhook code answers 401 INVALID_CREDENTIALS', async () => {
		const sb = await start();
		const invalid = {
			error: 'INVALID_CREDENTIALS',
			error_description: 'Invalid request credentials',
		};
		const wrongSecret = await read(await fetch(`${sb.baseUrl}/rest/1/wrongsecret123456/profile`));
		expect(wrongSecret.status).toBe(401);
		expect(wrongSecret.json).toEqual(invalid);
		const wrongUser = await read(await fetch(`${sb.baseUrl}/rest/2/${sb.webhook.secret}/profile`));
		expect(wrongUser.status).toBe(401);
		expect(wrongUser.json).toEqual(invalid);
		const wrongEmptyMethod = await read(await fetch(`${sb.baseUrl}/rest/1/nope/`));
		expect(wrongEmptyMethod.json).toEqual(invalid);
	});

	it('a removed webhook answers 401 INVALID_CREDENTIALS', async () => {
		const sb = await start();
		const extra = sb.addWebhook({ userId: 7 });
		expect((await call(extra, 'profile')).status).toBe(200);
		sb.removeWebhook(extra.id);
		const removed = await call(extra, 'profile');
		expect(removed.status).toBe(401);
		expect(removed.json).toEqual({
			error: 'INVALID_CREDENTIALS',
			error_description: 'Invalid request credentials',
		});
		expect(sb.log[sb.log.length - 1]).toMatchObject({ status: 401, error: 'INVALID_CREDENTIALS' });
		expect(sb.log[sb.log.length - 1].webhookId).toBeUndefined();
	});

	it('NO_AUTH_FOUND only when no authentication applies at all (/rest/<method>.json)', async () => {
		const sb = await start();
		for (const path of ['/rest/profile.json', '/rest/voximplant.sip.get']) {
			const answer = await read(await fetch(sb.baseUrl + path, { method: 'POST' }));
			expect(answer.status).toBe(401);
			expect(answer.json).toEqual({
				error: 'NO_AUTH_FOUND',
				error_description: 'Wrong authorization data',
			});
		}
		expect(sb.log.map((e) => e.restMethod)).toEqual(['profile', 'voximplant.sip.get']);
	});

	it('answers 404 for unknown methods and paths, and never logs the secret', async () => {
		const sb = await start();
		const unknown = await call(sb.webhook, 'voximplant.sip.nothing');
		expect(unknown.status).toBe(404);
		expect(unknown.json.error).toBe('ERROR_METHOD_NOT_FOUND');
		expect((await call(sb.webhook, '')).status).toBe(404);
		expect((await read(await fetch(`${sb.baseUrl}/rest/`))).status).toBe(404);
		const outside = await read(await fetch(`${sb.baseUrl}/index.php`));
		expect(outside.status).toBe(404);
		expect(outside.contentType).toContain('text/html');
		expect((await read(await fetch(`${sb.webhook.url}profile/extra`))).status).toBe(404);

		expect(sb.log.length).toBe(5);
		for (const entry of sb.log) expect(entry.path).not.toContain(sb.webhook.secret);
		expect(sb.log[0]).toMatchObject({
			path: '/rest/1/***/voximplant.sip.nothing',
			status: 404,
			error: 'ERROR_METHOD_NOT_FOUND',
			webhookId: sb.webhook.id,
		});
	});

	it('insufficient_scope answers 401, with an empty description inside a batch', async () => {
		const sb = await start();
		const noScope = sb.addWebhook({ scopes: ['user'] });
		const scopeError = await call(noScope, 'voximplant.sip.get');
		expect(scopeError.status).toBe(401);
		expect(scopeError.json).toEqual({
			error: 'insufficient_scope',
			error_description:
				'The request requires higher privileges than provided by the webhook token',
		});
		const batch = await call(noScope, 'batch', { cmd: { a: 'voximplant.sip.get', b: 'profile' } });
		expect(batch.status).toBe(200);
		expect(batch.json.result.result_error).toEqual({
			a: { error: 'insufficient_scope', error_description: '' },
		});
		expect(Object.keys(batch.json.result.result)).toEqual(['b']);
	});

	it('without "manage numbers" every SIP method answers 403 ACCESS_DENIED "Access denied!"', async () => {
		const sb = await start();
		const noRight = sb.addWebhook({ userId: 5, canManageNumbers: false });
		for (const method of [
			'voximplant.sip.get',
			'voximplant.sip.add',
			'voximplant.sip.connector.status',
			'voximplant.line.outgoing.get',
		]) {
			const denied = await call(noRight, method, cloud('x'));
			expect(denied.status).toBe(403);
			expect(denied.json).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
		}
		expect(sb.lines()).toHaveLength(0);
		expect((await call(noRight, 'profile')).json.result.ADMIN).toBe(false);
	});

	it('HTTPS required answers 401 INVALID_REQUEST "Https required."', async () => {
		const sb = await start({ requireHttps: true });
		const refused = await call(sb.webhook, 'voximplant.sip.add', cloud('plain'));
		expect(refused.status).toBe(401);
		expect(refused.json).toEqual({
			error: 'INVALID_REQUEST',
			error_description: 'Https required.',
		});
		expect(sb.lines()).toHaveLength(0);
		sb.setRequireHttps(false);
		expect((await call(sb.webhook, 'scope')).status).toBe(200);
	});

	it('accepts form bodies with PHP brackets and GET query strings', async () => {
		const sb = await start();
		await call(sb.webhook, 'voximplant.sip.add', cloud('one'));
		await call(sb.webhook, 'voximplant.sip.add', office('two'));
		const added = await form(
			sb.webhook,
			'voximplant.sip.add',
			'TYPE=office&TITLE=my+line%26co&SERVER=pbx&LOGIN=a',
		);
		expect(added.json.result.TITLE).toBe('my line&co');
		const filtered = await form(
			sb.webhook,
			'voximplant.sip.get',
			'FILTER[TYPE]=office&SORT=CONFIG_ID&ORDER=DESC',
		);
		expect(titlesOf(filtered)).toEqual(['my line&co', 'two']);
		const byIds = await read(
			await fetch(
				`${sb.webhook.url}voximplant.sip.get.json?FILTER[CONFIG_ID][]=3&FILTER[CONFIG_ID][]=5`,
			),
		);
		expect(byIds.json.result.map((l: { CONFIG_ID: string }) => l.CONFIG_ID)).toEqual(['3', '5']);
		expect(sb.log[sb.log.length - 1].params).toEqual({ FILTER: { CONFIG_ID: ['3', '5'] } });
	});
});

describe('faults', () => {
	it('answers 500 JSON, nginx HTML pages and 401 OVERLOAD_LIMIT', async () => {
		const sb = await start();
		sb.injectFault('http500', 1);
		sb.injectFault('html502', 1);
		sb.injectFault('html504', 1);
		sb.injectFault('overload', 1);
		const http500 = await call(sb.webhook, 'scope');
		expect(http500.status).toBe(500);
		expect(http500.json.error).toBe('INTERNAL_SERVER_ERROR');
		const html502 = await call(sb.webhook, 'scope');
		expect(html502.status).toBe(502);
		expect(html502.contentType).toContain('text/html');
		expect(html502.text).toContain('502 Bad Gateway');
		const html504 = await call(sb.webhook, 'scope');
		expect(html504.status).toBe(504);
		expect(html504.text).toContain('504 Gateway Time-out');
		const overload = await call(sb.webhook, 'scope');
		expect(overload.status).toBe(401);
		expect(overload.json).toEqual({
			error: 'OVERLOAD_LIMIT',
			error_description: 'REST API is blocked due to overload',
		});
		expect((await call(sb.webhook, 'scope')).status).toBe(200);
		expect(sb.log.map((e) => e.fault)).toEqual([
			'http500',
			'html502',
			'html504',
			'overload',
			undefined,
		]);
	});

	it('resets the connection before running, or after running (lostAfterRun)', async () => {
		const sb = await start();
		sb.injectFault('reset', 1, { restMethods: ['voximplant.sip.add'] });
		expect((await call(sb.webhook, 'scope')).status).toBe(200);
		await expect(call(sb.webhook, 'voximplant.sip.add', cloud('reset'))).rejects.toThrow();
		expect(sb.lines()).toHaveLength(0);

		sb.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
		await expect(call(sb.webhook, 'voximplant.sip.add', cloud('lost'))).rejects.toThrow();
		expect(sb.lines().map((l) => l.title)).toEqual(['lost']);
		const lost = sb.log[sb.log.length - 1];
		expect(lost).toMatchObject({
			fault: 'lostAfterRun',
			status: 0,
			restMethod: 'voximplant.sip.add',
		});
	});

	it('redirect301 and redirect302 send the same path, secret included, to another host', async () => {
		const sb = await start();
		sb.injectFault('redirect301', 1);
		sb.injectFault('redirect302', 1, { restMethods: ['voximplant.sip.add'] });
		const url = `${sb.webhook.url}voximplant.sip.get.json?start=50`;
		const moved = await fetch(url, { method: 'POST', redirect: 'manual' });
		expect(moved.status).toBe(301);
		expect(moved.headers.get('location')).toBe(
			`https://moved-portal.example.com/rest/1/${sb.webhook.secret}/voximplant.sip.get.json?start=50`,
		);
		const found = await fetch(`${sb.webhook.url}voximplant.sip.add`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(cloud('never')),
			redirect: 'manual',
		});
		expect(found.status).toBe(302);
		expect(found.headers.get('location')).toBe(
			`https://moved-portal.example.com/rest/1/${sb.webhook.secret}/voximplant.sip.add`,
		);
		expect(sb.lines()).toHaveLength(0);
		expect(sb.log.map((e) => [e.fault, e.status])).toEqual([
			['redirect301', 301],
			['redirect302', 302],
		]);
		for (const entry of sb.log) expect(JSON.stringify(entry)).not.toContain(sb.webhook.secret);
	});

	it('a redirect can point at the sandbox itself', async () => {
		const sb = await start();
		sb.injectFault('redirect302', 1, { location: `${sb.baseUrl}/` });
		// fetch follows a 302 with a GET, as browsers and most clients do.
		const followed = await read(await fetch(`${sb.webhook.url}scope`, { method: 'POST' }));
		expect(followed.status).toBe(200);
		expect(followed.json.result).toEqual(['telephony', 'user']);
		expect(sb.log.map((e) => [e.httpMethod, e.status, e.fault])).toEqual([
			['POST', 302, 'redirect302'],
			['GET', 200, undefined],
		]);
	});

	it('truncated200 answers 200 JSON cut off in the middle; nothing runs', async () => {
		const sb = await start();
		sb.injectFault('truncated200', 1, { restMethods: ['voximplant.sip.add'] });
		const cut = await call(sb.webhook, 'voximplant.sip.add', cloud('never'));
		expect(cut.status).toBe(200);
		expect(cut.contentType).toBe('application/json; charset=utf-8');
		expect(cut.text).toBe('{"result":[{"CONFIG_ID":"3","TI');
		expect(() => JSON.parse(cut.text)).toThrow();
		expect(sb.lines()).toHaveLength(0);
		expect(sb.log[0]).toMatchObject({ fault: 'truncated200', status: 200 });
	});

	it('truncatedAfterRun runs the method, then cuts the 200 body off', async () => {
		const sb = await start();
		sb.injectFault('truncatedAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
		const cut = await call(sb.webhook, 'voximplant.sip.add', cloud('ran'));
		expect(cut.status).toBe(200);
		expect(cut.contentType).toContain('application/json');
		expect(cut.text.startsWith('{"result":{"ID":"1","TYPE":"cloud"')).toBe(true);
		expect(() => JSON.parse(cut.text)).toThrow();
		expect(sb.lines().map((l) => l.title)).toEqual(['ran']);
		expect(sb.log[0]).toMatchObject({ fault: 'truncatedAfterRun', status: 200 });
	});

	it('phpNoticeAfterRun runs the method and puts a PHP notice before the JSON', async () => {
		const sb = await start();
		sb.injectFault('phpNoticeAfterRun', 1);
		const noisy = await call(sb.webhook, 'voximplant.sip.add', office('ran'));
		expect(noisy.status).toBe(200);
		expect(noisy.contentType).toBe('application/json; charset=utf-8');
		expect(noisy.text).toMatch(
			/^<br \/>\n<b>Notice<\/b>: {2}Undefined index: \w+ in <b>\/home\/bitrix\/www\/bitrix\/modules\/voximplant\/lib\/sip\.php<\/b> on line <b>120<\/b><br \/>\n\{"result":\{/,
		);
		const json = JSON.parse(noisy.text.slice(noisy.text.indexOf('{')));
		expect(json.result.TITLE).toBe('ran');
		expect(sb.lines()).toHaveLength(1);
		expect(sb.log[0]).toMatchObject({ fault: 'phpNoticeAfterRun', status: 200 });
	});

	it('injectMethodError answers a plain call, or lands in result_error inside a batch', async () => {
		const sb = await start();
		const echo = `${sb.webhook.url}voximplant.sip.add`;
		sb.injectMethodError(
			{
				status: 400,
				error: 'ERROR_CORE',
				description: `Call to ${echo} failed`,
				extra: { argument: 'TITLE' },
			},
			2,
			{ restMethods: ['voximplant.sip.add'] },
		);
		sb.injectMethodError({ status: 500, error: echo, description: 'odd' }, 1, {
			restMethods: ['voximplant.sip.get'],
		});
		const plain = await call(sb.webhook, 'voximplant.sip.add', cloud('a'));
		expect(plain.status).toBe(400);
		expect(plain.json).toEqual({
			error: 'ERROR_CORE',
			error_description: `Call to ${echo} failed`,
			argument: 'TITLE',
		});
		const batch = await call(sb.webhook, 'batch', {
			cmd: {
				add: `voximplant.sip.add?${buildQuery(cloud('b'))}`,
				get: 'voximplant.sip.get',
				again: `voximplant.sip.add?${buildQuery(cloud('c'))}`,
			},
		});
		expect(batch.status).toBe(200);
		expect(batch.json.result.result_error).toEqual({
			add: { error: 'ERROR_CORE', error_description: `Call to ${echo} failed`, argument: 'TITLE' },
			get: { error: echo, error_description: 'odd' },
		});
		expect(batch.json.result.result.again.TITLE).toBe('c');
		expect(sb.lines().map((l) => l.title)).toEqual(['c']);
		// The log never shows the secret, even when an error code carries it.
		for (const entry of sb.log) expect(JSON.stringify(entry)).not.toContain(sb.webhook.secret);
		expect(sb.log[1].batchCommands?.[1].error).toBe(echo.replace(sb.webhook.secret, '***'));
	});

	it('injectError answers the whole request without running anything', async () => {
		const sb = await start();
		sb.injectError({ status: 403, error: 'PORTAL_DELETED', description: 'Portal was deleted' }, 1);
		const deleted = await call(sb.webhook, 'voximplant.sip.add', cloud('never'));
		expect(deleted.status).toBe(403);
		expect(deleted.json).toEqual({
			error: 'PORTAL_DELETED',
			error_description: 'Portal was deleted',
		});
		expect(sb.lines()).toHaveLength(0);
	});

	it('matches batch requests by inner method and hangs until the client gives up', async () => {
		const sb = await start();
		sb.injectFault('hang', 1, { restMethods: ['voximplant.sip.add'] });
		const hung = fetch(sb.webhook.url + 'batch', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ cmd: { a: `voximplant.sip.add?${buildQuery(cloud('hang'))}` } }),
			signal: AbortSignal.timeout(200),
		});
		await expect(hung).rejects.toThrow();
		expect(sb.log[0]).toMatchObject({ fault: 'hang', status: 0, restMethod: 'batch' });
		expect(sb.lines()).toHaveLength(0);
	});

	it('close() ends hanging requests so the process can exit', async () => {
		const sb = await start({ latencyMs: 5 });
		sb.injectFault('hang', 1);
		const hung = fetch(sb.webhook.url + 'scope').then(
			() => 'answered',
			() => 'connection closed',
		);
		await new Promise((resolve) => setTimeout(resolve, 50));
		await sb.close();
		sandbox = undefined;
		expect(await hung).toBe('connection closed');
	});

	it('answers a hang with a 504 page after requestTimeoutMs', async () => {
		const sb = await start({ requestTimeoutMs: 10 });
		sb.injectFault('hang', 1);
		const answer = await call(sb.webhook, 'scope');
		expect(answer.status).toBe(504);
	});
});

describe('TLS', () => {
	it('tls: true serves HTTPS with the throwaway certificate for 127.0.0.1', async () => {
		const sb = await start({ tls: true });
		expect(sb.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
		expect(sb.webhook.url.startsWith(`${sb.baseUrl}/rest/1/`)).toBe(true);
		const trusted = await httpsCall(`${sb.webhook.url}voximplant.sip.add`, cloud('secure'), {
			ca: Bitrix24Sandbox.certificate(),
		});
		expect(trusted.status).toBe(200);
		expect(trusted.json.result.TITLE).toBe('secure');
		const insecure = await httpsCall(`${sb.webhook.url}scope`, {}, { rejectUnauthorized: false });
		expect(insecure.json.result).toEqual(['telephony', 'user']);
		// Without trusting the certificate a client refuses it.
		await expect(httpsCall(`${sb.webhook.url}scope`, {}, {})).rejects.toMatchObject({
			code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
		});
	});

	it('requireHttps lets HTTPS calls through', async () => {
		const sb = await start({ tls: true, requireHttps: true });
		const answer = await httpsCall(`${sb.webhook.url}scope`, {}, { rejectUnauthorized: false });
		expect(answer.status).toBe(200);
	});

	it("tls: 'expired' serves a certificate that a verifying client refuses as expired", async () => {
		const sb = await start({ tls: 'expired' });
		await expect(
			httpsCall(`${sb.webhook.url}scope`, {}, { ca: Bitrix24Sandbox.certificate() }),
		).rejects.toMatchObject({ code: 'CERT_HAS_EXPIRED' });
		const ignored = await httpsCall(`${sb.webhook.url}scope`, {}, { rejectUnauthorized: false });
		expect(ignored.status).toBe(200);
	});
});
