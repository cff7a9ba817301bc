import type { IDataObject } from 'n8n-workflow';

import type { LineCheck, LineIdentity, PendingAs, Registration, StatusHealth } from '../shared/health';
import { daysUntil, isHealthy, lineIdentity, lineLabel, statusHealth } from '../shared/health';

export const LINE_EVENTS = ['lineAdded', 'lineRemoved', 'registrationChanged', 'lineUnhealthy', 'lineRecovered'] as const;
export const CONNECTOR_EVENTS = ['connectorMinutesLow', 'connectorPaidEnding'] as const;

export type LineEvent = (typeof LINE_EVENTS)[number];
export type ConnectorEvent = (typeof CONNECTOR_EVENTS)[number];
export type TriggerEvent = LineEvent | ConnectorEvent;

/** The trigger may also leave the verdict of a line unchanged while its registration is pending. */
export type TriggerPendingAs = PendingAs | 'unchanged';

export interface TriggerSettings {
	events: Set<TriggerEvent>;
	pendingAs: TriggerPendingAs;
	/** connectorMinutesLow fires when FREE_MINUTES drops below this */
	minutesThreshold: number;
	/** connectorPaidEnding fires when the paid period ends within this many days */
	paidWithinDays: number;
}

/** A line as remembered between polls: what the items of a later change need, never its passwords. */
export interface SeenLine {
	TITLE: string;
	TYPE: string;
	SERVER: string;
	LOGIN: string;
	REG_ID: number | null;
	registration: Registration;
	/** the verdict when last seen; kept while a registration is pending if so configured */
	healthy: boolean;
}

export type SeenLines = Record<string, SeenLine>;

export interface ConnectorReading {
	FREE_MINUTES: number | null;
	PAID: boolean;
	PAID_DATE_END: string | null;
}

/** The connector as remembered, with what was already reported so that each alert fires once. */
export interface SeenConnector extends ConnectorReading {
	minutesLowReported: boolean;
	/** the PAID_DATE_END whose approach was reported; a renewal brings a new date and re-arms */
	paidEndingReportedFor: string | null;
}

function isPending(registration: Registration): boolean {
	return typeof registration === 'object' && registration !== null && ['in_progress', 'wait'].includes(registration.STATUS_RESULT);
}

/**
 * The lines as seen now, each with its verdict. With "unchanged", a pending registration keeps
 * the verdict it had, so that error → in_progress → error is not reported as a recovery; a new
 * line that is still pending counts as healthy.
 */
export function seeLines(checks: LineCheck[], before: SeenLines | undefined, pendingAs: TriggerPendingAs): SeenLines {
	const seen: SeenLines = {};
	for (const { line, registration } of checks) {
		const { CONFIG_ID: configId, TITLE, TYPE, SERVER, LOGIN, REG_ID } = lineIdentity(line);
		const id = String(configId);
		const healthy =
			pendingAs === 'unchanged'
				? isPending(registration)
					? (before?.[id]?.healthy ?? true)
					: isHealthy(registration, 'healthy')
				: isHealthy(registration, pendingAs);
		seen[id] = { TITLE, TYPE, SERVER, LOGIN, REG_ID, registration, healthy };
	}
	return seen;
}

export function readConnector(result: IDataObject): ConnectorReading {
	const minutes = Number(result.FREE_MINUTES);
	return {
		FREE_MINUTES: result.FREE_MINUTES === undefined || result.FREE_MINUTES === null || !Number.isFinite(minutes) ? null : minutes,
		PAID: result.PAID === true || result.PAID === 'Y' || result.PAID === 1 || result.PAID === '1',
		PAID_DATE_END: typeof result.PAID_DATE_END === 'string' && result.PAID_DATE_END !== '' ? result.PAID_DATE_END : null,
	};
}

function statusKey(registration: Registration): string {
	if (registration === null) return 'none';
	if (registration === 'missing') return 'missing';
	return `${registration.STATUS_RESULT}:${registration.STATUS_CODE ?? ''}`;
}

function statusWords(registration: Registration): string {
	if (registration === null) return 'no registration';
	if (registration === 'missing') return 'missing';
	const { STATUS_RESULT: result, STATUS_CODE: code } = registration;
	return result === 'error' && code !== null ? `error (SIP ${code})` : result;
}

interface LineItemInput {
	event: TriggerEvent | 'currentState';
	configId: string;
	/** the line as it is now, or as it was last seen when it is gone */
	line: SeenLine;
	before?: SeenLine;
	after?: SeenLine;
}

function health(seen: SeenLine | undefined): StatusHealth | null {
	if (!seen) return null;
	return { ...statusHealth(seen.registration, 'healthy'), healthy: seen.healthy };
}

