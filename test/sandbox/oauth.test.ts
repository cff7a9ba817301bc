/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
import type { Bitrix24Sandbox, OAuthApp, OAuthTokens } from './index';
import { type Answer, call, read } from './restClient';
import { sandboxPerTest } from './perTest';

const start = sandboxPerTest({ rateLimit: false });

const HANDLER = 'http://localhost:5678/rest/oauth2-credential/callback';

/** The authorize step as a browser makes it, without following the redirect. */
async function authorize(
	sb: Bitrix24Sandbox,
	query: Record<string, string>,
): Promise<{ status: number; location: URL | undefined; text: string }> {
	const response = await fetch(`${sb.authorizeUrl}?${new URLSearchParams(query).toString()}`, {
		redirect: 'manual',
	});
	const location = response.headers.get('location');
	return {
		status: response.status,
		location: location === null ? undefined : new URL(location),
		text: await response.text(),
	};
}

async function codeFor(sb: Bitrix24Sandbox, app: OAuthApp): Promise<string> {
	const answer = await authorize(sb, { client_id: app.clientId, response_type: 'code' });
	const code = answer.location?.searchParams.get('code');
	if (!code) throw new Error(`No code: ${answer.status}`);
	return code;
}

/** What n8n's OAuth2 client sends with authentication 'body'. */
async function tokenPost(sb: Bitrix24Sandbox, fields: Record<string, string>): Promise<Answer> {
	return read(
		await fetch(sb.tokenUrl, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams(fields).toString(),
		}),
	);
}

async function tokenGet(sb: Bitrix24Sandbox, fields: Record<string, string>): Promise<Answer> {
	return read(await fetch(`${sb.tokenUrl}?${new URLSearchParams(fields).toString()}`));
}

function exchange(sb: Bitrix24Sandbox, app: OAuthApp, code: string): Promise<Answer> {
	return tokenPost(sb, {
		grant_type: 'authorization_code',
		code,
		redirect_uri: app.handlerUrl,
		client_id: app.clientId,
		client_secret: app.clientSecret,
	});
}

function refresh(sb: Bitrix24Sandbox, app: OAuthApp, refreshToken: string): Promise<Answer> {
	return tokenPost(sb, {
		grant_type: 'refresh_token',
		refresh_token: refreshToken,
		client_id: app.clientId,
		client_secret: app.clientSecret,
	});
}

/** A REST call as the OAuth credential makes it: JSON body, Bearer token, client_endpoint. */
async function bearer(
	sb: Bitrix24Sandbox,
	token: string,
	method: string,
	body: unknown = {},
): Promise<Answer> {
	return read(
		await fetch(`${sb.restEndpoint}${method}.json`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
			body: JSON.stringify(body),
		}),
	);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const LINE = { TITLE: 'PBX', SERVER: 'sip.example.com', LOGIN: 'l1', PASSWORD: 'p1' };

