import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { CallStats, GroupedCalls } from '../../../shared/calls/callRates';
import {
	callStats,
	groupCalls,
	isOverThreshold,
	lineCallStats,
	MAX_CALL_WINDOW_HOURS,
	unattributedItem,
	withCallVerdict,
} from '../../../shared/calls/callRates';
import { readCalls } from '../../../shared/calls/statistics';

import type { DefaultOutgoing } from '../../../shared/defaultOutgoing';
import { configIdOf } from '../../../shared/line';
import {
	defaultOutgoingIdentity,
	defaultOutgoingRegistration,
	describeDefaultOutgoing,
	isDefaultOutgoingLine,
	readDefaultOutgoingValue,
	resolveDefaultOutgoing,
} from '../../../shared/defaultOutgoing';
import type { ConnectorReading } from '../../../shared/connector';
import type { LineCheck } from '../../../shared/registrationCheck';
import type { PendingAs, StatusHealth } from '../../../shared/registration';
import { connectorWords, readConnector } from '../../../shared/connector';
import { daysUntil } from '../../../shared/dates';
import { isPending, statusHealth } from '../../../shared/registration';
import { lineIdentity, identityLabel } from '../../../shared/lineIdentity';
import { readLinesToCheck, readRegistrations } from '../../../shared/registrationCheck';
import { readForItem, toBoolean, toChoice, toNumber } from '../../../shared/parameters';
import type { Bitrix24Client } from '../../../shared/transport/client';
import type { Authentication } from '../../../shared/transport/connection';
import { authenticationOf } from '../../../shared/transport/connection';
import type { ItemRun } from '../types';

export const pendingAsOption: INodeProperties = {
	displayName: 'Treat Pending Registrations As',
	name: 'pendingAs',
	type: 'options',
	options: [
		{
			name: 'Healthy',
			value: 'healthy',
			description: 'A line that is still registering is not reported',
		},
		{
			name: 'Unhealthy',
			value: 'unhealthy',
			description: 'A line counts as healthy only once it is registered',
		},
	],
	default: 'healthy',
	description: 'How to count a line that is still registering',
};

const callWindowOption: INodeProperties = {
	displayName: 'Include Calls of the Last (Hours)',
	name: 'callWindowHours',
	type: 'number',
	typeOptions: { minValue: 0, maxValue: MAX_CALL_WINDOW_HOURS, numberPrecision: 0 },
	default: 24,
	description:
		'How many hours of calls to count per line (0: none). Needs "Call statistics" → View set to "Any": a lower level silently counts fewer calls.',
};

const includeSummaryOption: INodeProperties = {
	displayName: 'Include Portal Summary',
	name: 'includeSummary',
	type: 'boolean',
	default: false,
	description:
		'Whether to output one summary item first: how many lines are healthy, the default outgoing line and the SIP connector',
};

const onlyUnhealthyOption: INodeProperties = {
	displayName: 'Only Unhealthy Lines',
	name: 'onlyUnhealthy',
	type: 'boolean',
	default: false,
	description: 'Whether to output only the lines that fail, e.g. to send an alert for each',
};

const failureRateOption: INodeProperties = {
	displayName: 'Unhealthy Above Failure Rate (%)',
	name: 'failureRateAbove',
	type: 'number',
	typeOptions: { minValue: 0, maxValue: 100 },
	default: 50,
	description:
		'A line whose calls failed more often than this counts as unhealthy. A line without calls never does.',
};

const officeDescription =
	'Office PBX lines have nothing to register (your PBX connects to Bitrix24), so they count as healthy';

const properties: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { '@version': [1] } },
		options: [
			callWindowOption,
			{
				displayName: 'Include Office Lines',
				name: 'includeOffice',
				type: 'boolean',
				default: false,
				description: `Whether to list office PBX lines too. ${officeDescription}.`,
			},
			includeSummaryOption,
			onlyUnhealthyOption,
			pendingAsOption,
			failureRateOption,
		],
	},
	// version 2 checks every line, as the operation's name says; an option leaves office lines out
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { '@version': [2] } },
		options: [
			callWindowOption,
			includeSummaryOption,
			{
				displayName: 'Leave Out Office Lines',
				name: 'excludeOffice',
				type: 'boolean',
				default: true,
				description: `Whether to list only cloud lines. ${officeDescription}.`,
			},
			onlyUnhealthyOption,
			pendingAsOption,
			failureRateOption,
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['registration'], operation: ['checkAll'] } },
	properties,
);

/** The line counts of the summary item; `pending` lines are also in `healthy` or `unhealthy`. */
interface LineCounts extends IDataObject {
	total: number;
	healthy: number;
	unhealthy: number;
	pending: number;
}

