/**
 * What each panel shows by default, written by hand from the node descriptions (not read from them
 * at run time): a wrong displayOptions then shows up as a label that does not belong, or a missing one.
 *
 * Labels are the top-level parameters of the Parameters tab, without "Credential", in the order the
 * panel shows them. "Authentication" is not among them: n8n 2.x takes a node's authentication
 * parameter (the one its credentials' displayOptions name) out of the list and offers the choice
 * in the credential slot instead (checks/authentication.ts). Version 1 is the node as it is; version 2 is the node after the coming changes (Simplify on the operations
 * that output lines, Get Status looking up by line first, Sync pre-filled with expressions).
 */
export const PACKAGE = 'n8n-nodes-bitrix24-sip';

export interface PanelCase {
	/** The node type without the package prefix. */
	node: 'bitrix24Sip' | 'bitrix24SipTrigger' | 'bitrix24SipCallTrigger';
	version: number;
	/** For the file name and the report; the triggers have none of their own. */
	resource: string;
	operation: string;
	/** The parameters the workflow sets (beyond resource and operation). */
	parameters?: Record<string, unknown>;
	labels: string[];
	/** Fields that open pre-filled with an expression; they must show in an expression editor. */
	expressionFields?: string[];
	/** Required fields whose default n8n counts as filled, kept on purpose, with the reason. */
	keptDefaults?: Record<string, string>;
}

/** The longest tooltip and the longest notice or hint the panels may show, in characters. */
export const TOOLTIP_MAX = 250;
export const NOTICE_MAX = 300;

/** The columns of Line → Get Many's simplified output (version 2). */
export const SIMPLIFIED_LINE_COLUMNS = [
	'id',
	'title',
	'type',
	'server',
	'login',
	'registration',
	'defaultOutgoing',
];

/** The Bitrix24 SIP node versions the panels are written for; the node must offer each. */
export const SIP_VERSIONS = [1, 2];

const sipV1: Record<string, Record<string, string[]>> = {
	line: {
		create: ['PBX Type', 'Title', 'Server', 'Login', 'Password', 'Options'],
		update: ['Line ID', 'Update Fields', 'Options'],
		delete: ['Line ID'],
		get: ['Line ID', 'Options'],
		getMany: ['Return All', 'Limit', 'Filters', 'Sort', 'Options'],
		setDefaultOutgoing: ['Line ID'],
		getDefaultOutgoing: ['Options'],
		sync: [
			'Dry Run',
			'PBX Type',
			'Title',
			'Server',
			'Login',
			'Password',
			'Delete Lines Not Listed',
			'Options',
		],
	},
	registration: {
		getStatus: ['Look Up By', 'Registration ID'],
		checkAll: ['Options'],
	},
	connector: {
		getStatus: [],
	},
};

/**
 * Version 2: Simplify where lines are output (after Options: n8n shows it there); Get Status opens
 * on "Look Up By: Line" with the Line picker.
 */
const sipV2: Record<string, Record<string, string[]>> = {
	line: {
		create: ['PBX Type', 'Title', 'Server', 'Login', 'Password', 'Options', 'Simplify'],
		update: ['Line ID', 'Update Fields', 'Options', 'Simplify'],
		delete: ['Line ID'],
		get: ['Line ID', 'Options', 'Simplify'],
		getMany: ['Return All', 'Limit', 'Filters', 'Sort', 'Options', 'Simplify'],
		setDefaultOutgoing: ['Line ID'],
		getDefaultOutgoing: ['Options', 'Simplify'],
		sync: [
			'Dry Run',
			'PBX Type',
			'Title',
			'Server',
			'Login',
			'Password',
			'Delete Lines Not Listed',
			'Options',
			'Simplify',
		],
	},
	registration: {
		getStatus: ['Look Up By', 'Line ID', 'Simplify'],
		checkAll: ['Options', 'Simplify'],
	},
	connector: {
		getStatus: [],
	},
};

function sipCases(version: number, table: Record<string, Record<string, string[]>>): PanelCase[] {
	return Object.entries(table).flatMap(([resource, operations]) =>
		Object.entries(operations).map(([operation, own]) => ({
			node: 'bitrix24Sip' as const,
			version,
			resource,
			operation,
			// every operation starts with Resource and Operation and ends with Request Options
			labels: ['Resource', 'Operation', ...own, 'Request Options'],
			expressionFields:
				version >= 2 && resource === 'line' && operation === 'sync'
					? ['Title', 'Server', 'Login', 'Password']
					: undefined,
			// version 2 starts empty; version 1 keeps 0 so that saved workflows read what they always read
			keptDefaults:
				version === 1 && resource === 'registration' && operation === 'getStatus'
					? {
							'Registration ID':
								'version 1 keeps its 0 default; new nodes are version 2, which starts empty',
						}
					: undefined,
		})),
	);
}

