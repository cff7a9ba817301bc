import type { IDataObject } from 'n8n-workflow';

/**
 * A SIP line as the code reasons about it, read once from a row of voximplant.sip.get (or the
 * answer of voximplant.sip.add). Bitrix24 sends ids as strings from `get` and as numbers from
 * `add`; here they are numbers, so a comparison never depends on which method answered. Output
 * items keep the row itself (see lines.ts, normaliseLine): this model is for deciding, not for
 * showing, and it never holds a password.
 */
export interface Line {
	/** the line's id; NaN when the row has none (never a line the portal answered) */
	configId: number;
	/** a cloud line's registration id; null for an office line or a cloud line without one */
	regId: number | null;
	/** `cloud` or `office` as the portal wrote it (other text is kept, never guessed) */
	type: string;
	title: string;
	server: string;
	login: string;
}

function text(value: unknown): string {
	return value === null || value === undefined ? '' : String(value);
}

/** A positive whole id, or null: Bitrix24 writes a missing REG_ID as "", 0 or null. */
function positiveId(value: unknown): number | null {
	if (value === null || value === undefined || value === '') return null;
	const id = Number(value);
	return Number.isSafeInteger(id) && id > 0 ? id : null;
}

export function readLine(row: IDataObject): Line {
	return {
		configId: configIdOf(row),
		regId: positiveId(row.REG_ID),
		type: text(row.TYPE),
		title: text(row.TITLE),
		server: text(row.SERVER),
		login: text(row.LOGIN),
	};
}

/** The id of a row, as a number (NaN when it has none). */
export function configIdOf(row: IDataObject): number {
	return Number(row.CONFIG_ID);
}

/** A title as the portal compares titles: trimmed, without regard to case. */
export function titleKey(title: unknown): string {
	return text(title).trim().toLowerCase();
}

export function sameTitle(a: unknown, b: unknown): boolean {
	return titleKey(a) === titleKey(b);
}

/** How Bitrix24 itself names a line: `"Title" (5)`, or `Cloud PBX (5)` when it has no title. */
export function lineLabel(line: Pick<Line, 'configId' | 'title' | 'type'>): string {
	if (line.title.trim() !== '') return `"${line.title}" (${line.configId})`;
	return `${line.type === 'office' ? 'Office' : 'Cloud'} PBX (${line.configId})`;
}

/**
 * A row as the portal answered it (what outputs show) with the line read from it (what decides).
 */
export interface LineRow {
	line: Line;
	row: IDataObject;
}

export function readLineRow(row: IDataObject): LineRow {
	return { line: readLine(row), row };
}