function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function defaultWords(
	resolved: DefaultOutgoing,
	health: StatusHealth | null,
	via: Authentication,
): string {
	if (resolved.kind === 'none') return 'Default outgoing line: no SIP default (LINK_BASE_NUMBER)';
	if (resolved.kind === 'number')
		return `Default outgoing line: the number ${resolved.value}, not a SIP line`;
	if (resolved.kind === 'restApp')
		return `Default outgoing line: a REST telephony application (${resolved.value}), not a SIP line`;
	const name = resolved.line
		? identityLabel(lineIdentity(resolved.line))
		: `${resolved.value}, a SIP line this ${via === 'oAuth2' ? 'application' : 'webhook'} cannot see`;
	if (!health) return `Default outgoing line: ${name}, health unknown`;
	return `Default outgoing line: ${name}, ${health.healthy ? 'healthy' : 'unhealthy'} (${health.summary})`;
}

/**
 * The one summary item: counts over the lines checked (all of them, whatever Only Unhealthy Lines
 * filters), the default outgoing line with its health, and the connector.
 */
async function summaryItem(
	client: Bitrix24Client,
	checks: LineCheck[],
	healthOf: StatusHealth[],
	resolved: DefaultOutgoing,
	connector: ConnectorReading,
	pendingAs: PendingAs,
	calls: IDataObject | undefined,
	via: Authentication,
): Promise<IDataObject> {
	const lines: LineCounts = {
		total: checks.length,
		healthy: healthOf.filter((health) => health.healthy).length,
		unhealthy: healthOf.filter((health) => !health.healthy).length,
		pending: checks.filter((check) => isPending(check.registration)).length,
	};
	const registration = await defaultOutgoingRegistration(client, resolved, checks);
	// a checked default line has the verdict of its own item, failing calls included
	const defaultLine = resolved.line;
	const checked = defaultLine
		? checks.findIndex((check) => configIdOf(check.line) === configIdOf(defaultLine))
		: -1;
	const health =
		checked >= 0
			? healthOf[checked]
			: registration === undefined
				? null
				: statusHealth(registration, pendingAs);
	const now = new Date();
	const sentence = [
		`${plural(lines.total, 'line')}: ${lines.healthy} healthy, ${lines.unhealthy} unhealthy${lines.pending > 0 ? `, ${lines.pending} still registering` : ''}`,
		defaultWords(resolved, health, via),
		connectorWords(connector, now),
		...(calls ? [String(calls.summary)] : []),
	].join('. ');
	return {
		itemType: 'summary',
		summary: `${sentence}.`,
		lines,
		defaultOutgoing: {
			value: resolved.value,
			kind: resolved.kind,
			...defaultOutgoingIdentity(resolved),
			description: describeDefaultOutgoing(resolved, via),
			healthy: health ? health.healthy : null,
			summary: health ? health.summary : null,
		},
		connector: {
			...connector,
			daysLeft: connector.PAID ? (daysUntil(connector.PAID_DATE_END, now) ?? null) : null,
		},
		...(calls ? { calls } : {}),
	};
}

/**
 * What the call options ask for: the window, and the failure rate above which a line is unhealthy.
 */
interface CallOptions {
	hours: number;
	threshold: number | undefined;
}

const WINDOW_LABEL = 'Include Calls of the Last (Hours)';
const THRESHOLD_LABEL = 'Unhealthy Above Failure Rate (%)';
/** The window when only the threshold was added. */
const DEFAULT_WINDOW_HOURS = 24;

/**
 * Reads and checks the call options, naming the field of a bad value; undefined when calls are not
 * read.
 */
function readCallOptions(
	ctx: IExecuteFunctions,
	options: IDataObject,
	itemIndex: number,
): CallOptions | undefined {
	const under = 'under Options';
	const threshold = readForItem(ctx.getNode(), itemIndex, () =>
		toNumber(options.failureRateAbove, { label: THRESHOLD_LABEL, where: under, min: 0, max: 100 }),
	);
	if (options.callWindowHours === undefined)
		return threshold === undefined ? undefined : { hours: DEFAULT_WINDOW_HOURS, threshold };
	const hours = readForItem(ctx.getNode(), itemIndex, () =>
		toNumber(
			options.callWindowHours,
			{ label: WINDOW_LABEL, where: under, min: 0, max: MAX_CALL_WINDOW_HOURS, whole: true },
			0,
		),
	);
	if (hours === 0 && threshold !== undefined) {
		throw new NodeOperationError(
			ctx.getNode(),
			`${THRESHOLD_LABEL} needs calls, but ${WINDOW_LABEL} is 0`,
			{
				itemIndex,
				description: `Set "${WINDOW_LABEL}" to the hours to judge the failure rate over, or remove "${THRESHOLD_LABEL}".`,
			},
		);
	}
	return hours === 0 ? undefined : { hours, threshold };
}