const TRIGGER_EVENTS_ALL = [
	'connectorMinutesLow',
	'connectorPaidEnding',
	'defaultOutgoingUnhealthy',
	'lineAdded',
	'lineUnhealthy',
	'lineCallsFailing',
	'lineRecovered',
	'lineRemoved',
	'registrationChanged',
];

/**
 * The triggers have one version; the polling trigger once as it opens and once with every event
 * (its conditional fields), the call trigger once as it opens and once with Look Up Lines on (its
 * "Look Up Lines With" goes to the credential slot, like Authentication).
 */
const TRIGGERS: PanelCase[] = [
	{
		node: 'bitrix24SipTrigger',
		version: 1,
		resource: 'trigger',
		operation: 'default',
		labels: ['Poll Times', 'Events', 'Options', 'Request Options'],
	},
	{
		node: 'bitrix24SipTrigger',
		version: 1,
		resource: 'trigger',
		operation: 'allEvents',
		parameters: { events: TRIGGER_EVENTS_ALL },
		labels: [
			'Poll Times',
			'Events',
			'Free Minutes Below',
			'Paid Period Ends Within (Days)',
			'Calls of the Last (Hours)',
			'Failure Rate Above (%)',
			'Options',
			'Request Options',
		],
	},
	{
		node: 'bitrix24SipCallTrigger',
		version: 1,
		resource: 'callTrigger',
		operation: 'default',
		labels: ['Events', 'Look Up Lines', 'Filters'],
	},
	{
		node: 'bitrix24SipCallTrigger',
		version: 1,
		resource: 'callTrigger',
		operation: 'lookUpLines',
		parameters: { lookUpLines: true },
		labels: ['Events', 'Look Up Lines', 'Filters'],
	},
];

/**
 * A few panels again with "OAuth2 Application" chosen: the choice swaps the credential and nothing
 * else, so they show the same fields as with the webhook.
 */
function oAuth2Cases(sipVersions: number[]): PanelCase[] {
	const oAuth2 = { authentication: 'oAuth2' };
	const sip: PanelCase[] = sipVersions.map((version) => ({
		node: 'bitrix24Sip',
		version,
		resource: 'line',
		operation: 'getMany+oAuth2',
		parameters: { resource: 'line', operation: 'getMany', ...oAuth2 },
		labels: [
			'Resource',
			'Operation',
			...(version >= 2 ? sipV2 : sipV1).line.getMany,
			'Request Options',
		],
	}));
	return [
		...sip,
		{
			node: 'bitrix24SipTrigger',
			version: 1,
			resource: 'trigger',
			operation: 'default+oAuth2',
			parameters: oAuth2,
			labels: ['Poll Times', 'Events', 'Options', 'Request Options'],
		},
		{
			node: 'bitrix24SipCallTrigger',
			version: 1,
			resource: 'callTrigger',
			operation: 'lookUpLines+oAuth2',
			parameters: { lookUpLines: true, ...oAuth2 },
			labels: ['Events', 'Look Up Lines', 'Filters'],
		},
	];
}

/** Every panel to open, for the Bitrix24 SIP versions n8n offers. */
export function panelCases(sipVersions: number[]): PanelCase[] {
	const sip = sipVersions.flatMap((version) => sipCases(version, version >= 2 ? sipV2 : sipV1));
	return [...sip, ...TRIGGERS, ...oAuth2Cases(sipVersions)];
}

/**
 * The Bitrix24 OAuth2 API credential dialog (Credentials → Create). Hidden fields (the Authorization
 * URL built from the portal, an empty scope, the client id in the request body) must not show.
 */
export const OAUTH2_DIALOG = {
	type: 'Bitrix24 OAuth2 API',
	/** Field labels the dialog shows, without n8n's own "Allowed HTTP Request Domains". */
	labels: [
		'Portal Address',
		'Client ID',
		'Client Secret',
		'Token URL',
		'Ignore SSL Issues (Insecure)',
	],
	hiddenFields: ['authUrl', 'scope', 'authentication', 'authQueryParameters', 'grantType'],
	hiddenLabels: ['Authorization URL', 'Scope', 'Authentication', 'Grant Type'],
	/** The fields the credential describes: each must open a tooltip. */
	withTooltip: ['Portal Address', 'Token URL', 'Ignore SSL Issues (Insecure)'],
	tokenUrl: 'https://oauth.bitrix.info/oauth/token/',
	/** The words of the notice that lines are private to the application. */
	notice: /sees only the SIP lines it created itself/,
};

/** The two choices of Authentication, as n8n offers them when a credential is made from a node. */
export const AUTHENTICATION_OPTIONS = ['Inbound Webhook', 'OAuth2 Application'];
