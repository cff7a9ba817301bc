import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { explain } from '../transport/errors';
import type { RawResponse } from '../transport/http';
import { postForCredentialTest as post } from '../transport/http';
import { parseWebhookUrl, redact } from '../transport/webhookUrl';

function errorOf(body: unknown): { code: string; description: string } | undefined {
	if (typeof body !== 'object' || body === null) return undefined;
	const { error, error_description: description } = body as IDataObject;
	return typeof error === 'string' ? { code: error, description: String(description ?? '') } : undefined;
}

/**
 * The credential's "Test" button: tells apart a malformed URL, an unreachable portal, an
 * unknown webhook, a missing scope and a missing permission, without ever showing the secret.
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

	let scopeAnswer: RawResponse;
	try {
		scopeAnswer = await post(this, `${webhook.baseUrl}scope.json`);
	} catch (error) {
		const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
		return {
			status: 'Error',
			message: `The portal ${webhook.origin} could not be reached${code ? ` (${code})` : ''}. Check the address in the webhook URL and that the portal is online.`,
		};
	}
	const scopeError = errorOf(scopeAnswer.body);
	if (scopeError?.code === 'NO_AUTH_FOUND') {
		return {
			status: 'Error',
			message:
				'Bitrix24 does not know this webhook (wrong code, deleted or expired). Create a new inbound webhook in Bitrix24 and paste its URL.',
		};
	}
	if (scopeError) {
		const { message, hint } = explain(scopeError.code, redact(scopeError.description, webhook.secret), scopeAnswer.statusCode);
		return { status: 'Error', message: `${message}. ${hint}` };
	}
	const scopes = (scopeAnswer.body as IDataObject | undefined)?.result;
	if (!Array.isArray(scopes)) {
		return {
			status: 'Error',
			message: `${webhook.origin} answered, but not like a Bitrix24 portal (HTTP ${scopeAnswer.statusCode}). Check the webhook URL.`,
		};
	}
	if (!(scopes as unknown[]).includes('telephony')) {
		return {
			status: 'Error',
			message:
				'The webhook works but lacks the "telephony" scope. Edit the inbound webhook in Bitrix24, tick "Telephony (telephony)" and save.',
		};
	}

	// A read-only SIP call shows whether the webhook's user has the telephony permission.
	try {
		const probe = await post(this, `${webhook.baseUrl}voximplant.sip.connector.status.json`);
		const probeError = errorOf(probe.body);
		if (probeError?.code === 'ACCESS_DENIED') {
			return {
				status: 'Error',
				message:
					'The webhook has the telephony scope, but its user lacks the permission "Manage numbers — modify". Grant it in Telephony → Access permissions.',
			};
		}
	} catch {
		// the scope call already proved the portal reachable; a passing fault here is not the credential's
		return { status: 'OK', message: 'Connection successful (the permission check could not be completed)' };
	}
	return { status: 'OK', message: 'Connection successful: the webhook has the telephony scope and permission' };
}
