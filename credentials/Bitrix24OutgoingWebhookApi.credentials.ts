import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The application token of a Bitrix24 outgoing webhook. Bitrix24 only sends it (with every event),
 * so there is nothing to call with it: the Bitrix24 SIP Call Trigger checks its form in the Test
 * button (bitrix24OutgoingWebhookTokenTest) and compares it with each delivery.
 */
export class Bitrix24OutgoingWebhookApi implements ICredentialType {
	name = 'bitrix24OutgoingWebhookApi';

	displayName = 'Bitrix24 Outgoing Webhook API';

	icon: Icon = { light: 'file:bitrix24Sip.svg', dark: 'file:bitrix24Sip.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-bitrix24-sip/n8n-nodes-bitrix24-sip#bitrix24-sip-call-trigger';

	properties: INodeProperties[] = [
		{
			displayName: 'Application Token',
			name: 'applicationToken',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'e.g. k3x9q2w7e5r1t8y4u6i0o2p4a6s8d0f1',
			description:
				'The "Application token" Bitrix24 shows for your outgoing webhook (Developer resources → Other → Outgoing webhook). Calls without it are refused.',
		},
	];
}