/**
 * The summary's calls: every call read, how many no listed line carried, how many lines are over
 * the threshold.
 */
function overallCalls(grouped: GroupedCalls, stats: CallStats[], calls: CallOptions): IDataObject {
	return {
		...callStats(grouped.all, calls.hours),
		unattributed: grouped.unattributed.length,
		failureRateAbove: calls.threshold ?? null,
		linesOverThreshold:
			calls.threshold === undefined
				? null
				: stats.filter((line) => isOverThreshold(line, calls.threshold)).length,
	};
}

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	// what the credential cannot see differs: an application sees only its own lines
	const via = authenticationOf(this);
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const { includeOffice, onlyUnhealthy, includeSummary, pendingAs } = readForItem(
		this.getNode(),
		itemIndex,
		() => {
			const switchOf = (name: string, label: string) =>
				toBoolean(options[name], { label, where: 'under Options' }, false);
			// version 1 lists office lines only when asked; version 2 unless asked not to
			const includeOffice =
				this.getNode().typeVersion < 2
					? switchOf('includeOffice', 'Include Office Lines')
					: !toBoolean(
							options.excludeOffice,
							{ label: 'Leave Out Office Lines', where: 'under Options' },
							false,
						);
			return {
				includeOffice,
				onlyUnhealthy: switchOf('onlyUnhealthy', 'Only Unhealthy Lines'),
				includeSummary: switchOf('includeSummary', 'Include Portal Summary'),
				pendingAs: toChoice<PendingAs>(
					options.pendingAs,
					{ label: 'Treat Pending Registrations As', where: 'under Options' },
					['healthy', 'unhealthy'],
					'healthy',
				),
			};
		},
	);
	const calls = readCallOptions(this, options, itemIndex);
	return async (client) => {
		// calls are told apart by every line the webhook sees, office lines too, even when only cloud
		// lines are listed
		const seen = calls ? await readLinesToCheck(client, true) : undefined;
		const lines = seen
			? seen.filter((line) => includeOffice || String(line.TYPE) === 'cloud')
			: await readLinesToCheck(client, includeOffice);
		const since = calls ? new Date(Date.now() - calls.hours * 3_600_000) : undefined;
		// made together with the status calls, so that the client sends them in the same batch
		const [checks, defaultValue, connector, records] = await Promise.all([
			readRegistrations(client, lines),
			includeSummary || lines.length > 0 ? readDefaultOutgoingValue(client) : undefined,
			includeSummary ? client.call<IDataObject>('voximplant.sip.connector.status') : undefined,
			since ? readCalls(client, since) : undefined,
		]);
		const grouped = calls && seen && records ? groupCalls(records, seen) : undefined;
		const statsOf = checks.map(({ line }) =>
			calls && grouped ? lineCallStats(grouped, configIdOf(line), calls.hours) : undefined,
		);
		const healthOf = checks.map(({ registration }, index) => {
			const health = statusHealth(registration, pendingAs);
			const stats = statsOf[index];
			return stats ? withCallVerdict(health, stats, calls?.threshold) : health;
		});
		const items: IDataObject[] = checks
			.map(({ line }, index) => ({
				itemType: 'line',
				...lineIdentity(line),
				isDefaultOutgoing: defaultValue !== undefined && isDefaultOutgoingLine(line, defaultValue),
				...healthOf[index],
				...(statsOf[index] ? { calls: statsOf[index] } : {}),
			}))
			.filter((item) => !onlyUnhealthy || !item.healthy);
		// the calls no listed line carried: once, after the lines
		const unattributed =
			calls && grouped ? unattributedItem(grouped, calls.hours, calls.threshold) : undefined;
		if (unattributed && (!onlyUnhealthy || unattributed.healthy === false))
			items.push(unattributed);
		if (!includeSummary || defaultValue === undefined || !connector) return items;
		const known = seen
			? { lines: seen, cloud: true, office: true }
			: { lines, cloud: true, office: includeOffice };
		const resolved = await resolveDefaultOutgoing(client, defaultValue, known);
		const overall =
			calls && grouped
				? overallCalls(
						grouped,
						statsOf.filter((stats): stats is CallStats => stats !== undefined),
						calls,
					)
				: undefined;
		const summary = await summaryItem(
			client,
			checks,
			healthOf,
			resolved,
			readConnector(connector.result ?? {}),
			pendingAs,
			overall,
			via,
		);
		return [summary, ...items];
	};
}
