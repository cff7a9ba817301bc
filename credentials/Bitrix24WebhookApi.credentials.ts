import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { parseWebhookUrl } from '../nodes/shared/transport/webhookUrl';

export class Bitrix24WebhookApi implements ICredentialType {
	name = 'bitrix24WebhookApi';

	displayName = 'Bitrix24 Webhook API';

	icon: Icon = { light: 'file:bitrix24Sip.svg', dark: 'file:bitrix24Sip.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-bitrix24-sip/n8n-nodes-bitrix24-sip#credentials';

	properties: INodeProperties[] = [
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- the URL's
		// path holds the webhook's secret code
		{
			displayName: 'Webhook URL',
			name: 'webhookUrl',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'https://your-portal.bitrix24.com/rest/1/abcdef0123456789/',
			description:
				'The URL of an inbound webhook with the "Telephony" scope, from Bitrix24 → Developer resources → Other → Inbound webhook. Keep it secret: it works like a password.',
		},
		{
			displayName: 'Ignore SSL Issues (Insecure)',
			name: 'ignoreSSLIssues',
			type: 'boolean',
			default: false,
			description:
				"Whether to connect even if the portal's certificate cannot be verified, e.g. a self-hosted Bitrix24 with a self-signed one. Leave off for Bitrix24 cloud.",
		},
	];

	/** Every request names only the method; the webhook URL (with its secret) is added here. */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const { baseUrl } = parseWebhookUrl(credentials.webhookUrl);
		return { ...requestOptions, baseURL: baseUrl };
	}
}