describe('authorize', () => {
	it('redirects to the handler with code, state, domain, member_id, scope and server_domain', async () => {
		const sb = await start();
		const app = sb.addOAuthApp({ scopes: ['telephony', 'user'] });
		expect(app.clientId).toMatch(/^local\.[0-9a-f]{14}\.\d{8}$/);
		expect(app.handlerUrl).toBe(HANDLER);
		const answer = await authorize(sb, {
			client_id: app.clientId,
			state: 'n8n-state',
			redirect_uri: HANDLER,
			response_type: 'code',
			scope: '',
		});
		expect(answer.status).toBe(302);
		const location = answer.location!;
		expect(`${location.origin}${location.pathname}`).toBe(HANDLER);
		const host = new URL(sb.baseUrl).host;
		expect(Object.fromEntries(location.searchParams)).toEqual({
			code: expect.stringMatching(/^[0-9a-f]{40,}$/),
			state: 'n8n-state',
			domain: host,
			member_id: sb.memberId,
			scope: 'telephony,user',
			server_domain: host,
		});
		expect(sb.oauthLog).toEqual([
			{
				at: expect.any(Number),
				endpoint: 'authorize',
				httpMethod: 'GET',
				clientId: app.clientId,
				status: 302,
			},
		]);
	});

	it('without redirect_uri goes to the handler address', async () => {
		const sb = await start();
		const app = sb.addOAuthApp({ handlerUrl: 'https://n8n.example.com/cb?x=1' });
		const answer = await authorize(sb, { client_id: app.clientId });
		expect(answer.status).toBe(302);
		expect(answer.location?.origin).toBe('https://n8n.example.com');
		expect(answer.location?.searchParams.get('x')).toBe('1');
		expect(answer.location?.searchParams.get('code')).toBeTruthy();
		expect(answer.location?.searchParams.has('state')).toBe(false);
	});

	it('shows an error page for an unknown client or a redirect to another origin', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const unknown = await authorize(sb, { client_id: 'local.nope.1', redirect_uri: HANDLER });
		expect(unknown.status).toBe(400);
		expect(unknown.location).toBeUndefined();
		expect(unknown.text).toContain('<html>');
		const elsewhere = await authorize(sb, {
			client_id: app.clientId,
			redirect_uri: 'http://evil.example.com/rest/oauth2-credential/callback',
		});
		expect(elsewhere.status).toBe(400);
		expect(elsewhere.location).toBeUndefined();
		expect(sb.oauthLog.map((e) => e.status)).toEqual([400, 400]);
	});
});

