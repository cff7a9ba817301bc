import type { PendingAs } from '../shared/registration';

/*
 * The events the trigger can emit, and the settings they are judged by. Each family of events
 * reads, remembers and compares on its own: see events/.
 */

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

/** Whether any of these events was chosen. */
export function anyChosen(settings: TriggerSettings, events: readonly TriggerEvent[]): boolean {
	return events.some((event) => settings.events.has(event));
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

/** Line ids (the keys of the remembered lines) in numeric order: items follow it. */
export function byConfigId(a: string, b: string): number {
	return Number(a) - Number(b);
}
