import type { ICredentialDataDecryptedObject, IDataObject, INode } from 'n8n-workflow';

import { PollRunner } from './harness/poll';
import { WebhookHarness } from './harness/webhook';
import { APP_TOKEN, callTriggerNode } from './helpers/calls';
import { triggerNode } from './helpers/health';
import { allText, sharedEngine, TestPortal } from './helpers/portal';
import type { OAuthApp } from './sandbox';

/**
 * Both triggers through an OAuth2 application: the polling trigger watches the application's own
 * lines, and the call trigger looks lines up with it; an expired token is renewed on the way.
 */

const OAUTH_NODE_CREDENTIAL = { bitrix24OAuth2Api: { id: 'app-cred', name: 'Bitrix24 app' } };

function credentialData(portal: TestPortal, app: OAuthApp): ICredentialDataDecryptedObject {
	return {
		portal: portal.sandbox.baseUrl,
		clientId: app.clientId,
		clientSecret: app.clientSecret,
		accessTokenUrl: portal.sandbox.tokenUrl,
		oauthTokenData: { ...portal.sandbox.issueTokens(app.clientId) },
	};
}

describe('triggers with an OAuth2 application', () => {
	let portal: TestPortal;
	let app: OAuthApp;
	let store: Record<string, ICredentialDataDecryptedObject>;

	beforeEach(async () => {
		portal = await TestPortal.start();
		app = portal.sandbox.addOAuthApp();
		store = { bitrix24OAuth2Api: credentialData(portal, app) };
	});

	afterEach(async () => {
		await portal.close();
	});

	it('the polling trigger sees only the application’s lines and renews an expired token', async () => {
		const own = portal.sandbox.addAppLine(app.clientId, {
			title: 'App trunk',
			server: 'sip.a.example',
			login: 'a',
		});
		portal.sandbox.addLineByHand({ title: 'Hand trunk', server: 'sip.b.example', login: 'b' });
		portal.sandbox.advanceRegistrations(3);
		const node: INode = {
			...triggerNode({ authentication: 'oAuth2', events: ['lineAdded'] }),
			credentials: OAUTH_NODE_CREDENTIAL,
		};
		const trigger = new PollRunner(sharedEngine(), node, store);

		expect(await trigger.pollJson()).toBeNull();
		const saved = Object.values(trigger.staticData)[0] as IDataObject;
		expect(Object.keys(saved.lines as IDataObject)).toEqual([String(own.configId)]);

		const before = (store.bitrix24OAuth2Api.oauthTokenData as IDataObject).access_token;
		portal.sandbox.expireAccessTokens(app.clientId);
		portal.sandbox.addAppLine(app.clientId, {
			title: 'App trunk 2',
			server: 'sip.a.example',
			login: 'a2',
		});
		portal.sandbox.addLineByHand({ title: 'Hand trunk 2', server: 'sip.b.example', login: 'b2' });
		portal.sandbox.advanceRegistrations(3);
		const events = await trigger.pollJson();

		expect(events?.map((event) => [event.event, (event.line as IDataObject).TITLE])).toEqual([
			['lineAdded', 'App trunk 2'],
		]);
		const after = (store.bitrix24OAuth2Api.oauthTokenData as IDataObject).access_token;
		expect(after).not.toBe(before);
		expect(portal.sandbox.oauthLog.map((entry) => [entry.grantType, entry.status])).toEqual([
			['refresh_token', 200],
		]);
	});

	it('the call trigger looks lines up with the application: its own line is named, others not', async () => {
		const own = portal.sandbox.addAppLine(app.clientId, {
			type: 'cloud',
			title: 'App trunk',
			server: 'sip.a.example',
			login: 'a',
		});
		const hand = portal.sandbox.addLineByHand({
			type: 'cloud',
			title: 'Hand trunk',
			server: 'sip.b.example',
			login: 'b',
		});
		portal.sandbox.expireAccessTokens(app.clientId);
		const node: INode = callTriggerNode({ authentication: 'oAuth2', lookUpLines: true }, false);
		node.credentials = { ...node.credentials, ...OAUTH_NODE_CREDENTIAL };
		const harness = await WebhookHarness.start(sharedEngine(), node, {
			credentials: { bitrix24OutgoingWebhookApi: { applicationToken: APP_TOKEN }, ...store },
		});
		try {
			portal.sandbox.addOutgoingWebhook({
				url: harness.url,
				events: ['ONVOXIMPLANTCALLEND'],
				token: APP_TOKEN,
			});
			await portal.sandbox.placeCall({ configId: own.configId, duration: 10 });
			await portal.sandbox.placeCall({ configId: hand.configId, duration: 10 });
			const runs = await harness.waitForRuns(2, 20_000);
			const items = runs.flatMap((run) => run.json);

			expect(items.map((item) => (item.line as IDataObject | null)?.TITLE ?? null)).toEqual([
				'App trunk',
				null,
			]);
			expect((items[1].line as IDataObject).description).toBe(
				`cloud SIP line reg${hand.regId} that this application cannot see (a line made by hand, through a webhook or by another application, or one deleted since)`,
			);
			for (const run of runs) expect(run.result.error).toBeUndefined();
			expect(portal.sandbox.oauthLog.filter((entry) => entry.endpoint === 'token')).toHaveLength(1);
			expect(allText(items)).not.toContain(app.clientSecret);
		} finally {
			await harness.close();
		}
	});
});
