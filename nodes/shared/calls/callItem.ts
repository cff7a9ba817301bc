import type { IDataObject } from 'n8n-workflow';

import type { Delivery } from './callEvent';
import { CALL_EVENTS } from './callEvent';
import type { CallLine, LineKnowledge } from './callLine';
import { callLineLabel, callLineOf } from './callLine';
import type { FormObject } from './formBody';
import {
	callResultOf,
	callTypeOf,
	decimalField,
	filledTextField,
	integerField,
	nullableTextField,
	portalDateField,
} from './formValues';

/**
 * The item a call event starts the workflow with: Bitrix24's field names for the call's data,
 * typed, the failure code in words, the line the call went through and a message that says it all
 * in one sentence. `auth` (the application token among it) is never copied.
 */

/** "outgoing call to +4930…" / "incoming call from +4930…" */
function callPhrase(callType: string, phone: string | null): string {
	const who = phone === null || phone.trim() === '' ? 'an unknown number' : phone;
	switch (callType) {
		case 'outgoing':
			return `Outgoing call to ${who}`;
		case 'callback':
			return `Callback to ${who}`;
		case 'infocall':
			return `Info call to ${who}`;
		case 'incoming':
			return `Incoming call from ${who}`;
		case 'incomingRedirected':
			return `Redirected incoming call from ${who}`;
		default:
			return `Call with ${who}`;
	}
}

function common(delivery: Delivery): IDataObject {
	return {
		sentAt: delivery.sentAt,
		eventHandlerId: delivery.eventHandlerId,
		portal: delivery.portal,
	};
}

function callEndItem(delivery: Delivery, line: CallLine): IDataObject {
	const { data } = delivery;
	const { CALL_TYPE, callType } = callTypeOf(data);
	const { code, failed, failure } = callResultOf(data);
	const phone = nullableTextField(data, 'PHONE_NUMBER');
	const duration = integerField(data, 'CALL_DURATION');
	const phrase = `${callPhrase(callType, phone)} on ${callLineLabel(line)}`;
	return {
		event: CALL_EVENTS.ONVOXIMPLANTCALLEND,
		message: failed
			? `${phrase} failed: ${failure ?? ''}${code ? ` (${code})` : ''}`
			: `${phrase} succeeded${duration !== null ? ` (${duration} s)` : ''}`,
		CALL_ID: nullableTextField(data, 'CALL_ID'),
		CALL_TYPE,
		callType,
		PHONE_NUMBER: phone,
		PORTAL_NUMBER: nullableTextField(data, 'PORTAL_NUMBER'),
		PORTAL_USER_ID: integerField(data, 'PORTAL_USER_ID'),
		CALL_DURATION: duration,
		CALL_START_DATE: portalDateField(data, 'CALL_START_DATE'),
		CALL_START_DATE_PORTAL: nullableTextField(data, 'CALL_START_DATE'),
		COST: decimalField(data, 'COST'),
		COST_CURRENCY: nullableTextField(data, 'COST_CURRENCY'),
		CALL_FAILED_CODE: code,
		CALL_FAILED_REASON: nullableTextField(data, 'CALL_FAILED_REASON'),
		failed,
		failure,
		CRM_ACTIVITY_ID: integerField(data, 'CRM_ACTIVITY_ID'),
		line: { ...line },
		...common(delivery),
	};
}

const INCOMING_AT_INIT = new Set([2, 3]);
const OUTGOING_AT_INIT = new Set([1, 4, 5]);

/**
 * The other party's number at Call Init. The portal fills PHONE_NUMBER and CALLER_ID by direction
 * (docs/bitrix24-behaviour.md#call-init): incoming, PHONE_NUMBER is the line's search id and
 * CALLER_ID the caller; outgoing,
 * CALLER_ID is the line and PHONE_NUMBER the number dialled. A REST application's call carries the
 * client as CALLER_ID only, whatever its type. Without a known type the party is the field that is
 * not the line.
 */
function initOtherParty(data: FormObject, type: number | null): string | null {
	const account = filledTextField(data, 'ACCOUNT_SEARCH_ID');
	const phone = filledTextField(data, 'PHONE_NUMBER');
	const caller = filledTextField(data, 'CALLER_ID');
	if (account === null && integerField(data, 'REST_APP_ID') !== null) return caller;
	if (type !== null && INCOMING_AT_INIT.has(type)) return caller;
	if (type !== null && OUTGOING_AT_INIT.has(type)) return phone;
	if (account !== null && phone === account) return caller;
	if (account !== null && caller === account) return phone;
	return null;
}

function callInitItem(delivery: Delivery, line: CallLine): IDataObject {
	const { data } = delivery;
	const { CALL_TYPE, callType } = callTypeOf(data);
	const otherParty = initOtherParty(data, CALL_TYPE);
	return {
		event: CALL_EVENTS.ONVOXIMPLANTCALLINIT,
		message: `${callPhrase(callType, otherParty)} started on ${callLineLabel(line)}`,
		CALL_ID: nullableTextField(data, 'CALL_ID'),
		CALL_TYPE,
		callType,
		ACCOUNT_SEARCH_ID: nullableTextField(data, 'ACCOUNT_SEARCH_ID'),
		PHONE_NUMBER: nullableTextField(data, 'PHONE_NUMBER'),
		CALLER_ID: nullableTextField(data, 'CALLER_ID'),
		otherPartyNumber: otherParty,
		REST_APP_ID: integerField(data, 'REST_APP_ID'),
		line: { ...line },
		...common(delivery),
	};
}

function callStartItem(delivery: Delivery, line: CallLine): IDataObject {
	const { data } = delivery;
	const callId = nullableTextField(data, 'CALL_ID');
	const userId = integerField(data, 'USER_ID');
	return {
		event: CALL_EVENTS.ONVOXIMPLANTCALLSTART,
		message: `Call ${callId ?? '(no CALL_ID)'} was answered${userId !== null ? ` by user ${userId}` : ''}`,
		CALL_ID: callId,
		USER_ID: userId,
		line: { ...line },
		...common(delivery),
	};
}

/** One item for one delivery. */
export function buildCallItem(delivery: Delivery, knowledge: LineKnowledge): IDataObject {
	const line = callLineOf(delivery, knowledge);
	if (delivery.event === 'ONVOXIMPLANTCALLSTART') return callStartItem(delivery, line);
	if (delivery.event === 'ONVOXIMPLANTCALLINIT') return callInitItem(delivery, line);
	return callEndItem(delivery, line);
}
