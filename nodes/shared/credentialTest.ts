import type {
	INode,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import type { Envelope } from './transport/answer';
import { decodeAnswer } from './transport/answer';
import { Bitrix24Error, forApplication } from './transport/errors';
import { networkFailure, postForCredentialTest as post } from './transport/http';
import { connectionOf } from './transport/connection';
import type { Secrets } from './transport/webhookUrl';
import { originOf, parseWebhookUrl, redact } from './transport/webhookUrl';

const NOT_ACCEPTED = new Set(['INVALID_CREDENTIALS', 'NO_AUTH_FOUND']);

/** One call of the test: the envelope, or the failure in the same words the node would use. */
async function ask(
	ctx: ICredentialTestFunctions,
	url: string,
	secret: Secrets,
	ignoreSsl: boolean,
	headers: Record<string, string> = {},
): Promise<{ envelope: Envelope } | { error: Bitrix24Error }> {
	try {
		const answer = await post(ctx, url, ignoreSsl, headers);
		return { envelope: decodeAnswer(answer, secret) };
	} catch (error) {
		return { error: error instanceof Bitrix24Error ? error : networkFailure(error, 15_000) };
	}
}

function failed(error: Bitrix24Error, origin: string, secret: string): INodeCredentialTestResult {
	if (NOT_ACCEPTED.has(error.code)) {
		return {
			status: 'Error',
			message:
				'Bitrix24 does not accept this webhook: its code is wrong, or it was deleted or has expired. Open Bitrix24 → Developer resources → Other → Inbound webhook, check that the webhook still exists (or create one with the "Telephony (telephony)" scope) and paste its full URL here.',
		};
	}
	if (error.kind === 'network' && error.delivery === 'notSent') {
		return {
			status: 'Error',
			message: `The portal ${origin} could not be reached (${error.code}). Check the address in the webhook URL and that the portal is online.`,
		};
	}
	return {
		status: 'Error',
		message: redact(`${error.message}. ${error.description ?? ''}`.trim(), secret),
	};
}

/**
 * The credential's "Test" button: tells apart a malformed URL, an unreachable portal, a
 * certificate problem, a redirect, a webhook Bitrix24 does not accept, a missing scope and a
 * missing permission, without ever showing the secret.
 */
export async function bitrix24WebhookApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	let webhook;
	try {
		webhook = parseWebhookUrl(credential.data?.webhookUrl);
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	const ignoreSsl = credential.data?.ignoreSSLIssues === true;

	const scope = await ask(this, `${webhook.baseUrl}scope.json`, webhook.secret, ignoreSsl);
	if ('error' in scope) return failed(scope.error, webhook.origin, webhook.secret);
	const scopes = scope.envelope.result;
	if (!Array.isArray(scopes)) {
		return {
			status: 'Error',
			message: `${webhook.origin} answered, but not like a Bitrix24 portal. Check the webhook URL.`,
		};
	}
	if (!scopes.includes('telephony')) {
		return {
			status: 'Error',
			message:
				'The webhook works but lacks the "telephony" scope. Edit the inbound webhook in Bitrix24, tick "Telephony (telephony)" and save.',
		};
	}

	// A read-only SIP call shows whether the webhook's user has the telephony permission.
	const probe = await ask(
		this,
		`${webhook.baseUrl}voximplant.sip.connector.status.json`,
		webhook.secret,
		ignoreSsl,
	);
	if ('error' in probe) {
		if (probe.error.code === 'ACCESS_DENIED' || probe.error.kind === 'api')
			return failed(probe.error, webhook.origin, webhook.secret);
		// the scope call already proved the portal reachable; a passing fault here is not the
		// credential's
		return {
			status: 'OK',
			message: 'Connection successful (the permission check could not be completed)',
		};
	}
	return {
		status: 'OK',
		message: 'Connection successful: the webhook has the telephony scope and permission',
	};
}

/**
 * The OAuth2 credential's "Test" button: whether the application is connected, Bitrix24 accepts
 * its token, it has the telephony scope and its user the permission. It never renews the token:
 * a renewal here would use up the refresh token without saving the new one.
 */
export async function bitrix24OAuth2ApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	let connection;
	try {
		// the test has no node; the credential's data stands in for what a node would read
		connection = await connectionOf({
			getNode: () =>
				({ parameters: { authentication: 'oAuth2' }, credentials: {} }) as unknown as INode,
			getCredentials: async <T extends object>() => data as T,
		});
	} catch (error) {
		const problem = error as Bitrix24Error;
		return { status: 'Error', message: `${problem.message}. ${problem.description ?? ''}`.trim() };
	}
	const token = (data.oauthTokenData ?? {}) as { access_token?: string };
	const bearer = { Authorization: `Bearer ${token.access_token ?? ''}` };
	const origin = originOf(connection.endpoint);
	const ignoreSsl = connection.allowUnauthorizedCerts;
	const secrets = connection.secrets;
	const failedAsApplication = (error: Bitrix24Error): INodeCredentialTestResult => {
		if (error.kind === 'network' && error.delivery === 'notSent')
			return {
				status: 'Error',
				message: `The portal ${origin} could not be reached (${error.code}). Check the Portal Address and that the portal is online.`,
			};
		const explained = forApplication(error);
		return {
			status: 'Error',
			message: redact(`${explained.message}. ${explained.description ?? ''}`.trim(), secrets),
		};
	};

	const scope = await ask(this, `${connection.endpoint}scope.json`, secrets, ignoreSsl, bearer);
	if ('error' in scope) {
		if (scope.error.code === 'expired_token')
			return {
				status: 'OK',
				message:
					'The application is connected. Its access token has expired and renews itself at the next run, so the scope was not checked now.',
			};
		return failedAsApplication(scope.error);
	}
	const scopes = scope.envelope.result;
	if (!Array.isArray(scopes))
		return {
			status: 'Error',
			message: `${origin} answered, but not like a Bitrix24 portal. Check the Portal Address.`,
		};
	if (!scopes.includes('telephony'))
		return {
			status: 'Error',
			message:
				'The application works but lacks the "telephony" scope. Edit the local application in Bitrix24 (Developer resources → Integrations), tick "Telephony (telephony)", save, then reconnect this credential.',
		};
	const probe = await ask(
		this,
		`${connection.endpoint}voximplant.sip.connector.status.json`,
		secrets,
		ignoreSsl,
		bearer,
	);
	if ('error' in probe) {
		if (probe.error.code === 'ACCESS_DENIED' || probe.error.kind === 'api')
			return failedAsApplication(probe.error);
		return {
			status: 'OK',
			message: 'Connection successful (the permission check could not be completed)',
		};
	}
	return {
		status: 'OK',
		message: 'Connection successful: the application has the telephony scope and permission',
	};
}