describe('token endpoint', () => {
	it('exchanges a code sent as a form POST, as n8n sends it', async () => {
		const sb = await start();
		const app = sb.addOAuthApp({ userId: 2 });
		const before = Math.floor(Date.now() / 1000);
		const answer = await exchange(sb, app, await codeFor(sb, app));
		expect(answer.status).toBe(200);
		expect(answer.contentType).toContain('application/json');
		const tokens = answer.json as OAuthTokens;
		expect(tokens).toEqual({
			access_token: expect.any(String),
			expires: expect.any(Number),
			expires_in: 3600,
			scope: 'telephony',
			domain: new URL(sb.baseUrl).host,
			server_endpoint: `${sb.baseUrl}/rest/`,
			status: 'L',
			client_endpoint: sb.restEndpoint,
			member_id: sb.memberId,
			user_id: 2,
			refresh_token: expect.any(String),
		});
		expect(tokens.expires).toBeGreaterThanOrEqual(before + 3600);
		expect(tokens).not.toHaveProperty('token_type');
		expect(sb.oauthLog[1]).toEqual({
			at: expect.any(Number),
			endpoint: 'token',
			httpMethod: 'POST',
			grantType: 'authorization_code',
			clientId: app.clientId,
			status: 200,
		});
		const profile = await bearer(sb, tokens.access_token, 'profile');
		expect(profile.json.result.ID).toBe('2');
	});

	it('exchanges a code sent as a GET query', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const answer = await tokenGet(sb, {
			grant_type: 'authorization_code',
			client_id: app.clientId,
			client_secret: app.clientSecret,
			code: await codeFor(sb, app),
		});
		expect(answer.status).toBe(200);
		expect(answer.json.access_token).toEqual(expect.any(String));
	});

	it('takes a code once only', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const code = await codeFor(sb, app);
		expect((await exchange(sb, app, code)).status).toBe(200);
		const again = await exchange(sb, app, code);
		expect(again.status).toBe(400);
		expect(again.json.error).toBe('invalid_grant');
	});

	it('refuses a code older than its lifetime', async () => {
		const sb = await start({ oauthCodeLifetimeMs: 50 });
		const app = sb.addOAuthApp();
		const code = await codeFor(sb, app);
		await sleep(80);
		const late = await exchange(sb, app, code);
		expect(late.status).toBe(400);
		expect(late.json.error).toBe('invalid_grant');
	});

	it('answers invalid_client for a wrong secret or an unknown client', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const code = await codeFor(sb, app);
		const wrong = await tokenPost(sb, {
			grant_type: 'authorization_code',
			code,
			client_id: app.clientId,
			client_secret: 'not-the-secret',
		});
		expect(wrong.status).toBe(401);
		expect(wrong.json).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
		const unknown = await tokenPost(sb, {
			grant_type: 'authorization_code',
			code,
			client_id: 'local.unknown.1',
			client_secret: app.clientSecret,
		});
		expect(unknown.status).toBe(401);
		expect(unknown.json.error).toBe('invalid_client');
		// The failed attempts did not spend the code.
		expect((await exchange(sb, app, code)).status).toBe(200);
	});

	it('does not read the client from a Basic header', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const basic = Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64');
		const answer = await read(
			await fetch(sb.tokenUrl, {
				method: 'POST',
				headers: {
					'Content-Type': 'application/x-www-form-urlencoded',
					Authorization: `Basic ${basic}`,
				},
				body: new URLSearchParams({
					grant_type: 'authorization_code',
					code: await codeFor(sb, app),
				}).toString(),
			}),
		);
		expect(answer.status).toBe(401);
		expect(answer.json.error).toBe('invalid_client');
	});

	it('answers invalid_request for a missing or unknown grant type', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const fields = { client_id: app.clientId, client_secret: app.clientSecret };
		for (const grant of [{}, { grant_type: 'password' }] as Array<Record<string, string>>) {
			const answer = await tokenPost(sb, { ...fields, ...grant });
			expect(answer.status).toBe(400);
			expect(answer.json.error).toBe('invalid_request');
		}
	});

	it('rotates on refresh: the old refresh token is refused, the old access token still works', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const first = (await exchange(sb, app, await codeFor(sb, app))).json as OAuthTokens;
		const renewed = await refresh(sb, app, first.refresh_token);
		expect(renewed.status).toBe(200);
		const second = renewed.json as OAuthTokens;
		expect(second.access_token).not.toBe(first.access_token);
		expect(second.refresh_token).not.toBe(first.refresh_token);
		expect(second.user_id).toBe(1);
		expect(sb.oauthLog.at(-1)).toMatchObject({ grantType: 'refresh_token', status: 200 });

		const reused = await refresh(sb, app, first.refresh_token);
		expect(reused.status).toBe(400);
		expect(reused.json.error).toBe('invalid_grant');
		expect((await bearer(sb, first.access_token, 'scope')).status).toBe(200);
		expect((await bearer(sb, second.access_token, 'scope')).status).toBe(200);
		expect((await refresh(sb, app, second.refresh_token)).status).toBe(200);
	});

	it('does not refresh with another application', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const other = sb.addOAuthApp();
		const tokens = sb.issueTokens(app.clientId);
		const answer = await refresh(sb, other, tokens.refresh_token);
		expect(answer.status).toBe(400);
		expect(answer.json.error).toBe('invalid_grant');
	});
});

