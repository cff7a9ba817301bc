import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';

import type { CredentialReader } from '../../../nodes/shared/transport/connection';
import { authenticationOf, connectionOf } from '../../../nodes/shared/transport/connection';
import {
	Bitrix24Error,
	forApplication,
	renewalRefused,
} from '../../../nodes/shared/transport/errors';
import { TokenRenewal } from '../../../nodes/shared/transport/tokenRenewal';
import { redact } from '../../../nodes/shared/transport/webhookUrl';

/** "dummy" values tell the secrets lint they are none. */
const WEBHOOK_CODE = 'dummy0123456789';
const WEBHOOK = `https://portal.bitrix24.com/rest/1/${WEBHOOK_CODE}/`;
const TOKEN = {
	access_token: 'dummy-access-0123456789',
	refresh_token: 'dummy-refresh-0123456789',
	client_endpoint: 'https://portal.bitrix24.com/rest/',
	member_id: 'member-1',
	user_id: 1,
};

function reader(
	parameters: Record<string, unknown>,
	data: Record<string, ICredentialDataDecryptedObject>,
	credentials: INode['credentials'] = {},
): CredentialReader & { asked: string[] } {
	const asked: string[] = [];
	return {
		asked,
		getNode: () => ({ parameters, credentials }) as unknown as INode,
		getCredentials: async <T extends object>(type: string) => {
			asked.push(type);
			return data[type] as T;
		},
	};
}

const app = (token: unknown, extra: ICredentialDataDecryptedObject = {}) => ({
	bitrix24OAuth2Api: {
		portal: 'portal.bitrix24.com',
		clientId: 'local.1',
		clientSecret: 'dummy-client-0123456789',
		oauthTokenData: token,
		...extra,
	} as ICredentialDataDecryptedObject,
});

describe('the node’s Authentication', () => {
	it.each([
		[{}, 'webhook'],
		[{ authentication: 'webhook' }, 'webhook'],
		[{ authentication: 'oAuth2' }, 'oAuth2'],
		[{ authentication: 'OAUTH2' }, 'webhook'],
		[{ authentication: null }, 'webhook'],
	])(
		'%j reads as %s (nodes saved before the choice keep their webhook)',
		(parameters, expected) => {
			expect(authenticationOf(reader(parameters, {}))).toBe(expected);
		},
	);
});

