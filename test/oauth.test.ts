import type { ICredentialDataDecryptedObject, IDataObject, INodeParameters } from 'n8n-workflow';

import type { NodeSettings } from './harness/workflows';
import { allText, NODE, sharedEngine, sipWorkflow, testCredential } from './helpers/portal';
import type { OAuthApp, OAuthAppSpec } from './sandbox';
import { Bitrix24Sandbox } from './sandbox';

/**
 * The node through an OAuth2 application: n8n's own OAuth2 request helper signs and renews, the
 * sandbox plays the portal and Bitrix24's token server. Lines are private to the application
 * (docs/bitrix24-behaviour.md#calling-a-method-with-an-oauth-application).
 */

const CREDENTIAL_ID = 'app-credential';

interface AppRun {
	json: IDataObject[];
	failure?: Error & IDataObject;
	/** everything the run put anywhere: output, errors */
	text: string;
}

/**
 * One OAuth2 credential as n8n keeps it: what the user typed plus the token n8n saved. Runs of
 * the same credential share it, as n8n's executions read the one stored credential.
 */
class AppCredential {
	/** the credential as n8n's database holds it; a test may put another store in its place */
	store: Record<string, ICredentialDataDecryptedObject>;

	constructor(
		readonly sandbox: Bitrix24Sandbox,
		readonly app: OAuthApp,
		readonly id = CREDENTIAL_ID,
	) {
		this.store = {};
		this.data = {
			portal: sandbox.baseUrl,
			clientId: app.clientId,
			clientSecret: app.clientSecret,
			accessTokenUrl: sandbox.tokenUrl,
			oauthTokenData: { ...sandbox.issueTokens(app.clientId) },
		};
	}

	get data(): ICredentialDataDecryptedObject {
		return this.store.bitrix24OAuth2Api;
	}

	set data(data: ICredentialDataDecryptedObject) {
		this.store.bitrix24OAuth2Api = data;
	}

	get token(): IDataObject {
		return this.data.oauthTokenData as IDataObject;
	}

	async run(
		parameters: IDataObject,
		input: IDataObject[] = [{}],
		settings: NodeSettings = {},
	): Promise<AppRun> {
		const workflow = sipWorkflow(
			{ ...parameters, authentication: 'oAuth2' } as INodeParameters,
			settings,
		);
		workflow.nodes[1].credentials = { bitrix24OAuth2Api: { id: this.id, name: 'Bitrix24 app' } };
		// n8n saves a renewed token into the store: the next read, in any run, sees that one
		const result = await sharedEngine().run(workflow, {
			input: input.map((json) => ({ json })),
			credentials: this.store,
		});
		const json = result.output(NODE).map((item) => item.json);
		const failure = result.nodeError(NODE);
		return { json, failure, text: allText({ json, failure }) };
	}
}

async function webhookRun(sandbox: Bitrix24Sandbox, parameters: IDataObject): Promise<AppRun> {
	const result = await sharedEngine().run(sipWorkflow(parameters as INodeParameters), {
		credentials: { bitrix24WebhookApi: { webhookUrl: sandbox.webhook.url } },
	});
	const json = result.output(NODE).map((item) => item.json);
	const failure = result.nodeError(NODE);
	return { json, failure, text: allText({ json, failure }) };
}

const createOffice = (title: string): IDataObject => ({
	resource: 'line',
	operation: 'create',
	type: 'office',
	title,
	server: 'pbx.example.com',
	login: 'office',
	password: 'secret-pass',
});

const GET_MANY = { resource: 'line', operation: 'getMany', returnAll: true };

