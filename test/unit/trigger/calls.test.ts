import type { LineCalls, SeenCallsFailing } from '../../../nodes/Bitrix24SipTrigger/events/calls';
import {
	callsByLine,
	callsFailingChanges,
	currentCallsItems,
	seeCallsFailing,
} from '../../../nodes/Bitrix24SipTrigger/events/calls';
import type { CallRecord } from '../../../nodes/shared/calls/statistics';
import { DETECTED_AT, events, row, settings } from './fixtures';

const CHOSEN = settings(['lineCallsFailing'], { callFailureRateAbove: 50 });

/** `failed` busy calls and `ok` answered ones on the line with that id. */
function calls(configId: number, failed: number, ok: number): CallRecord[] {
	const call = (code: string, index: number): CallRecord => ({
		ID: `${configId}-${code}-${index}`,
		PORTAL_NUMBER: `reg${100 + configId}`,
		CALL_FAILED_CODE: code,
		CALL_START_DATE: '2026-12-01T09:30:00+00:00',
	});
	return [
		...Array.from({ length: failed }, (_, index) => call('486', index)),
		...Array.from({ length: ok }, (_, index) => call('200', index)),
	];
}

/** Lines 1, 2 and 10 with these calls. */
function lines(...records: CallRecord[][]): Record<string, LineCalls> {
	return callsByLine([row(1), row(2), row(10)], records.flat(), 1);
}

describe('callsByLine and seeCallsFailing: which lines are over the threshold', () => {
	it.each<[string, CallRecord[], SeenCallsFailing]>([
		['no calls at all', [], { '1': false, '2': false, '10': false }],
		['3 of 4 failed on line 1', calls(1, 3, 1), { '1': true, '2': false, '10': false }],
		['exactly at the threshold', calls(2, 2, 2), { '1': false, '2': false, '10': false }],
		['every call failed on line 10', calls(10, 1, 0), { '1': false, '2': false, '10': true }],
	])('%s', (_name, records, expected) => {
		expect(seeCallsFailing(lines(records), 50)).toEqual(expected);
	});

	it('lists a line without calls with zero counts', () => {
		expect(lines()['2'].calls).toMatchObject({ total: 0, failed: 0, failureRate: null });
	});
});

describe('callsFailingChanges: the pure diff of two polls', () => {
	it.each<[string, SeenCallsFailing, CallRecord[][], string[]]>([
		['a line goes over the threshold', { '1': false }, [calls(1, 3, 1)], ['lineCallsFailing 1']],
		['a line stays over it', { '1': true }, [calls(1, 3, 1)], []],
		['a line falls back under it', { '1': true }, [calls(1, 1, 3)], []],
		['a line new to the state that is over it', {}, [calls(2, 4, 0)], ['lineCallsFailing 2']],
		[
			'several lines, in the numeric order of the ids',
			{ '1': false, '2': false, '10': false },
			[calls(10, 2, 0), calls(2, 2, 0)],
			['lineCallsFailing 2', 'lineCallsFailing 10'],
		],
	])('%s', (_name, before, records, expected) => {
		const now = lines(...records);
		const items = callsFailingChanges(before, seeCallsFailing(now, 50), now, CHOSEN, DETECTED_AT);
		expect(events(items)).toEqual(expected);
	});

	it('writes the item a workflow maps', () => {
		const now = lines(calls(1, 3, 1));
		const [item] = callsFailingChanges({}, seeCallsFailing(now, 50), now, CHOSEN, DETECTED_AT);
		expect(item).toEqual({
			event: 'lineCallsFailing',
			message:
				'Calls on line "Trunk 1" (1) are failing: 3 of 4 calls failed in the last hour (75%), above the threshold of 50%: mostly busy',
			line: {
				CONFIG_ID: 1,
				TITLE: 'Trunk 1',
				TYPE: 'cloud',
				SERVER: 'sip1.example',
				LOGIN: 'user1',
				REG_ID: 101,
			},
			calls: expect.objectContaining({ total: 4, failed: 3, failureRate: 75 }),
			failureRateAbove: 50,
			detectedAt: DETECTED_AT,
		});
	});

	it('stays quiet when its event is not chosen', () => {
		const now = lines(calls(1, 3, 1));
		const other = settings(['lineUnhealthy']);
		expect(callsFailingChanges({}, seeCallsFailing(now, 50), now, other, DETECTED_AT)).toEqual([]);
	});

	it('shows every line as its current state', () => {
		const items = currentCallsItems(lines(calls(1, 3, 1)), CHOSEN, DETECTED_AT);
		expect(items.map((item) => item.message)).toEqual([
			'Line "Trunk 1" (1): 3 of 4 calls failed in the last hour (75%): mostly busy',
			'Line "Trunk 2" (2): No calls in the last hour',
			'Line "Trunk 10" (10): No calls in the last hour',
		]);
	});
});
