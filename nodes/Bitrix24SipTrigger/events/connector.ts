import type { IDataObject } from 'n8n-workflow';

import type { ConnectorReading } from '../../shared/connector';
import { connectorWords, paidEndWords, readConnector } from '../../shared/connector';
import { daysUntil } from '../../shared/dates';
import type { ConnectorEvent, TriggerSettings } from '../changes';
import { anyChosen, CONNECTOR_EVENTS } from '../changes';
import type { EventFamily } from './family';

/** The connector as remembered, with what was already reported so that each alert fires once. */
export interface SeenConnector extends ConnectorReading {
	minutesLowReported: boolean;
	/** the PAID_DATE_END whose approach was reported; a renewal brings a new date and re-arms */
	paidEndingReportedFor: string | null;
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

/** Which alerts hold for this reading: the free minutes are low, the paid period ends soon. */
interface Alerts {
	low: boolean;
	/** the days left of a paid period that ends within the chosen days; undefined otherwise */
	endingIn: number | undefined;
}

function alerts(current: ConnectorReading, settings: TriggerSettings, now: Date): Alerts {
	const low = current.FREE_MINUTES !== null && current.FREE_MINUTES < settings.minutesThreshold;
	const daysLeft = current.PAID ? daysUntil(current.PAID_DATE_END, now) : undefined;
	const ending = daysLeft !== undefined && daysLeft <= settings.paidWithinDays;
	return { low, endingIn: ending ? daysLeft : undefined };
}

/** The connector with the alerts that hold now marked as reported. */
export function seeConnector(
	current: ConnectorReading,
	settings: TriggerSettings,
	now: Date,
): SeenConnector {
	const { low, endingIn } = alerts(current, settings, now);
	return {
		...current,
		minutesLowReported: low,
		paidEndingReportedFor: endingIn !== undefined ? current.PAID_DATE_END : null,
	};
}

/**
 * Compares the connector with what was seen before. Each alert fires once when its condition
 * starts to hold and re-arms when it stops.
 */
export function connectorChanges(
	before: SeenConnector,
	current: ConnectorReading,
	settings: TriggerSettings,
	now: Date,
): IDataObject[] {
	const { events, minutesThreshold } = settings;
	const { low, endingIn } = alerts(current, settings, now);
	const items: IDataObject[] = [];
	if (low && !before.minutesLowReported && events.has('connectorMinutesLow')) {
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
		endingIn !== undefined &&
		before.paidEndingReportedFor !== current.PAID_DATE_END &&
		events.has('connectorPaidEnding')
	) {
		items.push(
			connectorItem(
				'connectorPaidEnding',
				`The paid period of the SIP connector ${paidEndWords(endingIn, current.PAID_DATE_END ?? '')}`,
				current,
				before,
				now,
			),
		);
	}
	return items;
}

export function currentConnectorItem(current: ConnectorReading, now: Date): IDataObject {
	return connectorItem('currentState', connectorWords(current, now), current, undefined, now);
}

/** The SIP connector's free minutes and paid period. */
export const connectorFamily: EventFamily<ConnectorReading, 'connector'> = {
	key: 'connector',
	chosen: (settings) => anyChosen(settings, CONNECTOR_EVENTS),
	read: async (portal) => readConnector(await portal.connector()),
	state: (current, poll) => seeConnector(current, poll.settings, poll.now),
	changes: (before, _now, poll, current) =>
		connectorChanges(before, current, poll.settings, poll.now),
	current: (_now, poll, current) => [currentConnectorItem(current, poll.now)],
};
