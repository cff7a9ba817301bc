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
