const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whole calendar days from today (UTC) to a date such as "2027-01-31", "2027-01-31T00:00:00+03:00"
 * or "31.01.2027"; negative once it has passed, undefined when the text is not a date.
 */
export function daysUntil(dateText: unknown, now: Date): number | undefined {
	if (typeof dateText !== 'string') return undefined;
	const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(dateText.trim());
	const dotted = /^(\d{2})\.(\d{2})\.(\d{4})/.exec(dateText.trim());
	let end: number;
	if (iso) end = Date.UTC(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]));
	else if (dotted) end = Date.UTC(Number(dotted[3]), Number(dotted[2]) - 1, Number(dotted[1]));
	else return undefined;
	if (!Number.isFinite(end)) return undefined;
	const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
	return Math.round((end - today) / DAY_MS);
}
