import type { IDataObject } from 'n8n-workflow';

import { configIdOf } from '../line';
import type { SearchIdKind } from '../searchId';
import { resolveSearchId } from '../searchId';
import { describeFailureCode, isFailedCall } from './failureCodes';
import type { CallRecord } from './statistics';

/*
 * Failure rates of calls, grouped by the line that carried them. Pure: the rows come from
 * statistics.ts, the lines from voximplant.sip.get. A call belongs to a line by its PORTAL_NUMBER
 * (the line's search id, searchId.ts); a call whose PORTAL_NUMBER names no line the webhook sees
 * is counted apart, never guessed onto a line.
 */

/** How many of the most frequent failure codes are named. */
export const TOP_FAILURES = 3;

/** The longest window the options accept: 30 days. */
export const MAX_CALL_WINDOW_HOURS = 720;

export interface FailureCount extends IDataObject {
	/** CALL_FAILED_CODE as the portal stores it: `486`, `603-S`, `OTHER` */
	code: string;
	/** the code in plain words, e.g. "busy" */
	meaning: string;
	count: number;
}

/** The calls of one line (or of a group of calls) in the window. */
export interface CallStats extends IDataObject {
	hours: number;
	total: number;
	failed: number;
	/** percent of the calls that failed, one decimal; null without calls */
	failureRate: number | null;
	/** up to three failure codes, the most frequent first */
	topFailures: FailureCount[];
	/** the numbers in one sentence for a person */
	summary: string;
}

/** Percent with one decimal (7 of 10 → 70, 1 of 3 → 33.3); null when there is nothing to divide. */
export function failureRate(failed: number, total: number): number | null {
	if (total <= 0) return null;
	return Math.round((failed * 1000) / total) / 10;
}

/** "the last hour", "the last 24 h". */
export function windowWords(hours: number): string {
	return hours === 1 ? 'the last hour' : `the last ${hours} h`;
}

function topFailures(records: CallRecord[]): FailureCount[] {
	const counts = new Map<string, number>();
	for (const record of records) {
		if (isFailedCall(record.CALL_FAILED_CODE))
			counts.set(record.CALL_FAILED_CODE, (counts.get(record.CALL_FAILED_CODE) ?? 0) + 1);
	}
	return [...counts.entries()]
		.sort(([codeA, countA], [codeB, countB]) => countB - countA || codeA.localeCompare(codeB))
		.slice(0, TOP_FAILURES)
		.map(([code, count]) => ({ code, meaning: describeFailureCode(code), count }));
}

/** "mostly busy", "mostly busy (also declined, invalid number)". */
export function failureReasonWords(top: FailureCount[]): string {
	if (top.length === 0) return '';
	const [first, ...rest] = top;
	return `mostly ${first.meaning}${rest.length > 0 ? ` (also ${rest.map((failure) => failure.meaning).join(', ')})` : ''}`;
}

function percentWords(rate: number | null): string {
	return rate === null ? '' : `${rate}%`;
}

/**
 * "7 of 10 calls failed in the last 24 h (70%): mostly insufficient funds on the provider balance",
 * "10 calls in the last 24 h, none failed", "No calls in the last 24 h".
 */
export function callsWords(
	stats: Pick<CallStats, 'hours' | 'total' | 'failed' | 'failureRate' | 'topFailures'>,
): string {
	const window = windowWords(stats.hours);
	if (stats.total === 0) return `No calls in ${window}`;
	const calls = `${stats.total} call${stats.total === 1 ? '' : 's'}`;
	if (stats.failed === 0) return `${calls} in ${window}, none failed`;
	const reasons = failureReasonWords(stats.topFailures);
	return `${stats.failed} of ${calls} failed in ${window} (${percentWords(stats.failureRate)})${reasons ? `: ${reasons}` : ''}`;
}

/**
 * Counts, failure rate and the most frequent failures of these calls. A call failed unless its code
 * is "200".
 */
export function callStats(records: CallRecord[], hours: number): CallStats {
	const total = records.length;
	const failed = records.filter((record) => isFailedCall(record.CALL_FAILED_CODE)).length;
	const counts = {
		hours,
		total,
		failed,
		failureRate: failureRate(failed, total),
		topFailures: topFailures(records),
	};
	return { ...counts, summary: callsWords(counts) };
}

/**
 * Whether the failure rate is strictly above the threshold; never without calls or without a
 * threshold.
 */
export function isOverThreshold(
	stats: Pick<CallStats, 'failureRate'>,
	threshold: number | undefined,
): boolean {
	return threshold !== undefined && stats.failureRate !== null && stats.failureRate > threshold;
}

