import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { authenticationProperty } from '../shared/authentication';
import { bitrix24OAuth2ApiTest, bitrix24WebhookApiTest } from '../shared/credentialTest';
import { readDelivery } from '../shared/calls/callEvent';
import { buildCallItem } from '../shared/calls/callItem';
import type { LineKnowledge } from '../shared/calls/callLine';
import { applyFilters } from '../shared/calls/callFilters';
import { CALL_TYPES } from '../shared/calls/failureCodes';
import { decodeFormBody, objectField, textField } from '../shared/calls/formBody';
import { lookUpLines } from '../shared/calls/lineLookup';
import { bitrix24OutgoingWebhookTokenTest, tokenMatches } from '../shared/calls/token';
import { checkSetup, readSettings, OUTGOING_WEBHOOK_CREDENTIAL } from './settings';

/**
 * Only what Node's own http.ServerResponse has, so that express's Response and a plain one both do.
 */
interface PlainResponse {
	statusCode: number;
	headersSent: boolean;
	setHeader(name: string, value: string): unknown;
	end(chunk: string): unknown;
}

/** Answers Bitrix24 now; the workflow (if any) starts after. */
function answer(res: PlainResponse, status: number, body: IDataObject): void {
	if (res.headersSent) return;
	res.statusCode = status;
	res.setHeader('Content-Type', 'application/json; charset=utf-8');
	res.end(JSON.stringify(body));
}

const CALL_TYPE_OPTIONS = Object.entries(CALL_TYPES)
	.map(([value, name]) => ({
		name: name.replace(/([A-Z])/g, ' $1').replace(/^./, (first) => first.toUpperCase()),
		value: Number(value),
	}))
	.sort((a, b) => a.name.localeCompare(b.name));

