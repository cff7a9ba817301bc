import type { CallEventName, Delivery } from '../../../nodes/shared/calls/callEvent';
import { buildCallItem } from '../../../nodes/shared/calls/callItem';
import type { LineKnowledge } from '../../../nodes/shared/calls/callLine';
import type { FormObject } from '../../../nodes/shared/calls/formBody';

const lines: LineKnowledge = {
	lines: [{ CONFIG_ID: '5', TYPE: 'cloud', TITLE: 'Trunk', REG_ID: '1' }],
};
const noLookup: LineKnowledge = { lines: null };

function delivery(event: CallEventName, data: Record<string, string>): Delivery {
	return {
		event,
		data: Object.assign(Object.create(null) as FormObject, data),
		sentAt: '2026-03-11T14:28:46.000Z',
		eventHandlerId: 3,
		portal: 'portal.bitrix24.com',
	};
}

describe('the message of a call', () => {
	it.each<[string, Delivery, LineKnowledge, string]>([
		[
			'a successful outgoing call end on a looked-up line',
			delivery('ONVOXIMPLANTCALLEND', {
				CALL_TYPE: '1',
				PHONE_NUMBER: '+4930123',
				PORTAL_NUMBER: 'reg1',
				CALL_FAILED_CODE: '200',
				CALL_DURATION: '42',
			}),
			lines,
			'Outgoing call to +4930123 on line "Trunk" succeeded (42 s)',
		],
		[
			'a successful call end without a duration',
			delivery('ONVOXIMPLANTCALLEND', {
				CALL_TYPE: '2',
				PHONE_NUMBER: '+4930123',
				PORTAL_NUMBER: 'reg1',
				CALL_FAILED_CODE: '200',
			}),
			noLookup,
			'Incoming call from +4930123 on line reg1 succeeded',
		],
		[
			'a failed callback',
			delivery('ONVOXIMPLANTCALLEND', {
				CALL_TYPE: '4',
				PHONE_NUMBER: '+4930123',
				PORTAL_NUMBER: '+74951112233',
				CALL_FAILED_CODE: '486',
			}),
			noLookup,
			'Callback to +4930123 on +74951112233 (line not identified) failed: busy (486)',
		],
		[
			'a call end without a code, type or number',
			delivery('ONVOXIMPLANTCALLEND', { PHONE_NUMBER: ' ' }),
			noLookup,
			'Call with an unknown number on an unidentified line failed: no result code',
		],
		[
			'a redirected incoming call',
			delivery('ONVOXIMPLANTCALLEND', {
				CALL_TYPE: '3',
				PHONE_NUMBER: '+4930123',
				PORTAL_NUMBER: 'reg1',
				CALL_FAILED_CODE: '304',
			}),
			lines,
			'Redirected incoming call from +4930123 on line "Trunk" failed: missed (nobody answered) (304)',
		],
		[
			'an info call',
			delivery('ONVOXIMPLANTCALLEND', {
				CALL_TYPE: '5',
				PHONE_NUMBER: '+4930123',
				CALL_FAILED_CODE: '200',
				CALL_DURATION: '0',
			}),
			noLookup,
			'Info call to +4930123 on an unidentified line succeeded (0 s)',
		],
		[
			'an outgoing Call Init: the number dialled',
			delivery('ONVOXIMPLANTCALLINIT', {
				CALL_TYPE: '1',
				ACCOUNT_SEARCH_ID: 'reg1',
				CALLER_ID: 'reg1',
				PHONE_NUMBER: '+4930123',
			}),
			lines,
			'Outgoing call to +4930123 started on line "Trunk"',
		],
		[
			'an incoming Call Init: the caller',
			delivery('ONVOXIMPLANTCALLINIT', {
				CALL_TYPE: '2',
				ACCOUNT_SEARCH_ID: 'reg1',
				PHONE_NUMBER: 'reg1',
				CALLER_ID: '+4930123',
			}),
			noLookup,
			'Incoming call from +4930123 started on line reg1',
		],
		[
			"a REST application's Call Init: its client is CALLER_ID",
			delivery('ONVOXIMPLANTCALLINIT', {
				CALL_TYPE: '1',
				REST_APP_ID: '7',
				PHONE_NUMBER: '+111',
				CALLER_ID: '+4930123',
			}),
			noLookup,
			'Outgoing call to +4930123 started on REST_APP:7 (line not identified)',
		],
		[
			'a Call Init of unknown type: the field that is not the line',
			delivery('ONVOXIMPLANTCALLINIT', {
				ACCOUNT_SEARCH_ID: 'reg1',
				CALLER_ID: 'reg1',
				PHONE_NUMBER: '+4930123',
			}),
			noLookup,
			'Call with +4930123 started on line reg1',
		],
		[
			'a Call Init of unknown type where neither field is the line',
			delivery('ONVOXIMPLANTCALLINIT', {
				ACCOUNT_SEARCH_ID: 'reg1',
				CALLER_ID: '+1',
				PHONE_NUMBER: '+2',
			}),
			noLookup,
			'Call with an unknown number started on line reg1',
		],
		[
			'a Call Start answered by a user',
			delivery('ONVOXIMPLANTCALLSTART', { CALL_ID: 'c1', USER_ID: '9' }),
			lines,
			'Call c1 was answered by user 9',
		],
		[
			'a Call Start without CALL_ID or user',
			delivery('ONVOXIMPLANTCALLSTART', {}),
			lines,
			'Call (no CALL_ID) was answered',
		],
	])('%s', (_name, given, knowledge, message) => {
		expect(buildCallItem(given, knowledge).message).toBe(message);
	});
});

