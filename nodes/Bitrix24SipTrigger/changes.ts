import type { IDataObject } from 'n8n-workflow';

import type { CallStats } from '../shared/calls/callRates';
import { failureReasonWords, isOverThreshold, windowWords } from '../shared/calls/callRates';
import type { DefaultOutgoing } from '../shared/defaultOutgoing';
import type {
	ConnectorReading,
	LineCheck,
	LineIdentity,
	PendingAs,
	Registration,
	StatusHealth,
} from '../shared/health';
import {
	connectorWords,
	daysUntil,
	isHealthy,
	isPending,
	lineIdentity,
	lineLabel,
	paidEndWords,
	statusHealth,
} from '../shared/health';

export type { ConnectorReading } from '../shared/health';

export const LINE_EVENTS = [
	'lineAdded',
	'lineRemoved',
	'registrationChanged',
	'lineUnhealthy',
	'lineRecovered',
] as const;
export const CONNECTOR_EVENTS = ['connectorMinutesLow', 'connectorPaidEnding'] as const;
export const DEFAULT_OUTGOING_EVENTS = ['defaultOutgoingUnhealthy'] as const;
export const CALL_EVENTS = ['lineCallsFailing'] as const;

export type LineEvent = (typeof LINE_EVENTS)[number];
export type ConnectorEvent = (typeof CONNECTOR_EVENTS)[number];
export type DefaultOutgoingEvent = (typeof DEFAULT_OUTGOING_EVENTS)[number];
export type CallEvent = (typeof CALL_EVENTS)[number];
export type TriggerEvent = LineEvent | ConnectorEvent | DefaultOutgoingEvent | CallEvent;

/** Every event the trigger handles: the poll reads and compares by these groups. */
export const TRIGGER_EVENTS: readonly TriggerEvent[] = [
	...LINE_EVENTS,
	...CONNECTOR_EVENTS,
	...DEFAULT_OUTGOING_EVENTS,
	...CALL_EVENTS,
];

export function isTriggerEvent(value: string): value is TriggerEvent {
	return (TRIGGER_EVENTS as readonly string[]).includes(value);
}

/** The trigger may also leave the verdict of a line unchanged while its registration is pending. */
export type TriggerPendingAs = PendingAs | 'unchanged';

