import type { OperatingState } from './limits';

/** The sandbox portal lives in Moscow time, as many Bitrix24 portals do. */
const PORTAL_OFFSET_MINUTES = 180;

function portalParts(ms: number): { date: string; time: string } {
	const iso = new Date(ms + PORTAL_OFFSET_MINUTES * 60_000).toISOString();
	return { date: iso.slice(0, 10), time: iso.slice(11, 19) };
}

function offsetText(): string {
	const sign = PORTAL_OFFSET_MINUTES >= 0 ? '+' : '-';
	const abs = Math.abs(PORTAL_OFFSET_MINUTES);
	return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** "2026-03-16T12:42:08+03:00", as in `time.date_start`. */
export function portalIsoDate(ms: number): string {
	const { date, time } = portalParts(ms);
	return `${date}T${time}${offsetText()}`;
}

/** "2026-03-12 09:10:51", as in `LAST_UPDATED`. */
export function portalDateTime(ms: number): string {
	const { date, time } = portalParts(ms);
	return `${date} ${time}`;
}

export interface TimeInfo {
	start: number;
	finish: number;
	duration: number;
	processing: number;
	date_start: string;
	date_finish: string;
	/** Only while the operating-time limiter is active for the method; a client must cope without. */
	operating_reset_at?: number;
	operating?: number;
}

/** `operating` is left out when the limiter is not active for the method. */
export function timeInfo(startMs: number, finishMs: number, operating?: OperatingState): TimeInfo {
	const seconds = (ms: number): number => Math.round(ms * 1000) / 1e6;
	return {
		start: seconds(startMs),
		finish: seconds(finishMs),
		duration: seconds(finishMs - startMs),
		processing: seconds(finishMs - startMs),
		date_start: portalIsoDate(startMs),
		date_finish: portalIsoDate(finishMs),
		...(operating && operating.resetAt !== null ? { operating_reset_at: operating.resetAt } : {}),
		...(operating ? { operating: operating.operating } : {}),
	};
}

/** Epoch ms of a wall-clock time read in the portal's time zone (a value without an offset). */
function fromPortalWallClock(
	y: number,
	mo: number,
	d: number,
	h: number,
	mi: number,
	s: number,
): number {
	// Date.UTC rolls over like PHP does (Feb 30 is Mar 2), so no day-of-month check is needed.
	return Date.UTC(y, mo - 1, d, h, mi, s) - PORTAL_OFFSET_MINUTES * 60_000;
}

const ZONE = String.raw`(?:\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?`;
const TIME = String.raw`(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?`;
const ISO = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})${TIME}${ZONE}$`, 'i');
/** 11.03.2026 (the site format) and 03/11/2026 (US order, as strtotime reads slashes). */
const DOTTED = new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4})${TIME}${ZONE}$`, 'i');
const SLASHED = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${TIME}${ZONE}$`, 'i');

function zoneMinutes(zone: string | undefined): number | undefined {
	if (zone === undefined) return undefined;
	if (/^(z|utc|gmt)$/i.test(zone)) return 0;
	const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
	if (!match) return undefined;
	const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
	return match[1] === '-' ? -minutes : minutes;
}

/**
 * PHP's strtotime for the forms a REST client sends, returning ms or null where PHP returns false.
 * A value with an offset (or Z) is that instant; one without is read in the portal's time zone, as
 * the server shifts it by the user's offset. A subset: relative phrases other than now / today /
 * yesterday / tomorrow count as unparseable.
 */
export function phpStrToTime(text: string, nowMs: number): number | null {
	const value = text.trim();
	const unix = /^@(-?\d+)$/.exec(value);
	if (unix) return Number(unix[1]) * 1000;
	const word = value.toLowerCase();
	if (word === 'now') return Math.floor(nowMs / 1000) * 1000;
	const days: Record<string, number> = { today: 0, midnight: 0, yesterday: -1, tomorrow: 1 };
	if (word in days) {
		const { date } = portalParts(nowMs);
		const [y, mo, d] = date.split('-').map(Number);
		return fromPortalWallClock(y, mo, d + days[word], 0, 0, 0);
	}
	let parts: string[] | null = null;
	let match = ISO.exec(value);
	if (match) parts = [match[1], match[2], match[3], ...match.slice(4)];
	else if ((match = DOTTED.exec(value))) parts = [match[3], match[2], match[1], ...match.slice(4)];
	else if ((match = SLASHED.exec(value))) parts = [match[3], match[1], match[2], ...match.slice(4)];
	if (!parts) return null;
	const [y, mo, d, h, mi, s] = parts.slice(0, 6).map((p) => (p === undefined ? 0 : Number(p)));
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
	const zone = parts[6];
	if (zone === undefined) return fromPortalWallClock(y, mo, d, h, mi, s);
	const offset = zoneMinutes(zone);
	if (offset === undefined) return null;
	return Date.UTC(y, mo - 1, d, h, mi, s) - offset * 60_000;
}
