import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { bitrix24WebhookApiTest } from '../shared/credentialTest';
import { buildCallItem, readDelivery } from '../shared/calls/callEvent';
import type { LineKnowledge } from '../shared/calls/callEvent';
import { applyFilters } from '../shared/calls/callFilters';
import { CALL_TYPES } from '../shared/calls/failureCodes';
import { decodeFormBody, objectField, textField } from '../shared/calls/formBody';
import { lookUpLines } from '../shared/calls/lineLookup';
import { bitrix24OutgoingWebhookTokenTest, tokenMatches } from '../shared/calls/token';
import { checkSetup, readSettings, OUTGOING_WEBHOOK_CREDENTIAL } from './settings';

/** Only what Node's own http.ServerResponse has, so that express's Response and a plain one both do. */
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
		icon: { light: 'file:bitrix24SipCallTrigger.svg', dark: 'file:bitrix24SipCallTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{($parameter["events"] || []).join(", ")}}',
		description:
			"Starts the workflow when a Bitrix24 portal's telephony reports a call (call end, start, init) through an outgoing webhook",
		defaults: { name: 'Bitrix24 SIP Call Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'bitrix24OutgoingWebhookApi', required: true, testedBy: 'bitrix24OutgoingWebhookTokenTest' },
			{
				name: 'bitrix24WebhookApi',
				required: true,
				testedBy: 'bitrix24WebhookApiTest',
				displayOptions: { show: { lookUpLines: [true] } },
			},
		],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName:
					'Set up in Bitrix24: Developer resources → Other → Outgoing webhook. Paste this node\'s Production URL (under "Webhook URLs" above) as the handler URL, choose the same event(s) as here (e.g. "Call end", ONVOXIMPLANTCALLEND), click Create and copy the "Application token" into this node\'s credential. The Test URL only works while the editor listens for a test event; the Production URL once the workflow is active. Bitrix24 does not resend a call that arrives while neither listens.',
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
						description: 'A call ended and was written to the call history, answered or not (ONVOXIMPLANTCALLEND)',
					},
					{
						name: 'Call Init',
						value: 'ONVOXIMPLANTCALLINIT',
						description: 'A call arrived or an outgoing call started dialling (ONVOXIMPLANTCALLINIT)',
					},
					{
						name: 'Call Start',
						value: 'ONVOXIMPLANTCALLSTART',
						description: 'Someone answered a call; names the call and the user, not the line (ONVOXIMPLANTCALLSTART)',
					},
				],
				default: ['ONVOXIMPLANTCALLEND'],
				description:
					'The events to start the workflow for, one item per event. The outgoing webhook in Bitrix24 must send them too; other events it sends are answered and ignored.',
			},
			{
				displayName: 'Look Up Lines',
				name: 'lookUpLines',
				type: 'boolean',
				default: false,
				description:
					"Whether to read the portal's SIP lines through an inbound webhook (Bitrix24 Webhook API credential) to add the line's CONFIG_ID and TITLE, and to filter by line ID or title. Bitrix24 is answered first; if the lines cannot be read, the call still starts the workflow, with line.lookupError.",
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
							'Only calls of these types (CALL_TYPE). Call Init is only outgoing or incoming; the other types show only at Call End. Call Start events carry no type and are left out when this is set.',
					},
					{
						displayName: 'Only Failed Calls',
						name: 'onlyFailed',
						type: 'boolean',
						default: false,
						description:
							'Whether to start only for call ends whose CALL_FAILED_CODE is not 200 (missed, busy, declined, no funds …). Other events are left out when this is on.',
					},
					{
						displayName: 'Only SIP Lines',
						name: 'onlySipLines',
						type: 'boolean',
						default: false,
						description:
							"Whether to start only for calls through SIP lines (cloud or office PBX), not through rented numbers or REST telephony apps. A call named by a number may be a SIP line's number read from the SIP headers (Detect Line Number): it is kept unless Look Up Lines shows that no SIP line does that. Call Start events name no line and are left out.",
					},
					{
						displayName: 'Only These Lines',
						name: 'lines',
						type: 'string',
						default: '',
						placeholder: 'e.g. reg151082, sip7, Office PBX',
						description:
							'Comma-separated lines as Bitrix24 names them in call events: reg&lt;REG_ID&gt; for a cloud line, the sip… login of an office line, or a number. With Look Up Lines on, also line IDs (CONFIG_ID) and titles (any case).',
					},
				],
			},
		],
	};

	methods = {
		credentialTest: { bitrix24OutgoingWebhookTokenTest, bitrix24WebhookApiTest },
	};

	/**
	 * Bitrix24 outgoing webhooks are made by hand in the portal: event.bind needs an OAuth
	 * application, an inbound webhook gets WRONG_AUTH_TYPE (spec §A2). So there is nothing to
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
				message: "auth[application_token] is missing or is not the token of this trigger's credential",
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
			answer(res, 200, { result: 'ignored', message: `${delivery.event} is not among this trigger's events` });
			return { noWebhookResponse: true };
		}

		// Bitrix24 does not retry and calls slow handlers less often: answer before the lookup
		answer(res, 200, { result: 'accepted' });

		const knowledge: LineKnowledge = settings.lookUpLines ? await lookUpLines(this) : { lines: null };
		const item = buildCallItem(delivery, knowledge);
		const verdict = applyFilters(item, settings.filters, {
			lines: knowledge.lines,
			lookupFailed: knowledge.lookupError !== undefined,
		});
		if (!verdict.keep) {
			this.logger.debug(`Bitrix24 SIP Call Trigger left out call ${String(item.CALL_ID)}: ${verdict.reason}`);
			return { noWebhookResponse: true };
		}
		return { workflowData: [this.helpers.returnJsonArray([item])], noWebhookResponse: true };
	}
}
