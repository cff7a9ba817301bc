import type { ICredentialDataDecryptedObject, IDataObject, INode } from 'n8n-workflow';

import { Bitrix24Error, invalidWebhookUrl } from './errors';
import type { Secrets } from './webhookUrl';
import { parseWebhookUrl } from './webhookUrl';

export const WEBHOOK_CREDENTIAL = 'bitrix24WebhookApi';
export const APPLICATION_CREDENTIAL = 'bitrix24OAuth2Api';

/**
 * What reading the credential needs of an n8n context: executions, polls, webhooks, list searches
 * and the call trigger's activation all offer it.
 */
export interface CredentialReader {
	getNode(): INode;
	getCredentials<T extends object = ICredentialDataDecryptedObject>(type: string): Promise<T>;
}

/** The node's Authentication parameter: an inbound webhook (the default) or an OAuth2 application. */
export type Authentication = 'webhook' | 'oAuth2';

/**
 * How one credential reaches its portal. A webhook's URL is filled in by its credential's
 * authenticate(); an application's requests go to the `client_endpoint` its token names, signed
 * by n8n's OAuth2 helper with a bearer token.
 */
export interface Connection {
	authentication: Authentication;
	/** the n8n credential type that signs the requests */
	credentialType: string;
	/** what a method's name is appended to: '' for a webhook, whose credential sets the base */
	endpoint: string;
	/** the portal: its leaky bucket is shared by every credential that reaches it */
	portalKey: string;
	/** the credential: calls of two credentials never share a request or a queue */
	laneKey: string;
	/** everything that must never appear in an error, a log line or an item */
	secrets: Secrets;
	allowUnauthorizedCerts: boolean;
}

/**
 * The node's Authentication as saved: read from the node itself, because n8n's parameter readers
 * differ between executions, polls, webhooks and list searches. Nodes saved before the parameter
 * existed have none and keep using their webhook.
 */
export function authenticationOf(ctx: CredentialReader): Authentication {
	return ctx.getNode().parameters?.authentication === 'oAuth2' ? 'oAuth2' : 'webhook';
}

/**
 * What a credential cannot see, in words: a webhook sees every line but an application's, an
 * application only its own (docs/bitrix24-behaviour.md#calling-a-method-with-an-oauth-application).
 */
export function unseenBy(via: Authentication): { who: string; what: string } {
	return via === 'oAuth2'
		? {
				who: 'this application',
				what: 'a line made by hand, through a webhook or by another application',
			}
		: { who: 'this webhook', what: 'a line of an OAuth application' };
}

/** The portal a REST base belongs to: its address and the folder an on-premise install may use. */
function portalKeyOf(restBase: string): string {
	const at = restBase.lastIndexOf('/rest/');
	return at >= 0 ? restBase.slice(0, at) : restBase.replace(/\/+$/, '');
}

function webhookConnection(credentials: IDataObject): Connection {
	let parsed;
	try {
		parsed = parseWebhookUrl(credentials.webhookUrl);
	} catch (error) {
		throw invalidWebhookUrl((error as Error).message);
	}
	const insecure = credentials.ignoreSSLIssues === true;
	return {
		authentication: 'webhook',
		credentialType: WEBHOOK_CREDENTIAL,
		endpoint: '',
		portalKey: portalKeyOf(parsed.baseUrl),
		// a credential is its URL and how it treats certificates
		laneKey: `${parsed.baseUrl}|${insecure ? 'insecure' : 'verified'}`,
		secrets: parsed.secret,
		allowUnauthorizedCerts: insecure,
	};
}

const RECONNECT =
	'Open the Bitrix24 OAuth2 API credential and click "Connect my account" (or "Reconnect"), then approve the application in Bitrix24.';

export function notConnected(detail: string): Bitrix24Error {
	return new Bitrix24Error({
		kind: 'network',
		code: 'OAUTH_NOT_CONNECTED',
		message: `The Bitrix24 OAuth2 API credential ${detail}`,
		hint: RECONNECT,
		delivery: 'notSent',
	});
}

/** The portal's REST address from what the user typed, for a token that does not name it. */
function restBaseFromPortal(portal: unknown): string | undefined {
	const typed = typeof portal === 'string' ? portal.trim() : '';
	if (typed === '') return undefined;
	const withScheme = /^https?:\/\//i.test(typed) ? typed : `https://${typed}`;
	return `${withScheme.replace(/\/+$/, '')}/rest/`;
}

/** An http(s) address ending in a slash, or undefined for anything else. */
function asRestBase(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	let url: URL;
	try {
		url = new URL(value.trim());
	} catch {
		return undefined;
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
	const text = url.toString();
	return text.endsWith('/') ? text : `${text}/`;
}

function oAuth2Connection(credentials: IDataObject, credentialId: string): Connection {
	const token = credentials.oauthTokenData;
	if (typeof token !== 'object' || token === null || Array.isArray(token))
		throw notConnected('is not connected yet');
	const data = token as IDataObject;
	if (typeof data.access_token !== 'string' || data.access_token === '')
		throw notConnected('holds no access token');
	// the token server names the portal's REST address; what the user typed is the fallback
	const endpoint = asRestBase(data.client_endpoint) ?? restBaseFromPortal(credentials.portal);
	if (!endpoint) throw notConnected('names no portal: enter the Portal Address');
	const insecure = credentials.ignoreSSLIssues === true;
	const secrets = [credentials.clientSecret, data.access_token, data.refresh_token].filter(
		(value): value is string => typeof value === 'string' && value.length >= 8,
	);
	return {
		authentication: 'oAuth2',
		credentialType: APPLICATION_CREDENTIAL,
		endpoint,
		portalKey: portalKeyOf(endpoint),
		laneKey: `oauth2|${credentialId}|${endpoint}|${insecure ? 'insecure' : 'verified'}`,
		secrets,
		allowUnauthorizedCerts: insecure,
	};
}

/**
 * The id n8n gave the node's credential; without one (a credential test, a harness), the
 * application and the user it acts for stand in.
 */
function credentialIdOf(ctx: CredentialReader, credentials: IDataObject): string {
	const details = ctx.getNode().credentials?.[APPLICATION_CREDENTIAL];
	if (details?.id) return `id:${details.id}`;
	const token = (credentials.oauthTokenData ?? {}) as IDataObject;
	return `app:${String(credentials.clientId ?? '')}|${String(token.member_id ?? '')}|${String(token.user_id ?? '')}`;
}

/** Reads the node's credential once and says how to reach the portal with it. */
export async function connectionOf(ctx: CredentialReader): Promise<Connection> {
	if (authenticationOf(ctx) === 'oAuth2') {
		const credentials = await ctx.getCredentials(APPLICATION_CREDENTIAL);
		return oAuth2Connection(credentials, credentialIdOf(ctx, credentials));
	}
	return webhookConnection(await ctx.getCredentials(WEBHOOK_CREDENTIAL));
}
