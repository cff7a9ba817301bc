import type { IDataObject } from 'n8n-workflow';

import { daysUntil } from './dates';

/** voximplant.sip.connector.status, read the same way wherever it is shown. */
export interface ConnectorReading {
	FREE_MINUTES: number | null;
	PAID: boolean;
	PAID_DATE_END: string | null;
}

export function readConnector(result: IDataObject): ConnectorReading {
	const minutes = Number(result.FREE_MINUTES);
	return {
		FREE_MINUTES:
			result.FREE_MINUTES === undefined || result.FREE_MINUTES === null || !Number.isFinite(minutes)
				? null
				: minutes,
		PAID: result.PAID === true || result.PAID === 'Y' || result.PAID === 1 || result.PAID === '1',
		PAID_DATE_END:
			typeof result.PAID_DATE_END === 'string' && result.PAID_DATE_END !== ''
				? result.PAID_DATE_END
				: null,
	};
}

/** "ends in 5 days, on 2027-01-31", "ends today (…)", "ended on …". */
export function paidEndWords(days: number, date: string): string {
	if (days < 0) return `ended on ${date}`;
	if (days === 0) return `ends today (${date})`;
	return `ends in ${days} day${days === 1 ? '' : 's'}, on ${date}`;
}

/** "SIP connector: 42 free minutes, not paid" — the connector in one line for a person. */
export function connectorWords(connector: ConnectorReading, now: Date): string {
	const days = connector.PAID ? daysUntil(connector.PAID_DATE_END, now) : undefined;
	const paid = connector.PAID
		? days !== undefined && connector.PAID_DATE_END
			? `paid period ${paidEndWords(days, connector.PAID_DATE_END)}`
			: 'paid'
		: 'not paid';
	const minutes =
		connector.FREE_MINUTES === null
			? 'free minutes unknown'
			: `${connector.FREE_MINUTES} free minutes`;
	return `SIP connector: ${minutes}, ${paid}`;
}
