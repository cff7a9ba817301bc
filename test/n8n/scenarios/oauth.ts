/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling that drives a real n8n, not code shipped to n8n */
/**
 * The OAuth2 half of the real-n8n test: n8n's own OAuth2 flow, driven through its REST API as the
 * editor does, against the sandbox's OAuth server; then the nodes with that credential under
 * `n8n execute`, a token that expires (n8n renews and saves it), and an application that was
 * uninstalled (a clear error).
 *
 * It uses a portal of its own: the other scenarios fill the first portal's ten cloud places, and
 * the application's lines must not show up in their line counts.
 *
 * What n8n does, read in the installs (1.123.50 and 2.40.7, controllers/oauth and oauth/):
 * - the callback is `<instance base URL>/rest/oauth2-credential/callback`; the instance base URL
 *   comes from N8N_HOST and N8N_PORT (here http://127.0.0.1:<port>);
 * - GET /rest/oauth2-credential/auth?id= answers `{ data: <authorize URL> }` and keeps a CSRF
 *   secret (1.x in the credential, 2.x in its cache); `state` is base64 JSON holding the token;
 * - whether the callback needs the session: N8N_SKIP_AUTH_ON_OAUTH_CALLBACK defaults to true in
 *   1.x (the callback is open and the state names no user) and to false in 2.x (the state's user
 *   must be the signed-in one, else "Unauthorized"). The test sends the session as a browser does,
 *   and on 2.x also shows a callback without it connects nothing (in 1.x that call would connect
 *   and spend the state). 2.x can also bind the flow to a browser cookie (off by default; the
 *   instance's cookie jar would carry it);
 * - with authentication 'body' the code is exchanged by a form POST with client_id and
 *   client_secret; success renders "Connection successful", failure "Failed to connect";
 * - GET /rest/credentials/<id>?includeData=true shows `oauthTokenData: true` once connected (the
 *   token itself is redacted), so the saved token is read with `n8n export:credentials --decrypted`.
 */
import path from 'node:path';

import { Bitrix24Sandbox } from '../../sandbox';
import type { LogEntry } from '../../sandbox/types';
import type { Context } from '../context';
import { nodeResult } from '../context';
import type { Workflow, WorkflowNode } from '../workflows';
import { itemsOf, SIP_NODE, sipWorkflow } from '../workflows';

const CREDENTIAL_NAME = 'Bitrix24 OAuth2 app';

/** What the sandbox's request log says about the caller (issue 21's contract). */
type AuthLogEntry = LogEntry & { auth?: string; appId?: string };

interface TokenData {
	access_token?: string;
	refresh_token?: string;
	client_endpoint?: string;
	member_id?: string;
}

export async function oauthScenario(context: Context): Promise<void> {
	const sandbox = await Bitrix24Sandbox.start({ registrationStepMs: 200 });
	try {
		await run(context, sandbox);
	} finally {
		await context.n8n.stop();
		await sandbox.close();
	}
}