export interface TriggerSettings {
	events: Set<TriggerEvent>;
	pendingAs: TriggerPendingAs;
	/** connectorMinutesLow fires when FREE_MINUTES drops below this */
	minutesThreshold: number;
	/** connectorPaidEnding fires when the paid period ends within this many days */
	paidWithinDays: number;
	/** lineCallsFailing judges the calls of this many hours */
	callWindowHours: number;
	/** lineCallsFailing fires when a line's failure rate (percent) is above this */
	callFailureRateAbove: number;
	/** the first poll outputs the current state instead of only remembering it */
	emitOnFirstRun: boolean;
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

/** The connector as remembered, with what was already reported so that each alert fires once. */
export interface SeenConnector extends ConnectorReading {
	minutesLowReported: boolean;
	/** the PAID_DATE_END whose approach was reported; a renewal brings a new date and re-arms */
	paidEndingReportedFor: string | null;
}

/**
 * The lines as seen now, each with its verdict. With "unchanged", a pending registration keeps
 * the verdict it had, so that error → in_progress → error is not reported as a recovery; a new
 * line that is still pending counts as healthy.
 */
export function seeLines(
	checks: LineCheck[],
	before: SeenLines | undefined,
	pendingAs: TriggerPendingAs,
): SeenLines {
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
	const line: LineIdentity = {
		CONFIG_ID: Number(input.configId),
		TITLE,
		TYPE,
		SERVER,
		LOGIN,
		REG_ID,
	};
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
			if (line && events.has(event))
				items.push(lineItem({ event, configId, line, before: old, after: now }, detectedAt));
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
		.map((configId) =>
			lineItem(
				{ event: 'currentState', configId, line: lines[configId], after: lines[configId] },
				detectedAt,
			),
		);
}

/** The default outgoing line as remembered: its raw value and verdict (healthy when it is no SIP line). */
export interface SeenDefaultOutgoing {
	value: string;
	healthy: boolean;
}

/** The default outgoing line as read in one poll. */
export interface DefaultOutgoingReading {
	resolved: DefaultOutgoing;
	/** the registration of a cloud line the webhook cannot see, read by its REG_ID */
	registration?: Registration;
}

function defaultLineId(reading: DefaultOutgoingReading): string | undefined {
	return reading.resolved.line ? String(lineIdentity(reading.resolved.line).CONFIG_ID) : undefined;
}

/**
 * The verdict on the default line, by the rules the lines follow: a visible line's is its own
 * verdict (pending handling included); an unseen cloud line's comes from its registration. A
 * default that is no SIP line, or an unseen office line, has nothing to alert about.
 */
export function seeDefaultOutgoing(
	reading: DefaultOutgoingReading,
	lines: SeenLines,
	before: SeenDefaultOutgoing | undefined,
	pendingAs: TriggerPendingAs,
): SeenDefaultOutgoing {
	const { value } = reading.resolved;
	const configId = defaultLineId(reading);
	if (configId !== undefined) return { value, healthy: lines[configId]?.healthy ?? true };
	const registration = reading.registration;
	if (registration === undefined) return { value, healthy: true };
	if (pendingAs !== 'unchanged') return { value, healthy: isHealthy(registration, pendingAs) };
	if (!isPending(registration)) return { value, healthy: isHealthy(registration, 'healthy') };
	return { value, healthy: before?.value === value ? before.healthy : true };
}

function defaultName(reading: DefaultOutgoingReading, line: LineIdentity | null): string {
	if (line) return lineLabel(line);
	return `${reading.resolved.value} (a SIP line this webhook cannot see)`;
}

function defaultOutgoingItem(
	event: DefaultOutgoingEvent | 'currentState',
	reading: DefaultOutgoingReading,
	seen: SeenDefaultOutgoing,
	lines: SeenLines,
	beforeLines: SeenLines | undefined,
	previousValue: string | null,
	detectedAt: string,
): IDataObject {
	const { resolved } = reading;
	const configId = defaultLineId(reading);
	const seenLine = configId !== undefined ? lines[configId] : undefined;
	let line: LineIdentity | null = null;
	if (configId !== undefined && resolved.line) {
		line = seenLine
			? {
					CONFIG_ID: Number(configId),
					TITLE: seenLine.TITLE,
					TYPE: seenLine.TYPE,
					SERVER: seenLine.SERVER,
					LOGIN: seenLine.LOGIN,
					REG_ID: seenLine.REG_ID,
				}
			: lineIdentity(resolved.line);
	}
	let current: StatusHealth | null = null;
	if (seenLine) current = health(seenLine);
	else if (reading.registration !== undefined)
		current = { ...statusHealth(reading.registration, 'healthy'), healthy: seen.healthy };
	const previous = configId !== undefined ? health(beforeLines?.[configId]) : null;
	const name = defaultName(reading, line);
	let message: string;
	if (event === 'defaultOutgoingUnhealthy') {
		message =
			previousValue !== null && previousValue !== resolved.value
				? `The default outgoing line is now ${name}, which is unhealthy: ${current?.summary ?? ''}`
				: `The default outgoing line ${name} became unhealthy: ${current?.summary ?? ''}`;
	} else if (resolved.kind === 'none') {
		message = 'Default outgoing line: no SIP default (LINK_BASE_NUMBER)';
	} else if (resolved.kind === 'number') {
		message = `Default outgoing line: the number ${resolved.value}, not a SIP line`;
	} else if (resolved.kind === 'restApp') {
		message = `Default outgoing line: a REST telephony application (${resolved.value}), not a SIP line`;
	} else {
		message = `Default outgoing line ${name}: ${current?.summary ?? 'health unknown'}`;
	}
	return {
		event,
		message,
		defaultOutgoing: { value: resolved.value, kind: resolved.kind, previousValue },
		line,
		previous,
		current,
		detectedAt,
	};
}

/**
 * Fires when the default line is a SIP line that fails and either was healthy before or is another
 * line than before (the default moved to a failing line). Once reported it stays quiet while the
 * same line keeps failing; a healthy reading re-arms it. Without a previous reading it only remembers.
 */
export function defaultOutgoingChanges(
	before: SeenDefaultOutgoing | undefined,
	now: SeenDefaultOutgoing,
	reading: DefaultOutgoingReading,
	lines: SeenLines,
	beforeLines: SeenLines | undefined,
	settings: TriggerSettings,
	detectedAt: string,
): IDataObject[] {
	if (!before || now.healthy || !settings.events.has('defaultOutgoingUnhealthy')) return [];
	if (!before.healthy && before.value === now.value) return [];
	return [
		defaultOutgoingItem(
			'defaultOutgoingUnhealthy',
			reading,
			now,
			lines,
			beforeLines,
			before.value,
			detectedAt,
		),
	];
}

export function currentDefaultOutgoingItem(
	reading: DefaultOutgoingReading,
	seen: SeenDefaultOutgoing,
	lines: SeenLines,
	detectedAt: string,
): IDataObject {
	return defaultOutgoingItem('currentState', reading, seen, lines, undefined, null, detectedAt);
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
			? {
					FREE_MINUTES: previous.FREE_MINUTES,
					PAID: previous.PAID,
					PAID_DATE_END: previous.PAID_DATE_END,
				}
			: null,
		detectedAt: now.toISOString(),
	};
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
	if (
		before &&
		ending &&
		before.paidEndingReportedFor !== current.PAID_DATE_END &&
		events.has('connectorPaidEnding')
	) {
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
	return connectorItem('currentState', connectorWords(current, now), current, undefined, now);
}

/** The calls of one line in the window, with the line as the poll read it. */
export interface LineCalls {
	line: LineIdentity;
	calls: CallStats;
}

/** Per line (CONFIG_ID), whether its calls were over the threshold when last seen: a failing line is reported once. */
export type SeenCallsFailing = Record<string, boolean>;

/** Which lines' calls are over the threshold now; a line without calls is not. */
export function seeCallsFailing(
	lines: Record<string, LineCalls>,
	threshold: number,
): SeenCallsFailing {
	const seen: SeenCallsFailing = {};
	for (const [configId, { calls }] of Object.entries(lines))
		seen[configId] = isOverThreshold(calls, threshold);
	return seen;
}

function callsItem(
	event: CallEvent | 'currentState',
	{ line, calls }: LineCalls,
	settings: TriggerSettings,
	detectedAt: string,
): IDataObject {
	const label = lineLabel(line);
	const threshold = settings.callFailureRateAbove;
	let message: string;
	if (event === 'lineCallsFailing') {
		const reasons = failureReasonWords(calls.topFailures);
		message = `Calls on line ${label} are failing: ${calls.failed} of ${calls.total} call${calls.total === 1 ? '' : 's'} failed in ${windowWords(calls.hours)} (${calls.failureRate}%), above the threshold of ${threshold}%${reasons ? `: ${reasons}` : ''}`;
	} else {
		message = `Line ${label}: ${calls.summary}`;
	}
	return { event, message, line, calls, failureRateAbove: threshold, detectedAt };
}

/**
 * Fires for a line whose calls went over the threshold since the last poll (or a new line that is
 * over it already); it stays quiet while the line stays over, and re-arms once the line is at or
 * below the threshold or has no calls. A removed line is simply no longer remembered.
 */
export function callsFailingChanges(
	before: SeenCallsFailing,
	now: SeenCallsFailing,
	lines: Record<string, LineCalls>,
	settings: TriggerSettings,
	detectedAt: string,
): IDataObject[] {
	if (!settings.events.has('lineCallsFailing')) return [];
	return Object.keys(now)
		.sort(byConfigId)
		.filter((configId) => now[configId] && before[configId] !== true)
		.map((configId) => callsItem('lineCallsFailing', lines[configId], settings, detectedAt));
}

export function currentCallsItems(
	lines: Record<string, LineCalls>,
	settings: TriggerSettings,
	detectedAt: string,
): IDataObject[] {
	return Object.keys(lines)
		.sort(byConfigId)
		.map((configId) => callsItem('currentState', lines[configId], settings, detectedAt));
}
