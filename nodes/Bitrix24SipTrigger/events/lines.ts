import type { IDataObject } from 'n8n-workflow';

import type { LineCheck } from '../../shared/registrationCheck';
import type { LineIdentity } from '../../shared/lineIdentity';
import type { Registration, StatusHealth } from '../../shared/registration';
import { isHealthy, isPending, statusHealth } from '../../shared/registration';
import { lineIdentity, identityLabel } from '../../shared/lineIdentity';
import type { LineEvent, TriggerEvent, TriggerPendingAs, TriggerSettings } from '../changes';
import { anyChosen, byConfigId, DEFAULT_OUTGOING_EVENTS, LINE_EVENTS } from '../changes';
import type { EventFamily } from './family';

/**
 * A line as remembered between polls: what the items of a later change need, never its passwords.
 */
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

/** The lines by CONFIG_ID. */
export type SeenLines = Record<string, SeenLine>;

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

/** A remembered line's status as an item shows it, with the verdict the trigger reached. */
export function seenHealth(seen: SeenLine | undefined): StatusHealth | null {
	if (!seen) return null;
	return { ...statusHealth(seen.registration, 'healthy'), healthy: seen.healthy };
}

/** The identity part of an item, from a remembered line. */
export function seenIdentity(configId: string, seen: SeenLine): LineIdentity {
	const { TITLE, TYPE, SERVER, LOGIN, REG_ID } = seen;
	return { CONFIG_ID: Number(configId), TITLE, TYPE, SERVER, LOGIN, REG_ID };
}

interface LineItemInput {
	event: TriggerEvent | 'currentState';
	configId: string;
	/** the line as it is now, or as it was last seen when it is gone */
	line: SeenLine;
	before?: SeenLine;
	after?: SeenLine;
}

function lineItem(input: LineItemInput, detectedAt: string): IDataObject {
	const line = seenIdentity(input.configId, input.line);
	const previous = seenHealth(input.before);
	const current = seenHealth(input.after);
	const label = identityLabel(line);
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

/**
 * Lines added, removed, and their registrations. The lines are also read and remembered for the
 * default outgoing line, whose verdict is its line's; they are shown only for line events.
 */
export const lineFamily: EventFamily<LineCheck[], 'lines'> = {
	key: 'lines',
	chosen: (settings) =>
		anyChosen(settings, LINE_EVENTS) || anyChosen(settings, DEFAULT_OUTGOING_EVENTS),
	read: (portal) => portal.registrations(),
	state: (checks, poll) => seeLines(checks, poll.before?.lines, poll.settings.pendingAs),
	changes: (before, now, poll) => lineChanges(before, now, poll.settings, poll.detectedAt),
	current: (now, poll) =>
		anyChosen(poll.settings, LINE_EVENTS) ? currentLineItems(now, poll.detectedAt) : [],
};
