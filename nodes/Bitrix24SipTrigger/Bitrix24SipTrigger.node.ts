import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { groupCalls, lineCallStats, MAX_CALL_WINDOW_HOURS } from '../shared/calls/callRates';
import type { CallRecord } from '../shared/calls/statistics';
import { readCalls } from '../shared/calls/statistics';
import { readDefaultOutgoingValue, resolveDefaultOutgoing } from '../shared/defaultOutgoing';
import type { LineCheck } from '../shared/health';
import {
	lineIdentity,
	readConnector,
	readLinesToCheck,
	readRegistration,
	readRegistrations,
} from '../shared/health';
import { readForItem, toBoolean, toChoice, toNumber } from '../shared/parameters';
import { clientOptionsFrom, requestOptions } from '../shared/requestOptions';
import { bitrix24WebhookApiTest } from '../shared/credentialTest';
import { Bitrix24Client } from '../shared/transport/client';
import { toNodeError } from '../shared/transport/errors';
import type {
	ConnectorReading,
	DefaultOutgoingReading,
	LineCalls,
	TriggerEvent,
	TriggerSettings,
} from './changes';
import {
	CALL_EVENTS,
	callsFailingChanges,
	CONNECTOR_EVENTS,
	connectorChanges,
	currentCallsItems,
	currentConnectorItem,
	currentDefaultOutgoingItem,
	currentLineItems,
	DEFAULT_OUTGOING_EVENTS,
	defaultOutgoingChanges,
	isTriggerEvent,
	LINE_EVENTS,
	lineChanges,
	seeCallsFailing,
	seeDefaultOutgoing,
	seeLines,
} from './changes';
import type { TriggerState } from './state';
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
		const number = (
			name: string,
			label: string,
			fallback: number,
			min: number,
			max?: number,
			whole = false,
		): number =>
			toNumber(ctx.getNodeParameter(name, fallback), { label, min, max, whole }, fallback);
		return {
			events,
			pendingAs: toChoice(
				options.pendingAs,
				{ label: 'Treat Pending Registrations As', where: under },
				PENDING_AS,
				'unchanged',
			),
			minutesThreshold: events.has('connectorMinutesLow')
				? number('minutesThreshold', 'Free Minutes Below', 10, 0)
				: 0,
			paidWithinDays: events.has('connectorPaidEnding')
				? number('paidWithinDays', 'Paid Period Ends Within (Days)', 7, 0)
				: 0,
			callWindowHours: calls
				? number('callWindowHours', CALL_WINDOW_LABEL, 1, 1, MAX_CALL_WINDOW_HOURS, true)
				: 0,
			callFailureRateAbove: calls
				? number('callFailureRateAbove', CALL_THRESHOLD_LABEL, 50, 0, 100)
				: 0,
			emitOnFirstRun: toBoolean(
				options.emitOnFirstRun,
				{ label: 'Emit Current State on First Run', where: under },
				false,
			),
		};
	});
}

interface Reading {
	lines?: LineCheck[];
	connector?: ConnectorReading;
	defaultOutgoing?: DefaultOutgoingReading;
	/** each line's calls in the window, by CONFIG_ID */
	calls?: Record<string, LineCalls>;
}

function chosen(settings: TriggerSettings, events: readonly TriggerEvent[]): boolean {
	return events.some((event) => settings.events.has(event));
}

interface LinesReading {
	lines?: LineCheck[];
	defaultOutgoing?: DefaultOutgoingReading;
	calls?: Record<string, LineCalls>;
}

/** Each line's calls in the window; every line is listed, one without calls with zero counts. */
function callsByLine(
	rows: IDataObject[],
	records: CallRecord[],
	hours: number,
): Record<string, LineCalls> {
	const grouped = groupCalls(records, rows);
	const byLine: Record<string, LineCalls> = {};
	for (const row of rows) {
		const line = lineIdentity(row);
		byLine[String(line.CONFIG_ID)] = { line, calls: lineCallStats(grouped, line.CONFIG_ID, hours) };
	}
	return byLine;
}

/**
 * Reads the lines, and as the chosen events need, their registrations, the default outgoing line
 * and the calls of the window: those calls are made together with the status calls so that they
 * join their batch. The verdict on the default line needs the registrations, so they are read for
 * the default outgoing event too; the calls event alone needs only the lines.
 */
async function readLines(
	client: Bitrix24Client,
	wantChecks: boolean,
	wantDefault: boolean,
	callHours: number | undefined,
): Promise<LinesReading> {
	const lines = await readLinesToCheck(client, true);
	const since = callHours !== undefined ? new Date(Date.now() - callHours * 3_600_000) : undefined;
	const [checks, value, records] = await Promise.all([
		wantChecks ? readRegistrations(client, lines) : undefined,
		wantDefault ? readDefaultOutgoingValue(client) : undefined,
		since ? readCalls(client, since) : undefined,
	]);
	const calls =
		records && callHours !== undefined ? callsByLine(lines, records, callHours) : undefined;
	if (value === undefined) return { lines: checks, calls };
	const resolved = await resolveDefaultOutgoing(client, value, {
		lines,
		cloud: true,
		office: true,
	});
	// Bitrix24 does not filter voximplant.sip.status: an unseen cloud line's registration can be read
	const registration =
		resolved.kind === 'unknownSipLine' && resolved.regId !== null
			? await readRegistration(client, { TYPE: 'cloud', REG_ID: resolved.regId })
			: undefined;
	return { lines: checks, defaultOutgoing: { resolved, registration }, calls };
}