export class Bitrix24SipCallTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bitrix24 SIP Call Trigger',
		name: 'bitrix24SipCallTrigger',
		icon: {
			light: 'file:bitrix24SipCallTrigger.svg',
			dark: 'file:bitrix24SipCallTrigger.dark.svg',
		},
		group: ['trigger'],
		version: 1,
		subtitle: '={{($parameter["events"] || []).join(", ")}}',
		description:
			'Starts the workflow when a call on a Bitrix24 portal ends (or starts), sent by an outgoing webhook',
		defaults: { name: 'Bitrix24 SIP Call Trigger' },
		// for n8n's AI workflow builder: when to pick this trigger and what goes with it (older n8n
		// ignores it)
		builderHint: {
			message:
				'Starts the workflow for each call a Bitrix24 outgoing webhook reports (Call End by default), e.g. to alert on missed or failed calls with the Only Failed Calls filter. The outgoing webhook is made by hand in Bitrix24.',
			relatedNodes: [
				{
					nodeType: 'n8n-nodes-bitrix24-sip.bitrix24Sip',
					relationHint: 'Reads the line of a call or checks its registration',
				},
				{
					nodeType: 'n8n-nodes-bitrix24-sip.bitrix24SipTrigger',
					relationHint:
						'Watches line health and call failure rates by polling, instead of per call',
				},
			],
		},
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'bitrix24OutgoingWebhookApi',
				// both slots would read "Credential"; n8n shows credentials above all fields, so the label
				// says what each is for
				displayName: 'Outgoing Webhook (Application Token)',
				required: true,
				testedBy: 'bitrix24OutgoingWebhookTokenTest',
			},
			{
				name: 'bitrix24WebhookApi',
				displayName: 'Inbound Webhook (for Look Up Lines)',
				required: true,
				testedBy: 'bitrix24WebhookApiTest',
				displayOptions: { show: { lookUpLines: [true], authentication: ['webhook'] } },
			},
			{
				name: 'bitrix24OAuth2Api',
				displayName: 'OAuth2 Application (for Look Up Lines)',
				required: true,
				testedBy: 'bitrix24OAuth2ApiTest',
				displayOptions: { show: { lookUpLines: [true], authentication: ['oAuth2'] } },
			},
		],
		webhooks: [
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' },
		],
		properties: [
			{
				// n8n's notice shows plain text in one paragraph (no line breaks): the steps are numbered
				// in words
				displayName:
					"Step 1: Open Bitrix24 → Developer resources → Other → Outgoing webhook. Step 2: Paste this node's Production URL as the handler address. Step 3: Pick the same events as below. Step 4: Save; put its Application token in the credential above.",
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				options: [
					{
						name: 'Call End',
						value: 'ONVOXIMPLANTCALLEND',
						description: 'A call ended, answered or not, and is in the call history',
					},
					{
						name: 'Call Init',
						value: 'ONVOXIMPLANTCALLINIT',
						description: 'A call came in, or an outgoing call started dialling',
					},
					{
						name: 'Call Start',
						value: 'ONVOXIMPLANTCALLSTART',
						description: 'Someone answered a call (the event does not say which line)',
					},
				],
				default: ['ONVOXIMPLANTCALLEND'],
				description:
					'The call events that start the workflow, one item each. Choose the same events in the outgoing webhook in Bitrix24.',
			},
			{
				displayName: 'Look Up Lines',
				name: 'lookUpLines',
				type: 'boolean',
				default: false,
				description:
					"Whether to add the line's ID and title to each call, so you can also filter by them. Uses the credential chosen above for Look Up Lines.",
			},
			{
				// no displayOptions: n8n shows this choice in the credential slot, and would hide any
				// field it depends on (Look Up Lines) from the panel
				...authenticationProperty,
				displayName: 'Look Up Lines With',
			},
			{
				displayName: 'Filters',
				name: 'filters',
				type: 'collection',
				placeholder: 'Add Filter',
				default: {},
				options: [
					{
						displayName: 'Call Types',
						name: 'callTypes',
						type: 'multiOptions',
						options: CALL_TYPE_OPTIONS,
						default: [],
						description:
							'Only calls of these types. Call Start events have no type and are left out when this is set.',
					},
					{
						displayName: 'Only Failed Calls',
						name: 'onlyFailed',
						type: 'boolean',
						default: false,
						description:
							'Whether to start only for calls that failed (missed, busy, declined …). Call Init and Call Start are left out.',
					},
					{
						displayName: 'Only SIP Lines',
						name: 'onlySipLines',
						type: 'boolean',
						default: false,
						description:
							'Whether to start only for calls through SIP lines, not rented numbers or telephony apps. Call Start events name no line and are left out.',
					},
					{
						displayName: 'Only These Lines',
						name: 'lines',
						type: 'string',
						default: '',
						placeholder: 'e.g. reg151082, sip7, Office PBX',
						description:
							'Lines separated by commas, as call events name them: reg&lt;REG_ID&gt; for a cloud line, the sip… login of an office line, or a number. With Look Up Lines on, also line IDs and titles.',
					},
				],
			},
		],
	};

	methods = {
		credentialTest: {
			bitrix24OutgoingWebhookTokenTest,
			bitrix24WebhookApiTest,
			bitrix24OAuth2ApiTest,
		},
	};

	/**
	 * Bitrix24 outgoing webhooks are made by hand in the portal: event.bind needs an OAuth
	 * application, an inbound webhook gets WRONG_AUTH_TYPE
	 * (docs/bitrix24-behaviour.md#subscribing-needs-an-oauth-application). So there is nothing to
	 * register; checkExists checks the node's setup instead, so that activation (or listening for a
	 * test event) fails with the fix rather than the first call.
	 */
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				await checkSetup(this);
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				// never reached while checkExists answers true; nothing to register in Bitrix24 from here
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				// the outgoing webhook stays in Bitrix24 until deleted there: the workflow cannot remove it
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const res = this.getResponseObject() as unknown as PlainResponse;
		const body = decodeFormBody(this.getBodyData());

		// the token first: nothing of an unauthenticated request is read further or answered in detail
		const credential = await this.getCredentials(OUTGOING_WEBHOOK_CREDENTIAL);
		const received = textField(objectField(body, 'auth'), 'application_token');
		if (!tokenMatches(received, credential.applicationToken)) {
			this.logger.warn(
				`Bitrix24 SIP Call Trigger refused a request: auth[application_token] is ${received === undefined ? 'missing' : "not this credential's token"}`,
			);
			answer(res, 401, {
				error: 'INVALID_TOKEN',
				message:
					"auth[application_token] is missing or is not the token of this trigger's credential",
			});
			return { noWebhookResponse: true };
		}

		const settings = readSettings(this);
		const reading = readDelivery(body);
		if (!reading.ok) {
			answer(res, 400, { error: 'INVALID_REQUEST', message: reading.reason });
			return { noWebhookResponse: true };
		}
		const { delivery } = reading;
		if (!settings.events.has(delivery.event)) {
			answer(res, 200, {
				result: 'ignored',
				message: `${delivery.event} is not among this trigger's events`,
			});
			return { noWebhookResponse: true };
		}

		// Bitrix24 does not retry and calls slow handlers less often: answer before the lookup
		answer(res, 200, { result: 'accepted' });

		const knowledge: LineKnowledge = settings.lookUpLines
			? await lookUpLines(this)
			: { lines: null };
		const item = buildCallItem(delivery, knowledge);
		const verdict = applyFilters(item, settings.filters, {
			lines: knowledge.lines,
			lookupFailed: knowledge.lookupError !== undefined,
		});
		if (!verdict.keep) {
			this.logger.debug(
				`Bitrix24 SIP Call Trigger left out call ${String(item.CALL_ID)}: ${verdict.reason}`,
			);
			return { noWebhookResponse: true };
		}
		return { workflowData: [this.helpers.returnJsonArray([item])], noWebhookResponse: true };
	}
}
