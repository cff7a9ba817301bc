import type { IDataObject } from 'n8n-workflow';

import type { DefaultOutgoing } from '../../shared/defaultOutgoing';
import { resolveDefaultOutgoing } from '../../shared/defaultOutgoing';
import type { LineIdentity } from '../../shared/lineIdentity';
import type { Registration, StatusHealth } from '../../shared/registration';
import { isHealthy, isPending, statusHealth } from '../../shared/registration';
import { lineIdentity, identityLabel } from '../../shared/lineIdentity';
import { readRegistration } from '../../shared/registrationCheck';
import type { DefaultOutgoingEvent, TriggerPendingAs, TriggerSettings } from '../changes';
import { anyChosen, DEFAULT_OUTGOING_EVENTS } from '../changes';
import type { EventFamily, Poll } from './family';
import type { SeenLines } from './lines';
import { seenHealth, seenIdentity } from './lines';
import type { Authentication } from '../../shared/transport/connection';
import { unseenBy } from '../../shared/transport/connection';

/**
 * The default outgoing line as remembered: its raw value and verdict (healthy when it is no SIP
 * line).
 */
export interface SeenDefaultOutgoing {
	value: string;
	healthy: boolean;
}

/** The default outgoing line as read in one poll. */
export interface DefaultOutgoingReading {
	resolved: DefaultOutgoing;
	/** the credential's kind, for naming a line it cannot see (webhook when not given) */
	via?: Authentication;
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
	if (line) return identityLabel(line);
	return `${reading.resolved.value} (a SIP line ${unseenBy(reading.via ?? 'webhook').who} cannot see)`;
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
		line = seenLine ? seenIdentity(configId, seenLine) : lineIdentity(resolved.line);
	}
	let current: StatusHealth | null = null;
	if (seenLine) current = seenHealth(seenLine);
	else if (reading.registration !== undefined)
		current = { ...statusHealth(reading.registration, 'healthy'), healthy: seen.healthy };
	const previous = configId !== undefined ? seenHealth(beforeLines?.[configId]) : null;
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
 * same line keeps failing; a healthy reading re-arms it.
 */
export function defaultOutgoingChanges(
	before: SeenDefaultOutgoing,
	now: SeenDefaultOutgoing,
	reading: DefaultOutgoingReading,
	lines: SeenLines,
	beforeLines: SeenLines | undefined,
	settings: TriggerSettings,
	detectedAt: string,
): IDataObject[] {
	if (now.healthy || !settings.events.has('defaultOutgoingUnhealthy')) return [];
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

/**
 * The lines as this poll sees them: the line family is judged first whenever this one is chosen.
 */
function linesNow(poll: Poll): SeenLines {
	if (!poll.after.lines) throw new Error('The default outgoing line is judged after the lines');
	return poll.after.lines;
}

/** The default outgoing line, judged by the same verdict as its line. */
export const defaultOutgoingFamily: EventFamily<DefaultOutgoingReading, 'defaultOutgoing'> = {
	key: 'defaultOutgoing',
	chosen: (settings) => anyChosen(settings, DEFAULT_OUTGOING_EVENTS),
	read: async (portal) => {
		const [lines, value] = await Promise.all([portal.lines(), portal.defaultOutgoingValue()]);
		// resolve only once the other reads are in: a failed one ends the poll before more is sent
		await portal.followingReads();
		const resolved = await resolveDefaultOutgoing(portal.client, value, {
			lines,
			cloud: true,
			office: true,
		});
		// Bitrix24 does not filter voximplant.sip.status: an unseen cloud line's registration can be
		// read
		const registration =
			resolved.kind === 'unknownSipLine' && resolved.regId !== null
				? await readRegistration(portal.client, { TYPE: 'cloud', REG_ID: resolved.regId })
				: undefined;
		return { resolved, registration, via: portal.client.authentication };
	},
	state: (reading, poll) =>
		seeDefaultOutgoing(
			reading,
			linesNow(poll),
			poll.before?.defaultOutgoing,
			poll.settings.pendingAs,
		),
	changes: (before, now, poll, reading) =>
		defaultOutgoingChanges(
			before,
			now,
			reading,
			linesNow(poll),
			poll.before?.lines,
			poll.settings,
			poll.detectedAt,
		),
	current: (now, poll, reading) => [
		currentDefaultOutgoingItem(reading, now, linesNow(poll), poll.detectedAt),
	],
};
