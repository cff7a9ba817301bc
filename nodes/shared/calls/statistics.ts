import type { IDataObject } from 'n8n-workflow';

import type { Envelope } from '../transport/answer';
import type { Bitrix24Client } from '../transport/client';
import { Bitrix24Error } from '../transport/errors';
import { normaliseFailureCode } from './failureCodes';

/*
 * Reading the portal's call history with voximplant.statistic.get
 * (docs/bitrix24-behaviour.md#call-history).
 *
 * - The filter holds `>=CALL_START_DATE` only: the server silently drops keys it does not know,
 *   so every extra key would be a way to read more than asked without noticing. The date carries
 *   an explicit offset, as the server reads a date without one in the user's time zone.
 * - Rows are sorted by ID: a call is written when it ends and gets the next ID, so calls that end
 *   while the pages are read append at the end and the offsets of the pages already counted stay
 *   put. The first page tells the total; every other page is then asked for at once, so that the
 *   client sends them together as batches.
 * - Were the filter dropped anyway, rows from before the window are left out here.
 */

/** voximplant.statistic.get answers pages of this many rows; `start` is the offset. */
export const STATISTIC_PAGE_SIZE = 50;

export const STATISTIC_METHOD = 'voximplant.statistic.get';

/** The fields of a statistics row that the rates need. */
export interface CallRecord {
	ID: string;
	/**
	 * the line's search id: `reg<REG_ID>`, an office line's INCOMING_LOGIN, a number, `REST_APP:<id>`
	 */
	PORTAL_NUMBER: string;
	CALL_FAILED_CODE: string;
	CALL_START_DATE: string | null;
}

/**
 * A moment as the filter wants it: ISO 8601 in UTC with an explicit `+00:00`, e.g.
 * `2026-11-24T04:00:00+00:00`.
 */
export function statisticDate(moment: Date): string {
	return `${moment.toISOString().slice(0, 19)}+00:00`;
}

// only a date with an offset (or Z) names a moment; one without would be read in some time zone
const DATE_WITH_OFFSET =
	/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})$/i;

/** The moment of a CALL_START_DATE with an offset; undefined for anything else. */
export function readStartDate(value: unknown): number | undefined {
	if (typeof value !== 'string') return undefined;
	const match = DATE_WITH_OFFSET.exec(value.trim());
	if (!match) return undefined;
	const offset =
		match[2].toUpperCase() === 'Z' ? 'Z' : match[2].replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
	const moment = Date.parse(`${match[1]}${offset}`);
	return Number.isFinite(moment) ? moment : undefined;
}

function text(value: unknown): string {
	return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

/**
 * The rows of all pages, once each (by ID), in the order read, without rows that started before the
 * window. A row whose date cannot be read is kept: the server filtered it, only a dropped filter
 * is guarded against here.
 */
export function collectCalls(pages: Array<Envelope<unknown>>, since: Date): CallRecord[] {
	const from = since.getTime();
	const seen = new Set<string>();
	const records: CallRecord[] = [];
	for (const page of pages) {
		const rows = Array.isArray(page.result) ? (page.result as unknown[]) : [];
		for (const row of rows) {
			if (typeof row !== 'object' || row === null) continue;
			const fields = row as IDataObject;
			const id = text(fields.ID);
			if (id === '' || seen.has(id)) continue;
			seen.add(id);
			const started = readStartDate(fields.CALL_START_DATE);
			if (started !== undefined && started < from) continue;
			records.push({
				ID: id,
				PORTAL_NUMBER: text(fields.PORTAL_NUMBER),
				CALL_FAILED_CODE: normaliseFailureCode(fields.CALL_FAILED_CODE),
				CALL_START_DATE: typeof fields.CALL_START_DATE === 'string' ? fields.CALL_START_DATE : null,
			});
		}
	}
	return records;
}

export const STATISTICS_PERMISSION_MESSAGE =
	'Bitrix24 denied access to the call statistics: the webhook\'s user lacks the "Call statistics" permission';

export const STATISTICS_PERMISSION_HINT =
	'Give the user who created the webhook the telephony permission "Call statistics" → View, set to "Any" (Telephony → Access permissions). This is not the line permission "Manage numbers". A level below "Any" does not fail: Bitrix24 then silently returns only the calls of the users that level allows, so the counts come out too low.';

/**
 * ACCESS_DENIED from voximplant.statistic.get is the statistics permission
 * (docs/bitrix24-behaviour.md#call-statistics-permission), not the
 * line permission the transport names for every other telephony method; a closed subscription
 * keeps its own words.
 */
export function explainStatisticsError(error: unknown): unknown {
	if (
		!(error instanceof Bitrix24Error) ||
		error.code !== 'ACCESS_DENIED' ||
		error.reason === 'restNeedsSubscription'
	) {
		return error;
	}
	return error.with({ message: STATISTICS_PERMISSION_MESSAGE, hint: STATISTICS_PERMISSION_HINT });
}

/**
 * Reads every call that started at `since` or later. One page first, for the total; then the rest
 * at once. Without a total, the pages are followed by `next`, one after another.
 */
export async function readCalls(client: Bitrix24Client, since: Date): Promise<CallRecord[]> {
	const filter: IDataObject = { '>=CALL_START_DATE': statisticDate(since) };
	// `start` must be lower case: the server upper-cases the other keys, not this one
	// (docs/bitrix24-behaviour.md#call-history)
	const page = async (start: number) =>
		await client.call<unknown>(STATISTIC_METHOD, {
			FILTER: filter,
			SORT: 'ID',
			ORDER: 'ASC',
			start,
		});
	try {
		const first = await page(0);
		const pages: Array<Envelope<unknown>> = [first];
		if (first.total !== undefined) {
			const starts: number[] = [];
			for (let start = STATISTIC_PAGE_SIZE; start < first.total; start += STATISTIC_PAGE_SIZE)
				starts.push(start);
			pages.push(...(await Promise.all(starts.map(page))));
		} else {
			let last = first;
			let at = 0;
			// a `next` that does not move on, or an empty page, ends the chain: no endless loop
			while (
				last.next !== undefined &&
				last.next > at &&
				Array.isArray(last.result) &&
				last.result.length > 0
			) {
				at = last.next;
				last = await page(at);
				pages.push(last);
			}
		}
		return collectCalls(pages, since);
	} catch (error) {
		throw explainStatisticsError(error);
	}
}