/** Reads only what the chosen events need: the lines with their registrations, the default line, the calls, the connector. */
async function readPortal(ctx: IPollFunctions, settings: TriggerSettings): Promise<Reading> {
	const wantDefault = chosen(settings, DEFAULT_OUTGOING_EVENTS);
	const wantChecks = wantDefault || chosen(settings, LINE_EVENTS);
	const wantCalls = chosen(settings, CALL_EVENTS);
	const wantConnector = chosen(settings, CONNECTOR_EVENTS);
	try {
		const client = await Bitrix24Client.create(
			ctx,
			clientOptionsFrom(ctx.getNodeParameter('requestOptions', {}) as IDataObject),
		);
		const [lines, connector] = await Promise.all([
			wantChecks || wantCalls
				? readLines(
						client,
						wantChecks,
						wantDefault,
						wantCalls ? settings.callWindowHours : undefined,
					)
				: undefined,
			wantConnector ? client.call<IDataObject>('voximplant.sip.connector.status') : undefined,
		]);
		return {
			lines: lines?.lines,
			defaultOutgoing: lines?.defaultOutgoing,
			calls: lines?.calls,
			connector: connector ? readConnector(connector.result ?? {}) : undefined,
		};
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
		// for n8n's AI workflow builder: when to pick this trigger and what goes with it (older n8n ignores it)
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
			{ name: 'bitrix24WebhookApi', required: true, testedBy: 'bitrix24WebhookApiTest' },
		],
		properties: [
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
		credentialTest: { bitrix24WebhookApiTest },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const settings = readSettings(this);
		const reading = await readPortal(this, settings);
		const now = new Date();
		const detectedAt = now.toISOString();
		// lines are also read for the default outgoing event; they are shown only for line events
		const showLines = chosen(settings, LINE_EVENTS);
		const staticData = this.getWorkflowStaticData('node');
		const before = readState(staticData);
		const lines = reading.lines
			? seeLines(reading.lines, before?.lines, settings.pendingAs)
			: undefined;
		const seenDefault =
			reading.defaultOutgoing && lines
				? seeDefaultOutgoing(
						reading.defaultOutgoing,
						lines,
						before?.defaultOutgoing,
						settings.pendingAs,
					)
				: undefined;
		const seenCalls = reading.calls
			? seeCallsFailing(reading.calls, settings.callFailureRateAbove)
			: undefined;

		// a test run in the editor shows what there is to map, and leaves the remembered state alone
		if (this.getMode() === 'manual') {
			const items = [
				...(lines && showLines ? currentLineItems(lines, detectedAt) : []),
				...(reading.defaultOutgoing && seenDefault && lines
					? [currentDefaultOutgoingItem(reading.defaultOutgoing, seenDefault, lines, detectedAt)]
					: []),
				...(reading.calls ? currentCallsItems(reading.calls, settings, detectedAt) : []),
				...(reading.connector ? [currentConnectorItem(reading.connector, now)] : []),
			];
			return items.length > 0 ? [this.helpers.returnJsonArray(items)] : null;
		}

		// each part without a previous reading only remembers, or shows its current state if asked
		const emitCurrent = settings.emitOnFirstRun;
		const items: IDataObject[] = [];
		const after: TriggerState = {};

		if (lines) {
			if (before?.lines) items.push(...lineChanges(before.lines, lines, settings, detectedAt));
			else if (emitCurrent && showLines) items.push(...currentLineItems(lines, detectedAt));
			after.lines = lines;
		}
		if (reading.defaultOutgoing && seenDefault && lines) {
			if (before?.defaultOutgoing) {
				items.push(
					...defaultOutgoingChanges(
						before.defaultOutgoing,
						seenDefault,
						reading.defaultOutgoing,
						lines,
						before.lines,
						settings,
						detectedAt,
					),
				);
			} else if (emitCurrent) {
				items.push(
					currentDefaultOutgoingItem(reading.defaultOutgoing, seenDefault, lines, detectedAt),
				);
			}
			after.defaultOutgoing = seenDefault;
		}
		if (reading.calls && seenCalls) {
			if (before?.callsFailing)
				items.push(
					...callsFailingChanges(
						before.callsFailing,
						seenCalls,
						reading.calls,
						settings,
						detectedAt,
					),
				);
			else if (emitCurrent) items.push(...currentCallsItems(reading.calls, settings, detectedAt));
			after.callsFailing = seenCalls;
		}
		if (reading.connector) {
			const outcome = connectorChanges(before?.connector, reading.connector, settings, now);
			if (before?.connector) items.push(...outcome.items);
			else if (emitCurrent) items.push(currentConnectorItem(reading.connector, now));
			after.connector = outcome.seen;
		}

		writeState(staticData, after);
		return items.length > 0 ? [this.helpers.returnJsonArray(items)] : null;
	}
}