describe('access tokens on REST calls', () => {
	it('expireAccessTokens: 401 expired_token until the token is refreshed', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const other = sb.addOAuthApp();
		const tokens = sb.issueTokens(app.clientId);
		const otherTokens = sb.issueTokens(other.clientId);
		sb.expireAccessTokens(app.clientId);
		const expired = await bearer(sb, tokens.access_token, 'voximplant.sip.get');
		expect(expired.status).toBe(401);
		expect(expired.json).toEqual({
			error: 'expired_token',
			error_description: 'The access token provided has expired.',
		});
		expect(sb.log.at(-1)).toMatchObject({
			status: 401,
			error: 'expired_token',
			appId: app.clientId,
		});
		expect((await bearer(sb, otherTokens.access_token, 'scope')).status).toBe(200);

		const renewed = (await refresh(sb, app, tokens.refresh_token)).json as OAuthTokens;
		expect((await bearer(sb, renewed.access_token, 'voximplant.sip.get')).status).toBe(200);
		sb.expireAccessTokens();
		expect((await bearer(sb, renewed.access_token, 'scope')).json.error).toBe('expired_token');
		expect((await bearer(sb, otherTokens.access_token, 'scope')).json.error).toBe('expired_token');
	});

	it('revokeApp: 401 invalid_token, refresh invalid_grant, no new authorization', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const tokens = sb.issueTokens(app.clientId);
		const code = await codeFor(sb, app);
		sb.revokeApp(app.clientId);
		expect(app.revoked).toBe(true);
		const call401 = await bearer(sb, tokens.access_token, 'scope');
		expect(call401.status).toBe(401);
		expect(call401.json).toEqual({
			error: 'invalid_token',
			error_description: 'The access token provided is invalid.',
		});
		const renewed = await refresh(sb, app, tokens.refresh_token);
		expect(renewed.status).toBe(400);
		expect(renewed.json.error).toBe('invalid_grant');
		expect((await exchange(sb, app, code)).json.error).toBe('invalid_grant');
		expect((await authorize(sb, { client_id: app.clientId })).status).toBe(400);
		expect(() => sb.issueTokens(app.clientId)).toThrow();
	});

	it('refuses an unknown token, and without any token answers NO_AUTH_FOUND as before', async () => {
		const sb = await start();
		const unknown = await bearer(sb, 'f00d', 'scope');
		expect(unknown.status).toBe(401);
		expect(unknown.json.error).toBe('invalid_token');
		expect(sb.log.at(-1)).toMatchObject({ auth: 'bearer', status: 401 });
		expect(sb.log.at(-1)).not.toHaveProperty('appId');
		const none = await read(await fetch(`${sb.restEndpoint}scope.json`));
		expect(none.status).toBe(401);
		expect(none.json.error).toBe('NO_AUTH_FOUND');
		const basic = await read(
			await fetch(`${sb.restEndpoint}scope.json`, { headers: { Authorization: 'Basic eDp5' } }),
		);
		expect(basic.json.error).toBe('NO_AUTH_FOUND');
	});

	it('takes the token from the auth parameter too, the header first', async () => {
		const sb = await start();
		const app = sb.addOAuthApp({ scopes: ['telephony', 'user'] });
		const tokens = sb.issueTokens(app.clientId);
		const byQuery = await read(
			await fetch(`${sb.restEndpoint}scope.json?auth=${tokens.access_token}`),
		);
		expect(byQuery.json.result).toEqual(['telephony', 'user']);
		expect(sb.log.at(-1)).toMatchObject({ auth: 'param', appId: app.clientId, params: {} });

		const byBody = await read(
			await fetch(`${sb.restEndpoint}voximplant.sip.add`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ ...LINE, auth: tokens.access_token }),
			}),
		);
		expect(byBody.status).toBe(200);
		expect(sb.log.at(-1)?.params).not.toHaveProperty('auth');

		// A stale auth parameter does not matter when the header carries a good token.
		const both = await read(
			await fetch(`${sb.restEndpoint}scope.json?auth=stale`, {
				headers: { Authorization: `Bearer ${tokens.access_token}` },
			}),
		);
		expect(both.status).toBe(200);
		expect(sb.log.at(-1)).toMatchObject({ auth: 'bearer', appId: app.clientId });
	});

	it('scope lists the application scopes; a missing telephony scope is insufficient_scope', async () => {
		const sb = await start();
		const app = sb.addOAuthApp({ scopes: ['crm'] });
		const tokens = sb.issueTokens(app.clientId);
		expect((await bearer(sb, tokens.access_token, 'scope')).json.result).toEqual(['crm']);
		const refused = await bearer(sb, tokens.access_token, 'voximplant.sip.get');
		expect(refused.status).toBe(401);
		expect(refused.json).toEqual({
			error: 'insufficient_scope',
			error_description: 'The request requires higher privileges than provided by the access token',
		});
	});

	it("runs as the application's user with its permissions", async () => {
		const sb = await start();
		const app = sb.addOAuthApp({ userId: 3, canManageNumbers: false, callStatistics: 'none' });
		const tokens = sb.issueTokens(app.clientId);
		expect((await bearer(sb, tokens.access_token, 'profile')).json.result.ID).toBe('3');
		const asUser2 = sb.issueTokens(app.clientId, 2);
		expect(asUser2.user_id).toBe(2);
		expect((await bearer(sb, asUser2.access_token, 'profile')).json.result.ID).toBe('2');
		expect((await bearer(sb, tokens.access_token, 'voximplant.sip.get')).json.error).toBe(
			'ACCESS_DENIED',
		);
		expect((await bearer(sb, tokens.access_token, 'voximplant.statistic.get')).status).toBe(403);
	});

	it('runs a batch with a bearer token, every command as the application', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const tokens = sb.issueTokens(app.clientId);
		const answer = await bearer(sb, tokens.access_token, 'batch', {
			halt: 0,
			cmd: {
				add: `voximplant.sip.add?TITLE=Batch&SERVER=sip.example.com&LOGIN=b&PASSWORD=p`,
				get: 'voximplant.sip.get',
			},
		});
		expect(answer.status).toBe(200);
		expect(answer.json.result.result.get).toHaveLength(1);
		expect(answer.json.result.result.get[0].TITLE).toBe('Batch');
		expect(sb.lines()[0].appId).toBe(app.clientId);
		expect(sb.log.at(-1)).toMatchObject({
			restMethod: 'batch',
			auth: 'bearer',
			appId: app.clientId,
			batchCommands: [{ key: 'add' }, { key: 'get' }],
		});
	});

	it('counts operating time per application', async () => {
		const sb = await start({ operating: { limitSeconds: 0.02, costSeconds: 0.01 } });
		const app = sb.addOAuthApp();
		const a = sb.issueTokens(app.clientId, 1);
		const b = sb.issueTokens(app.clientId, 2);
		expect((await bearer(sb, a.access_token, 'voximplant.sip.get')).status).toBe(200);
		expect((await bearer(sb, b.access_token, 'voximplant.sip.get')).status).toBe(200);
		// The application's two users share one budget; the webhook has its own.
		expect((await bearer(sb, a.access_token, 'voximplant.sip.get')).status).toBe(429);
		expect((await call(sb.webhook, 'voximplant.sip.get')).status).toBe(200);
	});
});

