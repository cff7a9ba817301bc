import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { MAX_CALL_WINDOW_HOURS } from '../shared/calls/callRates';
import type { NumberRule } from '../shared/parameters';
import { readForItem, toBoolean, toChoice, toNumber } from '../shared/parameters';
import { clientOptionsFrom, requestOptions } from '../shared/requestOptions';
import { authenticationProperty } from '../shared/authentication';
import { bitrix24OAuth2ApiTest, bitrix24WebhookApiTest } from '../shared/credentialTest';
import { Bitrix24Client } from '../shared/transport/client';
import { toNodeError } from '../shared/transport/errors';
import type { TriggerSettings } from './changes';
import { isTriggerEvent } from './changes';
import { callsFamily } from './events/calls';
import { connectorFamily } from './events/connector';
import { defaultOutgoingFamily } from './events/defaultOutgoing';
import type { Poll, TriggerPart } from './events/family';
import { triggerPart } from './events/family';
import { lineFamily } from './events/lines';
import { PortalReader } from './events/portal';
import { readState, writeState } from './state';

const PENDING_AS = ['unchanged', 'healthy', 'unhealthy'] as const;

const CALL_WINDOW_LABEL = 'Calls of the Last (Hours)';
const CALL_THRESHOLD_LABEL = 'Failure Rate Above (%)';

function readSettings(ctx: IPollFunctions): TriggerSettings {
	const chosen = ctx.getNodeParameter('events', []) as string[];
	const events = new Set(chosen.filter(isTriggerEvent));
	if (events.size === 0) {
		throw new NodeOperationError(ctx.getNode(), 'No event chosen', {
			description: 'Choose at least one event under "Events" for the trigger to watch.',
		});
	}
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const calls = events.has('lineCallsFailing');
	const under = 'under Options';
	// a wrong value fails the poll naming the field; a field of an event not chosen is not read
	return readForItem(ctx.getNode(), undefined, () => {
		const number = (name: string, fallback: number, rule: NumberRule): number =>
			toNumber(ctx.getNodeParameter(name, fallback), rule, fallback);
		return {
			events,
			pendingAs: toChoice(
				options.pendingAs,
				{ label: 'Treat Pending Registrations As', where: under },
				PENDING_AS,
				'unchanged',
			),
			minutesThreshold: events.has('connectorMinutesLow')
				? number('minutesThreshold', 10, { label: 'Free Minutes Below', min: 0 })
				: 0,
			paidWithinDays: events.has('connectorPaidEnding')
				? number('paidWithinDays', 7, { label: 'Paid Period Ends Within (Days)', min: 0 })
				: 0,
			callWindowHours: calls
				? number('callWindowHours', 1, {
						label: CALL_WINDOW_LABEL,
						min: 1,
						max: MAX_CALL_WINDOW_HOURS,
						whole: true,
					})
				: 0,
			callFailureRateAbove: calls
				? number('callFailureRateAbove', 50, { label: CALL_THRESHOLD_LABEL, min: 0, max: 100 })
				: 0,
			emitOnFirstRun: toBoolean(
				options.emitOnFirstRun,
				{ label: 'Emit Current State on First Run', where: under },
				false,
			),
		};
	});
}

/**
 * The families of events in the order of their items; the default outgoing line builds on the
 * lines.
 */
const PARTS: TriggerPart[] = [
	triggerPart(lineFamily),
	triggerPart(defaultOutgoingFamily),
	triggerPart(callsFamily),
	triggerPart(connectorFamily),
];

/** Reads what the chosen families need, all at once so that their calls share batches. */
async function readPortal(
	ctx: IPollFunctions,
	settings: TriggerSettings,
	parts: TriggerPart[],
): Promise<Array<(poll: Poll) => IDataObject[]>> {
	try {
		const client = await Bitrix24Client.create(
			ctx,
			clientOptionsFrom(ctx.getNodeParameter('requestOptions', {}) as IDataObject),
		);
		const portal = new PortalReader(client);
		return await Promise.all(parts.map((part) => part.read(portal, settings)));
	} catch (error) {
		throw toNodeError(ctx.getNode(), error);
	}
}

