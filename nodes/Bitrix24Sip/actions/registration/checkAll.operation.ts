import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { DefaultOutgoing } from '../../../shared/defaultOutgoing';
import {
	defaultOutgoingIdentity,
	defaultOutgoingRegistration,
	describeDefaultOutgoing,
	isDefaultOutgoingLine,
	readDefaultOutgoingValue,
	resolveDefaultOutgoing,
} from '../../../shared/defaultOutgoing';
import type { ConnectorReading, LineCheck, PendingAs, StatusHealth } from '../../../shared/health';
import {
	connectorWords,
	daysUntil,
	isPending,
	lineIdentity,
	lineLabel,
	readConnector,
	readLinesToCheck,
	readRegistrations,
	statusHealth,
} from '../../../shared/health';
import type { Bitrix24Client } from '../../../shared/transport/client';
import type { ItemRun } from '../types';

export const pendingAsOption: INodeProperties = {
	displayName: 'Treat Pending Registrations As',
	name: 'pendingAs',
	type: 'options',
	options: [
		{ name: 'Healthy', value: 'healthy', description: 'A line that is still registering is not reported' },
		{ name: 'Unhealthy', value: 'unhealthy', description: 'A line counts as healthy only once it is registered' },
	],
	default: 'healthy',
	description: 'How to count a registration whose status is "in_progress" or "wait"',
};

const properties: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Include Office Lines',
				name: 'includeOffice',
				type: 'boolean',
				default: false,
				description:
					'Whether to list office PBX lines too. They have no registration to check (the office PBX connects to Bitrix24), so they show hasRegistration false and count as healthy.',
			},
			{
				displayName: 'Only Unhealthy Lines',
				name: 'onlyUnhealthy',
				type: 'boolean',
				default: false,
				description: 'Whether to output only the lines whose registration is failing, e.g. to send an alert for each',
			},
			{
				displayName: 'Include Portal Summary',
				name: 'includeSummary',
				type: 'boolean',
				default: false,
				description:
					'Whether to output one summary item first (itemType "summary"): how many lines are healthy, the default outgoing line and whether it works, and the SIP connector\'s free minutes and paid period. Only Unhealthy Lines never drops it.',
			},
			pendingAsOption,
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['registration'], operation: ['checkAll'] } }, properties);

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

function defaultWords(resolved: DefaultOutgoing, health: StatusHealth | null): string {
	if (resolved.kind === 'none') return 'Default outgoing line: no SIP default (LINK_BASE_NUMBER)';
	if (resolved.kind === 'rentedNumber') return `Default outgoing line: the number ${resolved.value}, not a SIP line`;
	const name = resolved.line ? lineLabel(lineIdentity(resolved.line)) : `${resolved.value}, a SIP line this webhook cannot see`;
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
): Promise<IDataObject> {
	const lines: LineCounts = {
		total: checks.length,
		healthy: healthOf.filter((health) => health.healthy).length,
		unhealthy: healthOf.filter((health) => !health.healthy).length,
		pending: checks.filter((check) => isPending(check.registration)).length,
	};
	const registration = await defaultOutgoingRegistration(client, resolved, checks);
	const health = registration === undefined ? null : statusHealth(registration, pendingAs);
	const now = new Date();
	const sentence = [
		`${plural(lines.total, 'line')}: ${lines.healthy} healthy, ${lines.unhealthy} unhealthy${lines.pending > 0 ? `, ${lines.pending} still registering` : ''}`,
		defaultWords(resolved, health),
		connectorWords(connector, now),
	].join('. ');
	return {
		itemType: 'summary',
		summary: `${sentence}.`,
		lines,
		defaultOutgoing: {
			value: resolved.value,
			kind: resolved.kind,
			...defaultOutgoingIdentity(resolved),
			description: describeDefaultOutgoing(resolved),
			healthy: health ? health.healthy : null,
			summary: health ? health.summary : null,
		},
		connector: { ...connector, daysLeft: connector.PAID ? (daysUntil(connector.PAID_DATE_END, now) ?? null) : null },
	};
}

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const includeOffice = options.includeOffice === true;
	const onlyUnhealthy = options.onlyUnhealthy === true;
	const includeSummary = options.includeSummary === true;
	const pendingAs: PendingAs = options.pendingAs === 'unhealthy' ? 'unhealthy' : 'healthy';
	return async (client) => {
		const lines = await readLinesToCheck(client, includeOffice);
		// made together with the status calls, so that the client sends them in the same batch
		const [checks, defaultValue, connector] = await Promise.all([
			readRegistrations(client, lines),
			includeSummary || lines.length > 0 ? readDefaultOutgoingValue(client) : undefined,
			includeSummary ? client.call<IDataObject>('voximplant.sip.connector.status') : undefined,
		]);
		const healthOf = checks.map(({ registration }) => statusHealth(registration, pendingAs));
		const items: IDataObject[] = checks
			.map(({ line }, index) => ({
				itemType: 'line',
				...lineIdentity(line),
				isDefaultOutgoing: defaultValue !== undefined && isDefaultOutgoingLine(line, defaultValue),
				...healthOf[index],
			}))
			.filter((item) => !onlyUnhealthy || !item.healthy);
		if (!includeSummary || defaultValue === undefined || !connector) return items;
		const resolved = await resolveDefaultOutgoing(client, defaultValue, { lines, cloud: true, office: includeOffice });
		const summary = await summaryItem(client, checks, healthOf, resolved, readConnector(connector.result ?? {}), pendingAs);
		return [summary, ...items];
	};
}