describe('lines are private per application', () => {
	it('the webhook and the application do not see, update or delete each other’s lines', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const token = sb.issueTokens(app.clientId).access_token;
		const appLine = await bearer(sb, token, 'voximplant.sip.add', { ...LINE, TITLE: 'App' });
		expect(appLine.status).toBe(200);
		const appConfig = Number(appLine.json.result.CONFIG_ID);
		const hookLine = await call(sb.webhook, 'voximplant.sip.add', { ...LINE, TITLE: 'Hook' });
		const hookConfig = Number(hookLine.json.result.CONFIG_ID);
		expect(sb.lines().map((l) => [l.title, l.appId])).toEqual([
			['App', app.clientId],
			['Hook', ''],
		]);

		const appSees = await bearer(sb, token, 'voximplant.sip.get');
		expect(appSees.json.result.map((r: { TITLE: string }) => r.TITLE)).toEqual(['App']);
		const hookSees = await call(sb.webhook, 'voximplant.sip.get');
		expect(hookSees.json.result.map((r: { TITLE: string }) => r.TITLE)).toEqual(['Hook']);

		const hookUpdates = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: appConfig,
			TITLE: 'Taken',
		});
		expect(hookUpdates.status).toBe(404);
		expect(hookUpdates.json.error).toBe('ERROR_NOT_FOUND');
		const appUpdates = await bearer(sb, token, 'voximplant.sip.update', {
			CONFIG_ID: hookConfig,
			TITLE: 'Taken',
		});
		expect(appUpdates.json.error).toBe('ERROR_NOT_FOUND');
		const hookDeletes = await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: appConfig });
		expect(hookDeletes.json.error).toBe('ERROR_NOT_FOUND');
		const appDeletes = await bearer(sb, token, 'voximplant.sip.delete', { CONFIG_ID: hookConfig });
		expect(appDeletes.json.error).toBe('ERROR_NOT_FOUND');
		expect(sb.lines().map((l) => l.title)).toEqual(['App', 'Hook']);

		// Another application does not see the first one's line either.
		const other = sb.addOAuthApp();
		const otherToken = sb.issueTokens(other.clientId).access_token;
		expect((await bearer(sb, otherToken, 'voximplant.sip.get')).json.result).toEqual([]);

		expect(
			(await bearer(sb, token, 'voximplant.sip.update', { CONFIG_ID: appConfig, TITLE: 'Own' }))
				.json.result,
		).toBe(1);
		expect(
			(await bearer(sb, token, 'voximplant.sip.delete', { CONFIG_ID: appConfig })).json.result,
		).toBe(1);
	});

	it('sip.status and line.outgoing.sip.set are not filtered', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const token = sb.issueTokens(app.clientId).access_token;
		const appLine = sb.addAppLine(app.clientId, { title: 'App', server: 's', login: 'l' });
		const hookLine = sb.addLineByHand({ title: 'Hand', server: 's', login: 'm' });
		const hookReads = await call(sb.webhook, 'voximplant.sip.status', { REG_ID: appLine.regId });
		expect(hookReads.json.result.REG_ID).toBe(appLine.regId);
		const appReads = await bearer(sb, token, 'voximplant.sip.status', { REG_ID: hookLine.regId });
		expect(appReads.json.result.REG_ID).toBe(hookLine.regId);

		const hookSets = await call(sb.webhook, 'voximplant.line.outgoing.sip.set', {
			CONFIG_ID: appLine.configId,
		});
		expect(hookSets.json.result).toBe(1);
		expect(sb.defaultOutgoing()).toBe(`reg${appLine.regId}`);
		const appSets = await bearer(sb, token, 'voximplant.line.outgoing.sip.set', {
			CONFIG_ID: hookLine.configId,
		});
		expect(appSets.json.result).toBe(1);
		expect((await bearer(sb, token, 'voximplant.line.outgoing.get')).json.result).toBe(
			`reg${hookLine.regId}`,
		);
	});
});