describe('the fields of a call', () => {
	it('types a Call End, in the order of its fields', () => {
		const item = buildCallItem(
			delivery('ONVOXIMPLANTCALLEND', {
				CALL_ID: 'c1',
				CALL_TYPE: '1',
				PHONE_NUMBER: '+4930123',
				PORTAL_NUMBER: 'reg1',
				PORTAL_USER_ID: '1',
				CALL_DURATION: '42',
				CALL_START_DATE: '2026-03-11T17:28:46+03:00',
				COST: '0.5',
				COST_CURRENCY: 'EUR',
				CALL_FAILED_CODE: '200',
				CALL_FAILED_REASON: 'Success call',
				CRM_ACTIVITY_ID: '77',
			}),
			lines,
		);
		expect(Object.keys(item)).toEqual([
			'event',
			'message',
			'CALL_ID',
			'CALL_TYPE',
			'callType',
			'PHONE_NUMBER',
			'PORTAL_NUMBER',
			'PORTAL_USER_ID',
			'CALL_DURATION',
			'CALL_START_DATE',
			'CALL_START_DATE_PORTAL',
			'COST',
			'COST_CURRENCY',
			'CALL_FAILED_CODE',
			'CALL_FAILED_REASON',
			'failed',
			'failure',
			'CRM_ACTIVITY_ID',
			'line',
			'sentAt',
			'eventHandlerId',
			'portal',
		]);
		expect(item).toMatchObject({
			event: 'callEnd',
			CALL_ID: 'c1',
			CALL_TYPE: 1,
			callType: 'outgoing',
			PORTAL_USER_ID: 1,
			CALL_DURATION: 42,
			CALL_START_DATE: '2026-03-11T14:28:46.000Z',
			CALL_START_DATE_PORTAL: '2026-03-11T17:28:46+03:00',
			COST: 0.5,
			CALL_FAILED_CODE: '200',
			failed: false,
			failure: null,
			CRM_ACTIVITY_ID: 77,
			line: { kind: 'sipLine', CONFIG_ID: 5, TITLE: 'Trunk', REG_ID: 1 },
			sentAt: '2026-03-11T14:28:46.000Z',
			eventHandlerId: 3,
			portal: 'portal.bitrix24.com',
		});
	});

	it('makes every missing field of a Call Init null', () => {
		expect(buildCallItem(delivery('ONVOXIMPLANTCALLINIT', {}), noLookup)).toMatchObject({
			event: 'callInit',
			CALL_ID: null,
			CALL_TYPE: null,
			callType: 'unknown',
			ACCOUNT_SEARCH_ID: null,
			PHONE_NUMBER: null,
			CALLER_ID: null,
			otherPartyNumber: null,
			REST_APP_ID: null,
		});
	});
});