function lineItem(input: LineItemInput, detectedAt: string): IDataObject {
	const { TITLE, TYPE, SERVER, LOGIN, REG_ID } = input.line;
	const line: LineIdentity = { CONFIG_ID: Number(input.configId), TITLE, TYPE, SERVER, LOGIN, REG_ID };
	const previous = health(input.before);
	const current = health(input.after);
	const label = lineLabel(line);
	let message: string;
	switch (input.event) {
		case 'lineAdded':
			message = `Line ${label} was added: ${line.TYPE} PBX at ${line.SERVER}`;
			break;
		case 'lineRemoved':
			message = `Line ${label} was removed`;
			break;
		case 'registrationChanged':
			message = `The registration of line ${label} changed from ${statusWords(input.before?.registration ?? null)} to ${statusWords(input.after?.registration ?? null)}: ${current?.summary ?? ''}`;
			break;
		case 'lineUnhealthy':
			message = `Line ${label} became unhealthy: ${current?.summary ?? ''}`;
			break;
		case 'lineRecovered':
			message = `Line ${label} recovered: ${current?.summary ?? ''}`;
			break;
		default:
			message = `Line ${label}: ${current?.summary ?? ''}`;
	}
	return { event: input.event, message, line, previous, current, detectedAt };
}

function byConfigId(a: string, b: string): number {
	return Number(a) - Number(b);
}

/** One item per change and chosen event, in the order of the line ids. */
export function lineChanges(
	before: SeenLines,
	after: SeenLines,
	settings: TriggerSettings,
	detectedAt: string,
): IDataObject[] {
	const { events } = settings;
	const items: IDataObject[] = [];
	const ids = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(byConfigId);
	for (const configId of ids) {
		const old = before[configId] as SeenLine | undefined;
		const now = after[configId] as SeenLine | undefined;
		const emit = (event: LineEvent) => {
			const line = now ?? old;
			if (line && events.has(event)) items.push(lineItem({ event, configId, line, before: old, after: now }, detectedAt));
		};
		if (!now) {
			emit('lineRemoved');
			continue;
		}
		if (!old) {
			emit('lineAdded');
			// nothing was known about a new line: a failing one is news worth an alert
			if (!now.healthy) emit('lineUnhealthy');
			continue;
		}
		if (statusKey(old.registration) !== statusKey(now.registration)) emit('registrationChanged');
		if (old.healthy && !now.healthy) emit('lineUnhealthy');
		if (!old.healthy && now.healthy) emit('lineRecovered');
	}
	return items;
}

export function currentLineItems(lines: SeenLines, detectedAt: string): IDataObject[] {
	return Object.keys(lines)
		.sort(byConfigId)
		.map((configId) => lineItem({ event: 'currentState', configId, line: lines[configId], after: lines[configId] }, detectedAt));
}

function connectorItem(
	event: ConnectorEvent | 'currentState',
	message: string,
	current: ConnectorReading,
	previous: ConnectorReading | undefined,
	now: Date,
): IDataObject {
	const daysLeft = current.PAID ? (daysUntil(current.PAID_DATE_END, now) ?? null) : null;
	return {
		event,
		message,
		connector: { ...current, daysLeft },
		previous: previous
			? { FREE_MINUTES: previous.FREE_MINUTES, PAID: previous.PAID, PAID_DATE_END: previous.PAID_DATE_END }
			: null,
		detectedAt: now.toISOString(),
	};
}

function paidEndWords(days: number, date: string): string {
	if (days < 0) return `ended on ${date}`;
	if (days === 0) return `ends today (${date})`;
	return `ends in ${days} day${days === 1 ? '' : 's'}, on ${date}`;
}

interface ConnectorOutcome {
	items: IDataObject[];
	seen: SeenConnector;
}

/**
 * Compares the connector with what was seen before. Each alert fires once when its condition
 * starts to hold and re-arms when it stops; without a previous reading it only remembers.
 */
export function connectorChanges(
	before: SeenConnector | undefined,
	current: ConnectorReading,
	settings: TriggerSettings,
	now: Date,
): ConnectorOutcome {
	const { events, minutesThreshold, paidWithinDays } = settings;
	const items: IDataObject[] = [];
	const low = current.FREE_MINUTES !== null && current.FREE_MINUTES < minutesThreshold;
	const daysLeft = current.PAID ? daysUntil(current.PAID_DATE_END, now) : undefined;
	const ending = daysLeft !== undefined && daysLeft <= paidWithinDays;
	if (before && low && !before.minutesLowReported && events.has('connectorMinutesLow')) {
		items.push(
			connectorItem(
				'connectorMinutesLow',
				`The SIP connector has ${current.FREE_MINUTES} free minutes left, below the threshold of ${minutesThreshold}`,
				current,
				before,
				now,
			),
		);
	}
	if (before && ending && before.paidEndingReportedFor !== current.PAID_DATE_END && events.has('connectorPaidEnding')) {
		items.push(
			connectorItem(
				'connectorPaidEnding',
				`The paid period of the SIP connector ${paidEndWords(daysLeft, current.PAID_DATE_END ?? '')}`,
				current,
				before,
				now,
			),
		);
	}
	return {
		items,
		seen: {
			...current,
			minutesLowReported: low,
			paidEndingReportedFor: ending ? current.PAID_DATE_END : null,
		},
	};
}

export function currentConnectorItem(current: ConnectorReading, now: Date): IDataObject {
	const days = current.PAID ? daysUntil(current.PAID_DATE_END, now) : undefined;
	const paid = current.PAID
		? days !== undefined && current.PAID_DATE_END
			? `paid period ${paidEndWords(days, current.PAID_DATE_END)}`
			: 'paid'
		: 'not paid';
	const minutes = current.FREE_MINUTES === null ? 'free minutes unknown' : `${current.FREE_MINUTES} free minutes`;
	return connectorItem('currentState', `SIP connector: ${minutes}, ${paid}`, current, undefined, now);
}