describe('how a credential reaches its portal', () => {
	it('a webhook: its own URL, its secret, the portal’s bucket', async () => {
		const ctx = reader({}, { bitrix24WebhookApi: { webhookUrl: WEBHOOK } });
		expect(await connectionOf(ctx)).toEqual({
			authentication: 'webhook',
			credentialType: 'bitrix24WebhookApi',
			endpoint: '',
			portalKey: 'https://portal.bitrix24.com',
			laneKey: `${WEBHOOK}|verified`,
			secrets: WEBHOOK_CODE,
			allowUnauthorizedCerts: false,
		});
		expect(ctx.asked).toEqual(['bitrix24WebhookApi']);
	});

	it('an application: the token’s endpoint, the same portal bucket, a lane of its own credential', async () => {
		const ctx = reader({ authentication: 'oAuth2' }, app(TOKEN), {
			bitrix24OAuth2Api: { id: '42', name: 'Bitrix24 app' },
		});
		const connection = await connectionOf(ctx);
		expect(connection).toEqual({
			authentication: 'oAuth2',
			credentialType: 'bitrix24OAuth2Api',
			endpoint: 'https://portal.bitrix24.com/rest/',
			portalKey: 'https://portal.bitrix24.com',
			laneKey: 'oauth2|id:42|https://portal.bitrix24.com/rest/|verified',
			secrets: [app(TOKEN).bitrix24OAuth2Api.clientSecret, TOKEN.access_token, TOKEN.refresh_token],
			allowUnauthorizedCerts: false,
		});
		expect(ctx.asked).toEqual(['bitrix24OAuth2Api']);
	});

	it('two credentials of one application never share a lane', async () => {
		const one = await connectionOf(
			reader({ authentication: 'oAuth2' }, app(TOKEN), {
				bitrix24OAuth2Api: { id: '1', name: 'a' },
			}),
		);
		const two = await connectionOf(
			reader({ authentication: 'oAuth2' }, app(TOKEN), {
				bitrix24OAuth2Api: { id: '2', name: 'b' },
			}),
		);
		expect(one.laneKey).not.toBe(two.laneKey);
		expect(one.portalKey).toBe(two.portalKey);
	});

	it.each([
		[
			'with no client_endpoint, the typed portal',
			{ access_token: 'a-token-123456' },
			'portal.bitrix24.com',
			'https://portal.bitrix24.com/rest/',
		],
		[
			'an on-premise portal keeps its http://',
			{ access_token: 'a-token-123456' },
			'http://crm.local:8080/',
			'http://crm.local:8080/rest/',
		],
		[
			'a client_endpoint that is no URL falls back',
			{ access_token: 'a-token-123456', client_endpoint: 'javascript:alert(1)' },
			'portal.bitrix24.com',
			'https://portal.bitrix24.com/rest/',
		],
	])('%s', async (_name, token, portal, endpoint) => {
		const connection = await connectionOf(
			reader({ authentication: 'oAuth2' }, app(token, { portal })),
		);
		expect(connection.endpoint).toBe(endpoint);
	});

	it.each([
		['no token yet', undefined, 'is not connected yet'],
		['a token without an access token', { refresh_token: 'r' }, 'holds no access token'],
		['a token that is text', 'token', 'is not connected yet'],
	])('an application with %s fails before anything is sent', async (_name, token, message) => {
		const error = await connectionOf(reader({ authentication: 'oAuth2' }, app(token))).catch(
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(Bitrix24Error);
		expect((error as Bitrix24Error).message).toContain(message);
		expect((error as Bitrix24Error).delivery).toBe('notSent');
		expect((error as Bitrix24Error).description).toContain('Reconnect');
	});

	it('a malformed webhook URL is named with its fix', async () => {
		const error = (await connectionOf(
			reader({}, { bitrix24WebhookApi: { webhookUrl: 'https://portal/rest/' } }),
		).catch((e: unknown) => e)) as Bitrix24Error;
		expect(error.code).toBe('INVALID_WEBHOOK_URL');
	});
});

describe('errors in an application’s words', () => {
	const api = (code: string, message = 'x', reason?: 'restNeedsSubscription') =>
		new Bitrix24Error({ kind: 'api', code, message, delivery: 'answered', reason });

	it.each([
		['insufficient_scope', 'The Bitrix24 application lacks the "telephony" scope'],
		[
			'ACCESS_DENIED',
			'Bitrix24 denied access: the user who connected the application lacks the telephony permission',
		],
		['invalid_token', "Bitrix24 no longer accepts this application's authorization"],
		['expired_token', "The application's access token has expired and could not be renewed"],
		['NO_AUTH_FOUND', 'Bitrix24 found no access token in the request'],
	])('%s', (code, message) => {
		const worded = forApplication(api(code));
		expect(worded.message).toBe(message);
		expect(worded.code).toBe(code);
		expect(worded.description).not.toMatch(/webhook/i);
	});

	it('leaves a closed REST plan and the method’s own errors as they are', () => {
		const plan = api('ACCESS_DENIED', 'REST only on a commercial plan', 'restNeedsSubscription');
		expect(forApplication(plan)).toBe(plan);
		const clash = api('TITLE_EXISTS');
		expect(forApplication(clash)).toBe(clash);
	});

	it('a refused renewal names the token server’s code and the fix', () => {
		expect(renewalRefused('invalid_grant').options).toMatchObject({
			code: 'OAUTH_RENEWAL_REFUSED',
			message: "Bitrix24 refused to renew the application's access (invalid_grant)",
			delivery: 'notSent',
		});
		expect(renewalRefused('').message).toBe("Bitrix24 refused to renew the application's access");
	});

	it('redacts every secret of a credential', () => {
		expect(redact('a token-1234 and secret-5678 and more', ['token-1234', 'secret-5678'])).toBe(
			'a *** and *** and more',
		);
		expect(redact('short abc stays', ['abc'])).toBe('short abc stays');
	});
});

describe('one token renewal at a time', () => {
	it('a second call waits for the renewal that runs, however it ends', async () => {
		const renewal = new TokenRenewal();
		let finish: (value: string) => void = () => {};
		const first = renewal.run(async () => await new Promise<string>((r) => (finish = r)));
		expect(renewal.busy).toBe(true);
		let waited = false;
		const second = renewal.settled().then(() => (waited = true));
		await Promise.resolve();
		expect(waited).toBe(false);
		finish('renewed');
		expect(await first).toBe('renewed');
		await second;
		expect(waited).toBe(true);
		expect(renewal.busy).toBe(false);
	});

	it('a failed renewal is its caller’s error; waiting calls go on', async () => {
		const renewal = new TokenRenewal();
		const failing = renewal.run(async () => {
			throw new Error('refused');
		});
		const waiting = renewal.settled();
		await expect(failing).rejects.toThrow('refused');
		await expect(waiting).resolves.toBeUndefined();
		expect(renewal.busy).toBe(false);
	});
});
