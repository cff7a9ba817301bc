import type { IDataObject } from 'n8n-workflow';

import { configIdOf, sameTitle } from './line';
import type { Bitrix24Client } from './transport/client';
import { Bitrix24Error, LINE_NOT_FOUND_HINT } from './transport/errors';

// kept for the modules that import it from here; line.ts holds it
export { sameTitle };

/** voximplant.sip.get answers pages of this many lines. */
export const PAGE_SIZE = 50;

const ID_FIELDS = ['CONFIG_ID', 'REG_ID'];
const CODE_FIELDS = ['REGISTRATION_STATUS_CODE', 'STATUS_CODE'];
export const PASSWORD_FIELDS = ['PASSWORD', 'INCOMING_PASSWORD'];

function toNumberOrNull(value: unknown): unknown {
	if (value === null || value === undefined || value === '')
		return value === undefined ? undefined : null;
	const number = Number(value);
	return Number.isFinite(number) ? number : value;
}

/**
 * A line as the node outputs it. Bitrix24 returns ids as strings from `get` and as numbers from
 * `add`: they become numbers everywhere. `ID` (a row id only `add` returns, not the line's id) is
 * dropped, so that every operation outputs the same fields and CONFIG_ID is the one id to use.
 */
export function normaliseLine(line: IDataObject, includePasswords: boolean): IDataObject {
	const out: IDataObject = { ...line };
	delete out.ID;
	for (const field of [...ID_FIELDS, ...CODE_FIELDS]) {
		if (field in out) out[field] = toNumberOrNull(out[field]) as IDataObject[string];
	}
	if (!includePasswords) for (const field of PASSWORD_FIELDS) delete out[field];
	return out;
}

export function normaliseStatus(status: IDataObject): IDataObject {
	const out: IDataObject = { ...status };
	for (const field of ['REG_ID', 'STATUS_CODE']) {
		if (field in out) out[field] = toNumberOrNull(out[field]) as IDataObject[string];
	}
	return out;
}

export function lineNotFound(configId: number): Bitrix24Error {
	return new Bitrix24Error({
		kind: 'api',
		code: 'ERROR_NOT_FOUND',
		message: `SIP line ${configId} was not found`,
		httpStatus: 404,
		hint: LINE_NOT_FOUND_HINT,
		delivery: 'answered',
	});
}

/** Reads one line by its id; undefined when the portal shows no such line. */
export async function findLine(
	client: Bitrix24Client,
	configId: number,
): Promise<IDataObject | undefined> {
	const { result } = await client.call<IDataObject[]>('voximplant.sip.get', {
		FILTER: { CONFIG_ID: configId },
	});
	return Array.isArray(result) ? result.find((line) => configIdOf(line) === configId) : undefined;
}

/**
 * Reads the line that holds this title, compared as the portal does (trimmed, any case). The
 * filter asks for titles containing it, which the portal also matches without case; the exact
 * match is made here.
 */
export async function findLineByTitle(
	client: Bitrix24Client,
	title: string,
): Promise<IDataObject | undefined> {
	const lines = await fetchLines(client, { FILTER: { '%TITLE': title.trim() } });
	return lines.find((line) => sameTitle(line.TITLE, title));
}

function compareValues(field: string, a: IDataObject, b: IDataObject): number {
	if (field === 'CONFIG_ID' || field === 'REG_ID')
		return Number(a[field] ?? 0) - Number(b[field] ?? 0);
	return String(a[field] ?? '').localeCompare(String(b[field] ?? ''), undefined, {
		sensitivity: 'accent',
	});
}

/**
 * Reads up to `limit` lines (all when undefined) matching the query's FILTER, in the query's SORT
 * and ORDER. Pages are read by line id (`>CONFIG_ID` after the last one seen), not by offset:
 * a line deleted while the pages are read would shift an offset page and hide another line,
 * which a health check or the trigger would then report as removed
 * (docs/bitrix24-behaviour.md#paging-by-offset-can-skip-a-line).
 */
export async function fetchLines(
	client: Bitrix24Client,
	query: IDataObject,
	limit?: number,
): Promise<IDataObject[]> {
	const filter = (query.FILTER as IDataObject | undefined) ?? {};
	const sortField = typeof query.SORT === 'string' ? query.SORT : 'CONFIG_ID';
	const descending = String(query.ORDER ?? 'ASC').toUpperCase() === 'DESC';
	// in id order, the first `limit` lines are known before every page is read
	const inIdOrder = sortField === 'CONFIG_ID' && !descending;
	const lines: IDataObject[] = [];
	const seen = new Set<string>();
	let after = 0;
	for (;;) {
		const pageFilter: IDataObject = after > 0 ? { ...filter, '>CONFIG_ID': after } : { ...filter };
		const page = await client.call<IDataObject[]>('voximplant.sip.get', {
			...(Object.keys(pageFilter).length > 0 ? { FILTER: pageFilter } : {}),
			SORT: 'CONFIG_ID',
			ORDER: 'ASC',
		});
		const rows = Array.isArray(page.result) ? page.result : [];
		let last = after;
		for (const row of rows) {
			const id = configIdOf(row);
			if (Number.isFinite(id)) last = Math.max(last, id);
			if (seen.has(String(row.CONFIG_ID))) continue;
			seen.add(String(row.CONFIG_ID));
			lines.push(row);
		}
		const more = page.next !== undefined && rows.length > 0 && last > after;
		if (!more || (inIdOrder && limit !== undefined && lines.length >= limit)) break;
		after = last;
	}
	if (!inIdOrder) {
		lines.sort(
			(a, b) =>
				compareValues(sortField, a, b) * (descending ? -1 : 1) || compareValues('CONFIG_ID', a, b),
		);
	}
	return limit === undefined ? lines : lines.slice(0, limit);
}
