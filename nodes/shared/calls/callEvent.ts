import type { FormObject } from './formBody';
import { objectField, textField } from './formBody';
import { integerField, unixSecondsToIso } from './formValues';

/**
 * A telephony event as a Bitrix24 outgoing webhook delivers it
 * (docs/bitrix24-behaviour.md#call-events): which event, its
 * call data and where it came from. `auth` (the application token among it) is read field by
 * field and never copied. callItem.ts turns a delivery into the workflow's item.
 */

export const CALL_EVENTS = {
	ONVOXIMPLANTCALLEND: 'callEnd',
	ONVOXIMPLANTCALLSTART: 'callStart',
	ONVOXIMPLANTCALLINIT: 'callInit',
} as const;

export type CallEventName = keyof typeof CALL_EVENTS;
export type CallEventKind = (typeof CALL_EVENTS)[CallEventName];

export function isCallEventName(value: string): value is CallEventName {
	return Object.prototype.hasOwnProperty.call(CALL_EVENTS, value);
}

export interface Delivery {
	event: CallEventName;
	data: FormObject;
	/** `ts`: when Bitrix24 sent it */
	sentAt: string | null;
	eventHandlerId: number | null;
	/** `auth[domain]`: the portal's address */
	portal: string | null;
}

export type DeliveryReading = { ok: true; delivery: Delivery } | { ok: false; reason: string };

/** Text of the sender's that goes into an answer: short, one line. */
function quoted(value: string): string {
	const flat = value.replace(/\s+/g, ' ');
	return JSON.stringify(flat.length > 60 ? `${flat.slice(0, 60)}…` : flat);
}

/** The parts of an authenticated delivery, or why it is not a call event this trigger can read. */
export function readDelivery(body: FormObject): DeliveryReading {
	const rawEvent = textField(body, 'event');
	if (rawEvent === undefined || rawEvent.trim() === '') {
		return { ok: false, reason: 'The request names no event (field "event")' };
	}
	const event = rawEvent.trim().toUpperCase();
	if (!isCallEventName(event)) {
		return {
			ok: false,
			reason: `The event ${quoted(rawEvent)} is not a call event this trigger reads (${Object.keys(CALL_EVENTS).join(', ')})`,
		};
	}
	const data = objectField(body, 'data');
	if (data === undefined)
		return { ok: false, reason: `The ${event} request carries no call data (fields "data[…]")` };
	const auth = objectField(body, 'auth');
	const domain = textField(auth, 'domain');
	return {
		ok: true,
		delivery: {
			event,
			data,
			sentAt: unixSecondsToIso(textField(body, 'ts')),
			eventHandlerId: integerField(body, 'event_handler_id'),
			portal: domain === undefined || domain.trim() === '' ? null : domain.trim(),
		},
	};
}