async function run(context: Context, sandbox: Bitrix24Sandbox): Promise<void> {
	const { n8n, checks, dir } = context;
	const webhookSecret = /\/rest\/\d+\/([^/]+)\//.exec(sandbox.webhook.url)?.[1] ?? '';

	await n8n.start();
	const callbackUrl = `${n8n.baseUrl}/rest/oauth2-credential/callback`;
	const app = sandbox.addOAuthApp({ handlerUrl: callbackUrl });
	// every secret of the scenario, to show none of them ever comes out; tokens join as they are read
	const secrets = new Map<string, string>([
		['the client secret', app.clientSecret],
		['the webhook code', webhookSecret],
	]);
	const leaked = (text: string) =>
		[...secrets].filter(([, value]) => value !== '' && text.includes(value)).map(([name]) => name);
	const cliOutputs: string[] = [];

	let credentialId = '';
	await checks.group(
		"n8n's OAuth2 flow through its REST API, as the editor drives it",
		async () => {
			const created = await n8n.rest('POST', '/rest/credentials', {
				name: CREDENTIAL_NAME,
				type: 'bitrix24OAuth2Api',
				data: {
					portal: sandbox.baseUrl,
					clientId: app.clientId,
					clientSecret: app.clientSecret,
					accessTokenUrl: sandbox.tokenUrl,
				},
			});
			credentialId = (created.json as { data?: { id?: string } } | undefined)?.data?.id ?? '';
			if (
				!checks.that(
					'the credential is created (POST /rest/credentials)',
					created.status === 200 && credentialId !== '',
					{ status: created.status, text: created.text.slice(0, 800) },
				)
			)
				return;
			checks.that('the answer holds no client secret', leaked(created.text).length === 0);

			const auth = await n8n.rest(
				'GET',
				`/rest/oauth2-credential/auth?id=${encodeURIComponent(credentialId)}`,
			);
			const authorizeUrl = (auth.json as { data?: string } | undefined)?.data ?? '';
			let authorize: URL | undefined;
			try {
				authorize = new URL(authorizeUrl);
			} catch {
				authorize = undefined;
			}
			if (
				!checks.that(
					'n8n gives the authorize URL of the portal',
					authorize !== undefined && authorizeUrl.startsWith(sandbox.authorizeUrl),
					{ status: auth.status, text: auth.text.slice(0, 800) },
				)
			)
				return;
			const asked = authorize!.searchParams;
			checks.that(
				"it names the application and n8n's callback, with a state",
				asked.get('client_id') === app.clientId &&
					asked.get('redirect_uri') === callbackUrl &&
					asked.get('response_type') === 'code' &&
					(asked.get('state') ?? '') !== '',
				{
					client_id: asked.get('client_id') === app.clientId,
					redirect_uri: asked.get('redirect_uri'),
					expected: callbackUrl,
					response_type: asked.get('response_type'),
				},
			);
			checks.that('the authorize URL holds no client secret', leaked(authorizeUrl).length === 0);

			// the browser at the portal: the user is signed in there and allows the application
			const atPortal = await fetch(authorizeUrl, { redirect: 'manual' });
			const location = atPortal.headers.get('location') ?? '';
			let back: URL | undefined;
			try {
				back = new URL(location);
			} catch {
				back = undefined;
			}
			if (
				!checks.that(
					"the portal redirects to n8n's callback",
					atPortal.status === 302 && location.startsWith(callbackUrl) && back !== undefined,
					{ status: atPortal.status, location, body: (await atPortal.text()).slice(0, 500) },
				)
			)
				return;
			const given = back!.searchParams;
			checks.that(
				'with a code, the state as given, and the portal',
				(given.get('code') ?? '') !== '' &&
					given.get('state') === asked.get('state') &&
					given.get('member_id') === sandbox.memberId &&
					(given.get('domain') ?? '') !== '',
				[...given.keys()],
			);

			const connected = async () => {
				const answer = await n8n.rest(
					'GET',
					`/rest/credentials/${encodeURIComponent(credentialId)}?includeData=true`,
				);
				const data = (answer.json as { data?: { data?: { oauthTokenData?: unknown } } } | undefined)
					?.data?.data;
				return { connected: data?.oauthTokenData === true, answer };
			};

			const grantsBefore = sandbox.oauthLog.length;
			if (n8n.major >= 2) {
				// another browser, without n8n's session, must not connect the credential
				const stranger = await fetch(location, { redirect: 'manual' });
				const strangerText = await stranger.text();
				checks.that(
					'the callback without the session cookie connects nothing',
					!/Connection successful/.test(strangerText) &&
						!(await connected()).connected &&
						sandbox.oauthLog.length === grantsBefore,
					{ status: stranger.status, text: strangerText.slice(0, 500) },
				);
			}

			const callback = await fetch(location, {
				redirect: 'manual',
				headers: { cookie: n8n.cookieHeader },
			});
			const page = await callback.text();
			checks.that(
				'the callback with the session renders "Connection successful"',
				callback.status === 200 && /Connection successful/.test(page),
				{
					status: callback.status,
					page: page.replace(/<style>[\s\S]*?<\/style>/g, '').slice(0, 1500),
				},
			);
			checks.that('the callback page holds no secret', leaked(page).length === 0, leaked(page));
			const exchanges = sandbox.oauthLog
				.slice(grantsBefore)
				.filter((entry) => entry.endpoint === 'token');
			checks.that(
				'n8n exchanged the code once, by POST, as this application',
				exchanges.length === 1 &&
					exchanges[0].grantType === 'authorization_code' &&
					exchanges[0].httpMethod === 'POST' &&
					exchanges[0].clientId === app.clientId &&
					exchanges[0].status === 200,
				exchanges,
			);
			const after = await connected();
			checks.that(
				'the credential shows as connected (oauthTokenData saved)',
				after.connected,
				after.answer.text.slice(0, 800),
			);
			checks.that(
				'reading the credential back shows no client secret',
				leaked(after.answer.text).length === 0,
			);
		},
	);
	await n8n.stop();
	checks.that(
		'nothing n8n start logged holds a secret',
		leaked(n8n.output).length === 0,
		leaked(n8n.output),
	);
	if (!credentialId) return;

	const readToken = async (label: string): Promise<TokenData> => {
		const { cli, data } = await n8n.exportCredential(
			credentialId,
			path.join(dir, `oauth-credential-${label}.json`),
		);
		const token = (data?.oauthTokenData ?? {}) as TokenData;
		if (token.access_token) secrets.set(`the ${label} access token`, token.access_token);
		if (token.refresh_token) secrets.set(`the ${label} refresh token`, token.refresh_token);
		checks.that(
			`the saved token can be read (${label})`,
			cli.code === 0 && typeof token.access_token === 'string',
			cli.output.slice(-1500),
		);
		return token;
	};

	const first = await readToken('first');
	checks.that(
		"the saved token is the portal's, with its REST address",
		first.client_endpoint === sandbox.restEndpoint && first.member_id === sandbox.memberId,
		{ client_endpoint: first.client_endpoint, expected: sandbox.restEndpoint },
	);

	// The portal before the runs: a line made by hand and one made by a webhook, both invisible
	// to the application, which the application's Sync must never touch.
	const handMade = sandbox.addLineByHand({
		type: 'cloud',
		title: 'Made by hand',
		server: 'sip.hand.example',
		login: '700',
		password: 'hand-pass',
	});
	const viaWebhook = await fetch(
		`${sandbox.webhook.url.replace(/\/?$/, '/')}voximplant.sip.add.json`,
		{
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				TYPE: 'cloud',
				TITLE: 'Made by a webhook',
				SERVER: 'sip.webhook.example',
				LOGIN: '800',
				PASSWORD: 'webhook-pass',
			}),
		},
	);
	const webhookLine = sandbox.lines().find((line) => line.title === 'Made by a webhook');
	checks.that(
		'a webhook made a line of its own',
		viaWebhook.status === 200 && webhookLine !== undefined,
		{
			status: viaWebhook.status,
		},
	);
	const othersIntact = () =>
		[handMade.configId, webhookLine?.configId].every((configId) =>
			sandbox.lines().some((line) => line.configId === configId && line.appId === ''),
		);
	const appLines = () => sandbox.lines().filter((line) => line.appId === app.clientId);

	const oauth = { credentials: { bitrix24OAuth2Api: { id: credentialId, name: CREDENTIAL_NAME } } };
	const withOAuth = (parameters: Record<string, unknown>) => ({
		authentication: 'oAuth2',
		...parameters,
	});
	const create = sipWorkflow(
		'oauthCreate00001',
		'OAuth: Line → Create',
		withOAuth({
			resource: 'line',
			operation: 'create',
			type: 'cloud',
			title: 'App trunk',
			server: 'sip.app.example',
			login: '900',
			password: 'app-pass',
			options: {},
		}),
		oauth,
	);
	const getMany = sipWorkflow(
		'oauthGetMany0001',
		'OAuth: Line → Get Many',
		withOAuth({ resource: 'line', operation: 'getMany', returnAll: true }),
		oauth,
	);
	const syncRows = [
		{
			title: 'App Berlin',
			type: 'cloud',
			server: 'sip.berlin.example',
			login: 'b1',
			password: 'pb',
		},
		{
			title: 'App Munich',
			type: 'office',
			server: 'pbx.munich.example',
			login: 'm1',
			password: 'pm',
		},
	];
	const sync = sipWorkflow(
		'oauthSync0000001',
		'OAuth: Line → Sync',
		withOAuth({
			resource: 'line',
			operation: 'sync',
			dryRun: false,
			type: '={{ $json.type }}',
			title: '={{ $json.title }}',
			server: '={{ $json.server }}',
			login: '={{ $json.login }}',
			password: '={{ $json.password }}',
			deleteUnlisted: true,
			options: {},
		}),
		{ ...oauth, before: itemsOf('rows', syncRows) },
	);
	const checkAll = sipWorkflow(
		'oauthCheckAll001',
		'OAuth: Registration → Check All Lines',
		withOAuth({
			resource: 'registration',
			operation: 'checkAll',
			options: { onlyUnhealthy: true },
		}),
		oauth,
	);
	// Get Many, then Line → Get for each line it found: items after the renewal use the new token
	const readAll = sipWorkflow(
		'oauthReadAll0001',
		'OAuth: Get Many → Get each',
		withOAuth({ resource: 'line', operation: 'getMany', returnAll: true }),
		oauth,
	);
	const eachLine: WorkflowNode = {
		name: 'Each Line',
		type: SIP_NODE,
		typeVersion: 1,
		position: [400, 0],
		parameters: withOAuth({
			resource: 'line',
			operation: 'get',
			configId: '={{ $json.CONFIG_ID }}',
		}),
		credentials: oauth.credentials,
	};
	readAll.nodes.push(eachLine);
	readAll.connections['Bitrix24 SIP'] = { main: [[{ node: 'Each Line', type: 'main', index: 0 }]] };

	const imported = await n8n.importFolder(
		[create, getMany, sync, checkAll, readAll],
		path.join(dir, 'oauth-workflows'),
	);
	if (
		!checks.that('the OAuth2 workflows import', imported.code === 0, imported.output.slice(-3000))
	)
		return;

	const execute = async (workflow: Workflow) => {
		const before = sandbox.log.length;
		const oauthBefore = sandbox.oauthLog.length;
		const { cli, run } = await n8n.execute(workflow.id as string);
		cliOutputs.push(cli.output);
		const received = sandbox.log.slice(before) as AuthLogEntry[];
		checks.that('n8n printed the run', run !== undefined, cli.output.slice(-3000));
		return {
			cli,
			run,
			received,
			grants: sandbox.oauthLog.slice(oauthBefore),
			sent: received.flatMap((entry) =>
				entry.batchCommands?.length
					? entry.batchCommands.map((command) => command.restMethod)
					: [entry.restMethod],
			),
		};
	};
	const asTheApp = (received: AuthLogEntry[]) =>
		received.length > 0 &&
		received.every((entry) => entry.auth === 'bearer' && entry.appId === app.clientId);
	const authOf = (received: AuthLogEntry[]) =>
		received.map((entry) => ({
			method: entry.restMethod,
			auth: entry.auth,
			asTheApp: entry.appId === app.clientId,
			status: entry.status,
			error: entry.error,
		}));

	await checks.group('OAuth2: Line → Create makes a line of the application', async () => {
		const { run, received } = await execute(create);
		const { items, error } = nodeResult(run, 'Bitrix24 SIP');
		const made = sandbox.lines().find((line) => line.configId === Number(items[0]?.CONFIG_ID));
		checks.that('Create outputs the new line', !error && items.length === 1 && made !== undefined, {
			error,
			items,
		});
		checks.that(
			"the portal stores it under the application's id",
			made?.appId === app.clientId && made?.title === 'App trunk',
			made,
		);
		checks.that(
			'every request carried the bearer token of the application',
			asTheApp(received),
			authOf(received),
		);
	});

	await checks.group("OAuth2: Line → Get Many sees only the application's lines", async () => {
		const { run, received } = await execute(getMany);
		const { items, error } = nodeResult(run, 'Bitrix24 SIP');
		checks.that(
			'only the line the application made, not the hand-made or webhook line',
			!error && items.length === 1 && items[0].TITLE === 'App trunk',
			{ error, titles: items.map((item) => item.TITLE) },
		);
		checks.that('as the application', asTheApp(received), authOf(received));
	});

	await checks.group(
		'OAuth2: Line → Sync with "Delete Lines Not Listed" and no prefix touches only the application\'s lines',
		async () => {
			const { run, received, sent } = await execute(sync);
			const { items, error } = nodeResult(run, 'Bitrix24 SIP');
			const actions = Object.fromEntries(items.map((item) => [String(item.TITLE), item.action]));
			checks.that(
				'it creates the two rows and deletes the unlisted line of the application',
				!error &&
					items.length === 3 &&
					actions['App Berlin'] === 'create' &&
					actions['App Munich'] === 'create' &&
					actions['App trunk'] === 'delete',
				{ error, items },
			);
			checks.that(
				'the application now has exactly the two listed lines',
				appLines()
					.map((line) => line.title)
					.sort()
					.join() === 'App Berlin,App Munich',
				appLines(),
			);
			checks.that(
				'the hand-made and the webhook line are still there',
				othersIntact(),
				sandbox.lines().map((line) => [line.title, line.appId === '' ? 'webhook/UI' : 'app']),
			);
			checks.that(
				'one delete was sent',
				sent.filter((method) => method === 'voximplant.sip.delete').length === 1,
				sent,
			);
			checks.that('as the application', asTheApp(received), authOf(received));
		},
	);

	await checks.group(
		"OAuth2: Registration → Check All Lines checks the application's lines",
		async () => {
			const berlin = appLines().find((line) => line.title === 'App Berlin');
			if (
				!checks.that('the synced cloud line has a registration', berlin?.regId != null, appLines())
			)
				return;
			sandbox.setRegistration(berlin!.regId as number, {
				STATUS_RESULT: 'error',
				STATUS_CODE: 403,
				ERROR_MESSAGE: 'Forbidden',
			});
			// a failing line the application cannot see is none of its business
			sandbox.setRegistration(handMade.regId as number, {
				STATUS_RESULT: 'error',
				STATUS_CODE: 503,
				ERROR_MESSAGE: 'Service Unavailable',
			});
			const { run, received } = await execute(checkAll);
			const { items, error } = nodeResult(run, 'Bitrix24 SIP');
			checks.that(
				"only the application's failing line is reported",
				!error && items.length === 1 && items[0].TITLE === 'App Berlin',
				{ error, items },
			);
			checks.that('as the application', asTheApp(received), authOf(received));
		},
	);

	await checks.group(
		'OAuth2: an expired access token is renewed, and the renewal saved',
		async () => {
			const before = await readToken('before-expiry');
			sandbox.expireAccessTokens(app.clientId);
			const { run, received, grants } = await execute(readAll);
			const lines = nodeResult(run, 'Bitrix24 SIP');
			const each = nodeResult(run, 'Each Line');
			checks.that(
				'no item fails: Get Many and Line → Get of each line',
				!lines.error &&
					!each.error &&
					run?.data.resultData.error === undefined &&
					lines.items.length === 2 &&
					each.items.length === 2 &&
					each.items.every((item) => String(item.TITLE).startsWith('App ')),
				{ lines, each, runError: run?.data.resultData.error },
			);
			const refreshes = grants.filter((entry) => entry.endpoint === 'token');
			checks.that(
				'the portal saw one refresh_token grant, which succeeded',
				refreshes.length === 1 &&
					refreshes[0].grantType === 'refresh_token' &&
					refreshes[0].clientId === app.clientId &&
					refreshes[0].status === 200,
				refreshes,
			);
			// the transport sends the call again through n8n's OAuth2 helper, which renews only
			// when a 401 comes back: the expired token is refused twice, then the new one works
			const refused = received.filter((entry) => entry.status !== 200);
			checks.that(
				'the expired token was refused, then every call went through with the renewed one',
				refused.length > 0 &&
					refused.every((entry) => entry.status === 401 && entry.error === 'expired_token') &&
					received
						.slice(received.findIndex((entry) => entry.status === 200))
						.every((entry) => entry.status === 200),
				authOf(received),
			);
			const after = await readToken('renewed');
			checks.that(
				'n8n saved the new access and refresh token',
				!!after.access_token &&
					after.access_token !== before.access_token &&
					!!after.refresh_token &&
					after.refresh_token !== before.refresh_token,
				{
					accessChanged: after.access_token !== before.access_token,
					refreshChanged: after.refresh_token !== before.refresh_token,
				},
			);
		},
	);

	await checks.group('OAuth2: an uninstalled application fails clearly', async () => {
		const linesBefore = JSON.stringify(sandbox.lines());
		sandbox.revokeApp(app.clientId);
		const { run, cli } = await execute(readAll);
		const { error } = nodeResult(run, 'Bitrix24 SIP');
		const shown = `${error?.message ?? ''} ${error?.description ?? ''}`;
		checks.that(
			'the node fails, asking to reconnect or authorize again',
			error !== undefined && /reconnect|authori[sz]/i.test(shown),
			{ error, runError: run?.data.resultData.error },
		);
		checks.that('the error holds no secret', leaked(shown).length === 0, leaked(shown));
		checks.that('nothing on the portal changed', JSON.stringify(sandbox.lines()) === linesBefore);
		checks.that(
			'what n8n printed holds no token or secret',
			leaked(cli.output).length === 0,
			leaked(cli.output),
		);
	});

	checks.that(
		'nothing n8n printed in the OAuth2 runs holds a token or secret',
		cliOutputs.every((output) => leaked(output).length === 0),
		cliOutputs.flatMap((output) => leaked(output)),
	);
}
