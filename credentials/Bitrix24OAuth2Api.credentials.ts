import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The portal's base address from what a user types: a bare host gets https://, a scheme given is
 * kept (an on-premise portal may be plain http), trailing slashes go. n8n evaluates this
 * expression itself for the authorize URL, so it may use only what its expressions offer.
 */
const PORTAL_BASE =
	'(/^https?:\\/\\//i.test(String($self["portal"] ?? "").trim()) ? String($self["portal"]).trim() : "https://" + String($self["portal"] ?? "").trim()).replace(/\\/+$/, "")';

export class Bitrix24OAuth2Api implements ICredentialType {
	name = 'bitrix24OAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Bitrix24 OAuth2 API';

	icon: Icon = { light: 'file:bitrix24Sip.svg', dark: 'file:bitrix24Sip.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-bitrix24-sip/n8n-nodes-bitrix24-sip#oauth2-application';

	properties: INodeProperties[] = [
		{
			displayName:
				'An application sees only the SIP lines it created itself: lines made by hand or with an inbound webhook stay invisible to it, and the other way round.',
			name: 'visibilityNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'authorizationCode',
		},
		{
			displayName: 'Portal Address',
			name: 'portal',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'your-company.bitrix24.com',
			description:
				'The address of your Bitrix24, e.g. your-company.bitrix24.com, or https://crm.example.com for a self-hosted one',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: `={{ ${PORTAL_BASE} + "/oauth/authorize/" }}`,
			required: true,
		},
		{
			displayName: 'Token URL',
			name: 'accessTokenUrl',
			type: 'string',
			default: 'https://oauth.bitrix.info/oauth/token/',
			required: true,
			description:
				"Bitrix24's token server. Leave it as it is, for Bitrix24 cloud and self-hosted portals alike.",
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			// the application's scopes are set in Bitrix24 (tick "Telephony"), not asked for here
			default: '',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			// Bitrix24's token server reads client_id and client_secret from the request parameters;
			// it has no use for a Basic header
			default: 'body',
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
}