describe('secrets', () => {
	it('neither log ever holds a code, token or client secret', async () => {
		const sb = await start();
		const app = sb.addOAuthApp();
		const code = await codeFor(sb, app);
		const tokens = (await exchange(sb, app, code)).json as OAuthTokens;
		const renewed = (await refresh(sb, app, tokens.refresh_token)).json as OAuthTokens;
		await tokenPost(sb, {
			grant_type: 'authorization_code',
			code,
			client_id: app.clientId,
			client_secret: app.clientSecret,
		});
		await bearer(sb, renewed.access_token, 'voximplant.sip.add', {
			...LINE,
			// A client that leaks its own token into a field.
			TITLE: `x ${renewed.access_token}`,
		});
		await bearer(sb, renewed.access_token, 'batch', {
			cmd: { a: `scope?auth=${renewed.access_token}&x=${app.clientSecret}` },
		});
		await read(await fetch(`${sb.restEndpoint}scope.json?auth=${tokens.access_token}`));
		sb.expireAccessTokens();
		await bearer(sb, renewed.access_token, 'scope');
		await bearer(sb, 'some-unknown-token-value', 'scope');

		const logs = JSON.stringify([sb.log, sb.oauthLog]);
		for (const secret of [
			code,
			app.clientSecret,
			tokens.access_token,
			tokens.refresh_token,
			renewed.access_token,
			renewed.refresh_token,
			'some-unknown-token-value',
		]) {
			expect(logs).not.toContain(secret);
		}
		expect(sb.oauthLog.map((e) => [e.endpoint, e.status])).toEqual([
			['authorize', 302],
			['token', 200],
			['token', 200],
			['token', 400],
		]);
	});
});
