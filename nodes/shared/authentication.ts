import type { INodeProperties } from 'n8n-workflow';

/**
 * Which credential a node reaches Bitrix24 with. The webhook is the default, so workflows saved
 * before the choice existed keep theirs. (Each node lists both credentials itself, each shown for
 * its choice: n8n's linter reads credentials only as written out in the node.)
 */
export const authenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Inbound Webhook',
			value: 'webhook',
			description: 'Sees the lines made by hand and by any webhook of the portal',
		},
		{
			name: 'OAuth2 Application',
			value: 'oAuth2',
			description: 'Sees only the lines this Bitrix24 application made',
		},
	],
	default: 'webhook',
};
