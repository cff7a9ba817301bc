import type { DeliveryReading } from '../../../nodes/shared/calls/callEvent';
import { readDelivery } from '../../../nodes/shared/calls/callEvent';
import { decodeFormBody } from '../../../nodes/shared/calls/formBody';

describe('readDelivery', () => {
	it.each<[string, string, DeliveryReading]>([
		[
			'a Call End with its envelope',
			'event=ONVOXIMPLANTCALLEND&data[CALL_ID]=c1&ts=1773239326&event_handler_id=12&auth[domain]=+portal.bitrix24.com+&auth[application_token]=t',
			{
				ok: true,
				delivery: {
					event: 'ONVOXIMPLANTCALLEND',
					data: expect.objectContaining({ CALL_ID: 'c1' }),
					sentAt: '2026-03-11T14:28:46.000Z',
					eventHandlerId: 12,
					portal: 'portal.bitrix24.com',
				},
			},
		],
		[
			'an event name in any case, without envelope',
			'event=+onVoximplantCallInit+&data[CALL_ID]=c1',
			{
				ok: true,
				delivery: {
					event: 'ONVOXIMPLANTCALLINIT',
					data: expect.objectContaining({ CALL_ID: 'c1' }),
					sentAt: null,
					eventHandlerId: null,
					portal: null,
				},
			},
		],
		[
			'no event',
			'data[CALL_ID]=c1',
			{ ok: false, reason: 'The request names no event (field "event")' },
		],
		[
			'a blank event',
			'event=+',
			{ ok: false, reason: 'The request names no event (field "event")' },
		],
		[
			'another event',
			'event=ONCRMLEADADD&data[FIELDS][ID]=1',
			{
				ok: false,
				reason:
					'The event "ONCRMLEADADD" is not a call event this trigger reads (ONVOXIMPLANTCALLEND, ONVOXIMPLANTCALLSTART, ONVOXIMPLANTCALLINIT)',
			},
		],
		[
			'another event with a long name over lines',
			`event=${'X'.repeat(30)}%0A${'Y'.repeat(40)}`,
			{
				ok: false,
				reason: `The event "${'X'.repeat(30)} ${'Y'.repeat(29)}…" is not a call event this trigger reads (ONVOXIMPLANTCALLEND, ONVOXIMPLANTCALLSTART, ONVOXIMPLANTCALLINIT)`,
			},
		],
		[
			'no call data',
			'event=ONVOXIMPLANTCALLEND&data=x',
			{
				ok: false,
				reason: 'The ONVOXIMPLANTCALLEND request carries no call data (fields "data[…]")',
			},
		],
	])('%s', (_name, body, expected) => {
		expect(readDelivery(decodeFormBody(body))).toEqual(expected);
	});

	it('never copies auth into the delivery', () => {
		const reading = readDelivery(
			decodeFormBody('event=ONVOXIMPLANTCALLEND&data[X]=1&auth[application_token]=secret-token'),
		);
		expect(JSON.stringify(reading)).not.toContain('secret-token');
	});
});
