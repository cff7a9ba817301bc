import type { IDataObject } from 'n8n-workflow';

import type { CallStats } from '../../shared/calls/callRates';
import {
	failureReasonWords,
	groupCalls,
	isOverThreshold,
	lineCallStats,
	windowWords,
} from '../../shared/calls/callRates';
import type { CallRecord } from '../../shared/calls/statistics';
import type { LineIdentity } from '../../shared/lineIdentity';
import { lineIdentity, identityLabel } from '../../shared/lineIdentity';
import type { CallEvent, TriggerSettings } from '../changes';
import { anyChosen, byConfigId, CALL_EVENTS } from '../changes';
import type { EventFamily } from './family';

/** The calls of one line in the window, with the line as the poll read it. */
export interface LineCalls {
	line: LineIdentity;
	calls: CallStats;
}

/**
 * Per line (CONFIG_ID), whether its calls were over the threshold when last seen: a failing line is
 * reported once.
 */
export type SeenCallsFailing = Record<string, boolean>;

/** Each line's calls in the window, by CONFIG_ID; a line without calls has zero counts. */
export function callsByLine(
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
	const label = identityLabel(line);
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

/**
 * Lines whose calls fail too often within the chosen hours; the calls need only the list of lines.
 */
export const callsFamily: EventFamily<Record<string, LineCalls>, 'callsFailing'> = {
	key: 'callsFailing',
	chosen: (settings) => anyChosen(settings, CALL_EVENTS),
	read: async (portal, settings) => {
		const hours = settings.callWindowHours;
		const [rows, records] = await Promise.all([portal.lines(), portal.calls(hours)]);
		return callsByLine(rows, records, hours);
	},
	state: (lines, poll) => seeCallsFailing(lines, poll.settings.callFailureRateAbove),
	changes: (before, now, poll, lines) =>
		callsFailingChanges(before, now, lines, poll.settings, poll.detectedAt),
	current: (_now, poll, lines) => currentCallsItems(lines, poll.settings, poll.detectedAt),
};