describe('OAuth2 application', () => {
	let sandbox: Bitrix24Sandbox;
	let app: OAuthApp;
	let credential: AppCredential;

	const start = async (spec: OAuthAppSpec = {}) => {
		sandbox = await Bitrix24Sandbox.start({ rateLimit: false });
		app = sandbox.addOAuthApp(spec);
		credential = new AppCredential(sandbox, app);
	};

	afterEach(async () => {
		await sandbox?.close();
	});

	/** No token, code or client secret anywhere in what the user or a log could see. */
	const expectNoSecret = (text: string) => {
		expect(text).not.toContain(app.clientSecret);
		expect(text).not.toContain(String(credential.token.access_token));
		expect(text).not.toContain(String(credential.token.refresh_token));
	};

	describe('lines private to the application', () => {
		beforeEach(async () => {
			await start();
			sandbox.addLineByHand({ title: 'By hand', server: 'sip.a.com', login: 'hand' });
			const made = await webhookRun(sandbox, createOffice('By webhook'));
			expect(made.failure).toBeUndefined();
		});

		it('creates a line that belongs to the application, signed with a bearer token', async () => {
			const run = await credential.run(createOffice('By app'));

			expect(run.failure).toBeUndefined();
			expect(run.json).toHaveLength(1);
			const line = sandbox.lines().find((l) => l.title === 'By app');
			expect(line?.appId).toBe(app.clientId);
			const add = sandbox.log.filter((entry) => entry.restMethod === 'voximplant.sip.add');
			expect(add.map((entry) => [entry.auth, entry.appId])).toEqual([
				[undefined, undefined],
				['bearer', app.clientId],
			]);
			expectNoSecret(JSON.stringify(sandbox.log) + run.text);
		});

		it('Get Many sees only the application’s lines, a webhook only the others', async () => {
			await credential.run(createOffice('By app'));

			const asApp = await credential.run(GET_MANY);
			const asWebhook = await webhookRun(sandbox, GET_MANY);

			expect(asApp.failure).toBeUndefined();
			expect(asApp.json.map((line) => line.TITLE)).toEqual(['By app']);
			expect(asWebhook.json.map((line) => line.TITLE).sort()).toEqual(['By hand', 'By webhook']);
		});

		it('Sync without a prefix deletes only the application’s unlisted lines', async () => {
			await credential.run(createOffice('App stale'));
			await credential.run(createOffice('App keep'));

			const run = await credential.run(
				{
					resource: 'line',
					operation: 'sync',
					type: 'office',
					title: '={{ $json.title }}',
					server: 'pbx.example.com',
					login: 'office',
					password: '',
					deleteUnlisted: true,
				},
				[{ title: 'App keep' }, { title: 'App new' }],
			);

			expect(run.failure).toBeUndefined();
			expect(
				sandbox
					.lines()
					.map((line) => line.title)
					.sort(),
			).toEqual(['App keep', 'App new', 'By hand', 'By webhook']);
			const deleted = run.json.find((item) => item.action === 'delete');
			expect(deleted).toMatchObject({ TITLE: 'App stale' });
			expect(String(deleted?.reason)).toContain('application');
		});

		it.each([
			['a prefix of only spaces', { managedPrefix: '  ' }],
			['Managed Titles of only spaces', { managedTitles: '   ' }],
		])('Sync deletes nothing when given %s', async (_name, scope) => {
			await credential.run(createOffice('App stale'));

			const run = await credential.run(
				{
					resource: 'line',
					operation: 'sync',
					type: 'office',
					title: 'App new',
					server: 'pbx.example.com',
					login: 'office',
					deleteUnlisted: true,
					...scope,
				},
				[{}],
			);

			expect(run.failure).toBeDefined();
			expect(sandbox.lines().map((line) => line.title)).toContain('App stale');
			expect(
				sandbox.log.filter((entry) => entry.restMethod === 'voximplant.sip.delete'),
			).toHaveLength(0);
		});

		it('Sync through a webhook still refuses to delete without a prefix', async () => {
			const run = await webhookRun(sandbox, {
				resource: 'line',
				operation: 'sync',
				type: 'office',
				title: 'Anything',
				server: 'pbx.example.com',
				login: 'office',
				deleteUnlisted: true,
			});

			expect(run.failure?.message).toContain('Managed Title Prefix is required');
			expect(sandbox.lines()).toHaveLength(2);
		});

		it('a default outgoing line made by hand is one the application cannot see', async () => {
			const hand = sandbox.addLineByHand({
				type: 'cloud',
				title: 'Hand cloud',
				server: 'sip.ok.example',
				login: 'u2',
			});
			sandbox.setDefaultOutgoing(hand.configId);

			const run = await credential.run({ resource: 'line', operation: 'getDefaultOutgoing' });

			expect(run.failure).toBeUndefined();
			expect(run.json[0]).toMatchObject({
				kind: 'unknownSipLine',
				description: `A SIP line this application cannot see (reg${hand.regId}): one made by hand, through a webhook or by another application`,
				line: null,
			});
		});

		it('Check All Lines reports the application’s cloud lines only', async () => {
			const cloud = await credential.run({
				resource: 'line',
				operation: 'create',
				type: 'cloud',
				title: 'App cloud',
				server: 'sip.ok.example',
				login: 'u1',
				password: 'p1',
			});
			expect(cloud.failure).toBeUndefined();
			sandbox.addLineByHand({ title: 'Hand cloud', server: 'sip.ok.example', login: 'u2' });
			sandbox.advanceRegistrations(3);

			const run = await credential.run({ resource: 'registration', operation: 'checkAll' });

			expect(run.failure).toBeUndefined();
			expect(run.json.map((item) => item.TITLE)).toEqual(['App cloud']);
		});
	});

	describe('an expired access token', () => {
		beforeEach(async () => {
			await start();
		});

		it('is renewed once through n8n, saved, and no item fails', async () => {
			await credential.run(createOffice('One'));
			const before = { ...credential.token };
			sandbox.expireAccessTokens(app.clientId);

			const run = await credential.run(GET_MANY, [{}, {}, {}]);

			expect(run.failure).toBeUndefined();
			expect(run.json.map((line) => line.TITLE)).toEqual(['One', 'One', 'One']);
			const grants = sandbox.oauthLog.filter((entry) => entry.endpoint === 'token');
			expect(grants.map((entry) => [entry.grantType, entry.status])).toEqual([
				['refresh_token', 200],
			]);
			expect(credential.token.access_token).not.toBe(before.access_token);
			expect(credential.token.refresh_token).not.toBe(before.refresh_token);
			expect(credential.token.client_endpoint).toBe(sandbox.restEndpoint);

			// the saved token works: the next run needs no renewal
			const next = await credential.run(GET_MANY);
			expect(next.failure).toBeUndefined();
			expect(sandbox.oauthLog.filter((entry) => entry.endpoint === 'token')).toHaveLength(1);
		});

		it('does not make a write run twice', async () => {
			sandbox.expireAccessTokens(app.clientId);

			const run = await credential.run(createOffice('Written once'));

			expect(run.failure).toBeUndefined();
			expect(sandbox.lines().filter((line) => line.title === 'Written once')).toHaveLength(1);
			// the title check met the expired token, was sent again to renew it, then the add ran once
			expect(sandbox.log.map((entry) => [entry.restMethod, entry.status, entry.error])).toEqual([
				['voximplant.sip.get', 401, 'expired_token'],
				['voximplant.sip.get', 401, 'expired_token'],
				['voximplant.sip.get', 200, undefined],
				['voximplant.sip.add', 200, undefined],
			]);
		});

		it('is renewed once when executions meet it at the same time', async () => {
			await credential.run(createOffice('Shared'));
			sandbox.expireAccessTokens(app.clientId);
			// executions with queues of their own, so that each meets the expired token itself
			const runs = await Promise.all(
				Array.from(
					{ length: 4 },
					async () =>
						await credential.run({ ...GET_MANY, requestOptions: { mergeExecutions: false } }),
				),
			);

			for (const run of runs) expect(run.failure).toBeUndefined();
			const grants = sandbox.oauthLog.filter((entry) => entry.grantType === 'refresh_token');
			expect(grants.map((entry) => entry.status)).toEqual([200]);
		});

		it('goes on when another n8n process renewed the token first (queue mode)', async () => {
			await credential.run(createOffice('One'));
			const stale = credential.data;
			sandbox.expireAccessTokens(app.clientId);
			// another worker renews first and saves the new pair
			const renewed = await fetch(sandbox.tokenUrl, {
				method: 'POST',
				headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({
					grant_type: 'refresh_token',
					refresh_token: String(credential.token.refresh_token),
					client_id: app.clientId,
					client_secret: app.clientSecret,
				}).toString(),
			});
			const fresh = { ...stale, oauthTokenData: (await renewed.json()) as IDataObject };
			// this worker read the credential before that save, and reads it again only after its own
			// renewal was refused
			const refused = () =>
				sandbox.oauthLog.some(
					(entry) => entry.grantType === 'refresh_token' && entry.status !== 200,
				);
			credential.store = new Proxy({} as Record<string, ICredentialDataDecryptedObject>, {
				get: (_target, key) =>
					key === 'bitrix24OAuth2Api' ? (refused() ? fresh : stale) : undefined,
				set: () => true,
			});

			const run = await credential.run(GET_MANY);

			expect(run.failure).toBeUndefined();
			expect(run.json.map((line) => line.TITLE)).toEqual(['One']);
			expect(
				sandbox.oauthLog
					.filter((entry) => entry.endpoint === 'token')
					.map((entry) => [entry.status, entry.error]),
			).toEqual([
				[200, undefined],
				[400, 'invalid_grant'],
			]);
		});

		it('names an unreachable token server, and writes nothing', async () => {
			credential.data = { ...credential.data, accessTokenUrl: 'http://127.0.0.1:9/oauth/token/' };
			sandbox.expireAccessTokens(app.clientId);

			const run = await credential.run(createOffice('Never'));

			expect(run.failure?.message).toBe(
				"Bitrix24's token server could not be reached to renew the access token",
			);
			expect(String(run.failure?.description)).toContain('Token URL');
			expect(String(run.failure?.description)).toContain('ECONNREFUSED');
			expect(sandbox.lines()).toHaveLength(0);
			expectNoSecret(run.text);
		});

		it('fails clearly when the renewal is refused, with no secret shown', async () => {
			credential.data = { ...credential.data, clientSecret: 'a-wrong-client-secret' };
			sandbox.expireAccessTokens(app.clientId);

			const run = await credential.run(GET_MANY);

			expect(run.failure?.message).toContain("refused to renew the application's access");
			expect(String(run.failure?.description)).toContain('Reconnect');
			expect(run.text).not.toContain('a-wrong-client-secret');
			expectNoSecret(run.text);
		});
	});

	describe('a revoked application', () => {
		beforeEach(async () => {
			await start();
		});

		it('fails with a clear error naming the fix, and no secret', async () => {
			sandbox.revokeApp(app.clientId);

			const run = await credential.run(GET_MANY);

			expect(run.failure?.message).toBe(
				"Bitrix24 no longer accepts this application's authorization",
			);
			expect(String(run.failure?.description)).toContain('Reconnect');
			expectNoSecret(run.text);
		});

		it('fails clearly when its token has expired too, without a renewal', async () => {
			sandbox.expireAccessTokens(app.clientId);
			sandbox.revokeApp(app.clientId);

			const run = await credential.run(createOffice('Never'));

			expect(run.failure?.message).toBe(
				"Bitrix24 no longer accepts this application's authorization",
			);
			expect(sandbox.lines()).toHaveLength(0);
			expect(sandbox.oauthLog.filter((entry) => entry.endpoint === 'token')).toHaveLength(0);
			expectNoSecret(run.text);
		});

		it('names the refusal when the renewal itself is refused', async () => {
			sandbox.expireAccessTokens(app.clientId);
			// the refresh token is used up elsewhere (another n8n renewed it), so the renewal is refused
			const stale = { ...credential.token };
			await credential.run(GET_MANY);
			credential.data = { ...credential.data, oauthTokenData: stale };

			const run = await credential.run(createOffice('Never'));

			expect(run.failure?.message).toBe(
				"Bitrix24 refused to renew the application's access (invalid_grant)",
			);
			expect(sandbox.lines()).toHaveLength(0);
			expectNoSecret(run.text);
		});
	});

	describe('setup mistakes', () => {
		it('a credential not connected yet says so and sends nothing', async () => {
			await start();
			delete credential.data.oauthTokenData;

			const run = await credential.run(GET_MANY);

			expect(run.failure?.message).toContain('is not connected yet');
			expect(sandbox.log).toHaveLength(0);
		});

		it('an application without the telephony scope is told which scope to tick', async () => {
			await start({ scopes: ['user'] });

			const run = await credential.run(GET_MANY);

			expect(run.failure?.message).toBe('The Bitrix24 application lacks the "telephony" scope');
			expect(String(run.failure?.description)).toContain('Telephony (telephony)');
		});

		it('a user without the telephony permission is told so in the application’s words', async () => {
			await start({ canManageNumbers: false });

			const run = await credential.run(GET_MANY);

			expect(run.failure?.message).toContain('the user who connected the application');
		});
	});

	it('never merges the calls of two credentials into one request', async () => {
		await start();
		const other = new AppCredential(sandbox, sandbox.addOAuthApp(), 'other-credential');
		const runs = await Promise.all([
			credential.run(createOffice('A1')),
			other.run(createOffice('B1')),
			credential.run(createOffice('A2')),
			other.run(createOffice('B2')),
		]);

		for (const run of runs) expect(run.failure).toBeUndefined();
		const owners = Object.fromEntries(sandbox.lines().map((line) => [line.title, line.appId]));
		expect(owners).toEqual({
			A1: app.clientId,
			A2: app.clientId,
			B1: other.app.clientId,
			B2: other.app.clientId,
		});
		for (const entry of sandbox.log) expect(entry.auth).toBe('bearer');
	});

	describe('the credential’s Test button', () => {
		const test = async (data: ICredentialDataDecryptedObject) =>
			await testCredential(data, 'bitrix24OAuth2Api');

		it('passes for a connected application with scope and permission', async () => {
			await start();
			expect(await test(credential.data)).toEqual({
				status: 'OK',
				message: 'Connection successful: the application has the telephony scope and permission',
			});
		});

		it('names the missing scope', async () => {
			await start({ scopes: ['user'] });
			const result = await test(credential.data);
			expect(result.status).toBe('Error');
			expect(result.message).toContain('lacks the "telephony" scope');
		});

		it('names the missing permission', async () => {
			await start({ canManageNumbers: false });
			const result = await test(credential.data);
			expect(result.status).toBe('Error');
			expect(result.message).toContain('Manage numbers — modify');
		});

		it('tells a revoked application to reconnect, and never renews the token itself', async () => {
			await start();
			sandbox.revokeApp(app.clientId);
			const result = await test(credential.data);
			expect(result.status).toBe('Error');
			expect(result.message).toContain('Reconnect');
			expectNoSecret(String(result.message));
			expect(sandbox.oauthLog.filter((entry) => entry.endpoint === 'token')).toHaveLength(0);
		});

		it('says an expired token renews itself at the next run', async () => {
			await start();
			sandbox.expireAccessTokens(app.clientId);
			const result = await test(credential.data);
			expect(result.status).toBe('OK');
			expect(result.message).toContain('renews itself at the next run');
			expect(sandbox.oauthLog.filter((entry) => entry.endpoint === 'token')).toHaveLength(0);
		});

		it('says when the credential is not connected yet', async () => {
			await start();
			const notConnected = { ...credential.data };
			delete notConnected.oauthTokenData;
			const result = await test(notConnected);
			expect(result).toMatchObject({ status: 'Error' });
			expect(result.message).toContain('is not connected yet');
		});
	});
});