/** One PORTAL_NUMBER that names no line the webhook sees, with its calls. */
export interface UnattributedNumber extends IDataObject {
	PORTAL_NUMBER: string;
	kind: Exclude<SearchIdKind, 'sipLine'>;
	total: number;
	failed: number;
}

export interface GroupedCalls {
	/** every call read */
	all: CallRecord[];
	/** the calls of each line the webhook sees, by CONFIG_ID */
	byLine: Map<number, CallRecord[]>;
	/** the calls no seen line carried */
	unattributed: CallRecord[];
	/** those calls by PORTAL_NUMBER, the most calls first */
	byPortalNumber: UnattributedNumber[];
}

/**
 * Sorts the calls onto the lines. `lines` should be every line the webhook sees, cloud and
 * office, even when only some are reported: a call of an unlisted office line is then known to
 * be that line's, not taken for a call of some unknown line.
 */
export function groupCalls(records: CallRecord[], lines: IDataObject[]): GroupedCalls {
	const byLine = new Map<number, CallRecord[]>();
	const unattributed: CallRecord[] = [];
	const numbers = new Map<string, UnattributedNumber>();
	// thousands of calls share a few PORTAL_NUMBER values: resolve each value once
	const resolved = new Map<string, ReturnType<typeof resolveSearchId>>();
	for (const record of records) {
		let target = resolved.get(record.PORTAL_NUMBER);
		if (!target) {
			target = resolveSearchId(record.PORTAL_NUMBER, lines);
			resolved.set(record.PORTAL_NUMBER, target);
		}
		if (target.kind === 'sipLine' && target.line) {
			const configId = configIdOf(target.line);
			const own = byLine.get(configId);
			if (own) own.push(record);
			else byLine.set(configId, [record]);
			continue;
		}
		unattributed.push(record);
		const entry = numbers.get(target.value) ?? {
			PORTAL_NUMBER: target.value,
			kind: target.kind as UnattributedNumber['kind'],
			total: 0,
			failed: 0,
		};
		entry.total++;
		if (isFailedCall(record.CALL_FAILED_CODE)) entry.failed++;
		numbers.set(target.value, entry);
	}
	const byPortalNumber = [...numbers.values()].sort(
		(a, b) => b.total - a.total || a.PORTAL_NUMBER.localeCompare(b.PORTAL_NUMBER),
	);
	return { all: records, byLine, unattributed, byPortalNumber };
}

/** The calls of one line; a line without calls gets zero counts. */
export function lineCallStats(grouped: GroupedCalls, configId: number, hours: number): CallStats {
	return callStats(grouped.byLine.get(configId) ?? [], hours);
}

export const UNATTRIBUTED_NOTE =
	'These calls carry a PORTAL_NUMBER that names no SIP line this webhook sees, so they are not counted on any line. A number is either a number rented in Bitrix24 or the number a SIP line with "detect line number" (DETECT_LINE_NUMBER) read from the SIP headers of an incoming call: which line carried such a call cannot be told. REST_APP:<id> is a call of a REST telephony application; reg…/sip… is a SIP line made by an OAuth application, or one deleted since.';

/**
 * The one item for the calls no seen line carried; undefined when there are none. Over the
 * threshold it is unhealthy, like a line, so that "only unhealthy" keeps it then and only then.
 */
export function unattributedItem(
	grouped: GroupedCalls,
	hours: number,
	threshold: number | undefined,
): IDataObject | undefined {
	if (grouped.unattributed.length === 0) return undefined;
	const stats = callStats(grouped.unattributed, hours);
	return {
		itemType: 'unattributedCalls',
		hours,
		total: stats.total,
		failed: stats.failed,
		failureRate: stats.failureRate,
		topFailures: stats.topFailures,
		byPortalNumber: grouped.byPortalNumber,
		healthy: !isOverThreshold(stats, threshold),
		summary: `Calls not on a SIP line this webhook sees: ${lowerFirst(stats.summary)}`,
		note: UNATTRIBUTED_NOTE,
	};
}

function lowerFirst(words: string): string {
	return words.startsWith('No ') ? `no ${words.slice(3)}` : words;
}

/**
 * A line's verdict with its calls: over the threshold a line is unhealthy whatever its
 * registration, and the summary says why ("Registered, but 7 of 10 calls failed …").
 */
export function withCallVerdict<T extends { healthy: boolean; summary: string }>(
	health: T,
	stats: CallStats,
	threshold: number | undefined,
): T {
	if (!isOverThreshold(stats, threshold)) return health;
	const joint = health.healthy ? ', but ' : '; also ';
	return { ...health, healthy: false, summary: `${health.summary}${joint}${stats.summary}` };
}