export class Bitrix24SipTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bitrix24 SIP Trigger',
		name: 'bitrix24SipTrigger',
		icon: { light: 'file:bitrix24SipTrigger.svg', dark: 'file:bitrix24SipTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{($parameter["events"] || []).join(", ")}}',
		description:
			'Starts the workflow when a Bitrix24 SIP line fails or recovers, lines are added or removed, calls fail, or the connector runs low',
		defaults: { name: 'Bitrix24 SIP Trigger' },
		polling: true,
		// for n8n's AI workflow builder: when to pick this trigger and what goes with it (older n8n
		// ignores it)
		builderHint: {
			message:
				"Polls a Bitrix24 portal and starts the workflow when a SIP line's registration fails or recovers, a line is added or removed, a line's calls fail too often, or the SIP connector runs low. To react to each single call, use Bitrix24 SIP Call Trigger instead.",
			relatedNodes: [
				{
					nodeType: 'n8n-nodes-bitrix24-sip.bitrix24Sip',
					relationHint: 'Reads or changes the line an event names, e.g. Line → Get or Update',
				},
				{
					nodeType: 'n8n-nodes-bitrix24-sip.bitrix24SipCallTrigger',
					relationHint: 'Starts a workflow for each call instead of polling for changes',
				},
			],
		},
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'bitrix24WebhookApi',
				required: true,
				testedBy: 'bitrix24WebhookApiTest',
				displayOptions: { show: { authentication: ['webhook'] } },
			},
			{
				name: 'bitrix24OAuth2Api',
				required: true,
				testedBy: 'bitrix24OAuth2ApiTest',
				displayOptions: { show: { authentication: ['oAuth2'] } },
			},
		],
		properties: [
			authenticationProperty,
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				options: [
					{
						name: 'Connector Free Minutes Low',
						value: 'connectorMinutesLow',
						description: "The SIP connector's free minutes dropped below the threshold",
					},
					{
						name: 'Connector Paid Period Ending',
						value: 'connectorPaidEnding',
						description: "The SIP connector's paid period ends within the given number of days",
					},
					{
						name: 'Default Outgoing Line Unhealthy',
						value: 'defaultOutgoingUnhealthy',
						description:
							"The portal's default line for outgoing calls stopped registering, or the default moved to a failing line",
					},
					{
						name: 'Line Added',
						value: 'lineAdded',
						description:
							'A SIP line appeared on the portal (made by any webhook or in the Bitrix24 UI)',
					},
					{
						name: 'Line Became Unhealthy',
						value: 'lineUnhealthy',
						description: 'The registration of a cloud line started failing (or a new line fails)',
					},
					{
						name: 'Line Calls Failing',
						value: 'lineCallsFailing',
						description:
							'The share of failed calls on a line rose above the threshold within the chosen hours',
					},
					{
						name: 'Line Recovered',
						value: 'lineRecovered',
						description: 'The registration of a cloud line that was failing works again',
					},
					{
						name: 'Line Removed',
						value: 'lineRemoved',
						description: 'A SIP line was deleted from the portal',
					},
					{
						name: 'Registration Status Changed',
						value: 'registrationChanged',
						description:
							'The registration of a cloud line changed, e.g. from registered to failing',
					},
				],
				default: ['lineUnhealthy', 'lineRecovered'],
				description:
					'What to start the workflow for; each change is one item. The first poll only remembers how things are.',
			},
			{
				displayName: 'Free Minutes Below',
				name: 'minutesThreshold',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 10,
				description:
					'Fires once when the free minutes drop below this number, and again only after they have risen back',
				displayOptions: { show: { events: ['connectorMinutesLow'] } },
			},
			{
				displayName: 'Paid Period Ends Within (Days)',
				name: 'paidWithinDays',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 0 },
				default: 7,
				description: 'Fire once per paid period when its end date is this many days away or closer',
				displayOptions: { show: { events: ['connectorPaidEnding'] } },
			},
			{
				displayName: CALL_WINDOW_LABEL,
				name: 'callWindowHours',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: MAX_CALL_WINDOW_HOURS, numberPrecision: 0 },
				default: 1,
				description: `How many hours of calls to judge each line by, from 1 to ${MAX_CALL_WINDOW_HOURS}. The webhook's user needs the permission "Call statistics" → View set to "Any", or too few calls are counted.`,
				displayOptions: { show: { events: ['lineCallsFailing'] } },
			},
			{
				displayName: CALL_THRESHOLD_LABEL,
				name: 'callFailureRateAbove',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100 },
				default: 50,
				description:
					"Fires once when more than this percentage of a line's calls failed, and again only after it has fallen back",
				displayOptions: { show: { events: ['lineCallsFailing'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Emit Current State on First Run',
						name: 'emitOnFirstRun',
						type: 'boolean',
						default: false,
						description:
							'Whether the first poll outputs how things are now instead of nothing (it has nothing to compare with yet)',
					},
					{
						displayName: 'Treat Pending Registrations As',
						name: 'pendingAs',
						type: 'options',
						options: [
							{
								name: 'Unchanged',
								value: 'unchanged',
								description:
									'A line keeps its last verdict while it registers: it recovers only once it is registered again',
							},
							{
								name: 'Healthy',
								value: 'healthy',
								description: 'A line that is still registering counts as healthy',
							},
							{
								name: 'Unhealthy',
								value: 'unhealthy',
								description: 'A line counts as healthy only once it is registered',
							},
						],
						default: 'unchanged',
						description: 'How to count a line that is still registering',
					},
				],
			},
			requestOptions,
		],
	};

	methods = {
		credentialTest: { bitrix24WebhookApiTest, bitrix24OAuth2ApiTest },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const settings = readSettings(this);
		const chosen = PARTS.filter((part) => part.chosen(settings));
		const judges = await readPortal(this, settings, chosen);
		const now = new Date();
		const staticData = this.getWorkflowStaticData('node');
		// a test run in the editor shows what there is to map, and leaves the remembered state alone
		const manual = this.getMode() === 'manual';
		const poll: Poll = {
			settings,
			before: readState(staticData),
			after: {},
			now,
			detectedAt: now.toISOString(),
			manual,
		};
		const items = judges.flatMap((judge) => judge(poll));
		if (!manual) writeState(staticData, poll.after);
		return items.length > 0 ? [this.helpers.returnJsonArray(items)] : null;
	}
}
