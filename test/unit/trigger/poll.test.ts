import type { IDataObject } from 'n8n-workflow';

import { LINE_EVENTS } from '../../../nodes/Bitrix24SipTrigger/changes';
import { connectorFamily } from '../../../nodes/Bitrix24SipTrigger/events/connector';
import { defaultOutgoingFamily } from '../../../nodes/Bitrix24SipTrigger/events/defaultOutgoing';
import type { DefaultOutgoingReading } from '../../../nodes/Bitrix24SipTrigger/events/defaultOutgoing';
import type { Poll } from '../../../nodes/Bitrix24SipTrigger/events/family';
import { judge } from '../../../nodes/Bitrix24SipTrigger/events/family';
import { lineFamily } from '../../../nodes/Bitrix24SipTrigger/events/lines';
import type { TriggerState } from '../../../nodes/Bitrix24SipTrigger/state';
import { readState, writeState } from '../../../nodes/Bitrix24SipTrigger/state';
import type { LineCheck } from '../../../nodes/shared/registrationCheck';
import { check, events, FORBIDDEN, poll, REGISTERED, row, seen, settings } from './fixtures';

const CHOSEN = settings([...LINE_EVENTS]);
const READING: LineCheck[] = [check(1, REGISTERED), check(2, FORBIDDEN)];
const REMEMBERED = { '1': seen(1, REGISTERED, true), '2': seen(2, FORBIDDEN, false) };

describe('judge: the rules every family follows', () => {
	it.each<[string, TriggerState | undefined, Partial<Poll>, boolean, string[]]>([
		['the first poll only remembers', undefined, {}, false, []],
		['a state without this family counts as a first poll', { connector: undefined }, {}, false, []],
		[
			'the first poll shows the current state when asked',
			undefined,
			{},
			true,
			['currentState 1', 'currentState 2'],
		],
		[
			'a later poll emits the changes',
			{ lines: { '1': seen(1, REGISTERED, true) } },
			{},
			true,
			['lineAdded 2', 'lineUnhealthy 2'],
		],
		[
			'a manual run shows the current state, whatever was remembered',
			{ lines: { '1': seen(1, REGISTERED, true) } },
			{ manual: true },
			false,
			['currentState 1', 'currentState 2'],
		],
	])('%s', (_name, before, more, emitOnFirstRun, expected) => {
		const current = poll({ ...CHOSEN, emitOnFirstRun }, before, more);
		expect(events(judge(lineFamily, READING, current))).toEqual(expected);
		expect(current.after).toEqual({ lines: REMEMBERED });
	});
});

/** Static data exactly as the trigger wrote it before it was split into families (version 1). */
function writtenByOlderCode(): IDataObject {
	return {
		version: 1,
		lines: {
			'1': {
				TITLE: 'Trunk 1',
				TYPE: 'cloud',
				SERVER: 'sip1.example',
				LOGIN: 'user1',
				REG_ID: 101,
				registration: {
					STATUS_RESULT: 'success',
					STATUS_CODE: 200,
					ERROR_MESSAGE: '',
					LAST_UPDATED: '2026-12-01 09:59:00',
				},
				healthy: true,
			},
			'2': {
				TITLE: 'Trunk 2',
				TYPE: 'cloud',
				SERVER: 'sip2.example',
				LOGIN: 'user2',
				REG_ID: 102,
				registration: {
					STATUS_RESULT: 'error',
					STATUS_CODE: 403,
					ERROR_MESSAGE: 'Forbidden',
					LAST_UPDATED: '2026-12-01 09:59:00',
				},
				healthy: false,
			},
		},
		connector: {
			FREE_MINUTES: 5,
			PAID: false,
			PAID_DATE_END: null,
			minutesLowReported: true,
			paidEndingReportedFor: null,
		},
		defaultOutgoing: { value: 'reg102', healthy: false },
	};
}

const DEFAULT_ON_2: DefaultOutgoingReading = {
	resolved: { value: 'reg102', kind: 'sipLine', line: row(2), regId: 102 },
};
const ALL = settings([...LINE_EVENTS, 'defaultOutgoingUnhealthy', 'connectorMinutesLow']);

/** One poll over the lines, the default line and the connector, as poll() runs it. */
function pollAll(staticData: IDataObject, lines: LineCheck[]): IDataObject[] {
	const current = poll(ALL, readState(staticData));
	const items = [
		...judge(lineFamily, lines, current),
		...judge(defaultOutgoingFamily, DEFAULT_ON_2, current),
		...judge(connectorFamily, { FREE_MINUTES: 5, PAID: false, PAID_DATE_END: null }, current),
	];
	writeState(staticData, current.after);
	return items;
}

describe('the remembered state', () => {
	it('continues from what the older code wrote, re-emitting nothing', () => {
		const staticData = writtenByOlderCode();
		const parts = { ...staticData };
		expect(pollAll(staticData, READING)).toEqual([]);
		expect(staticData).toEqual(writtenByOlderCode());
		// unchanged parts are not reassigned: n8n then has nothing to save
		for (const key of ['lines', 'connector', 'defaultOutgoing'])
			expect(staticData[key]).toBe(parts[key]);
	});

	it('continues from what the older code wrote, losing no change', () => {
		const staticData = writtenByOlderCode();
		expect(events(pollAll(staticData, [check(1, FORBIDDEN), check(2, FORBIDDEN)]))).toEqual([
			'registrationChanged 1',
			'lineUnhealthy 1',
		]);
		expect(events(pollAll(staticData, [check(1, FORBIDDEN), check(2, FORBIDDEN)]))).toEqual([]);
	});

	it.each<[string, IDataObject]>([
		['never polled', {}],
		['an older version', { version: 0, lines: { '1': seen(1, REGISTERED, true) } }],
		['a newer version', { version: 2, lines: { '1': seen(1, REGISTERED, true) } }],
	])('counts %s as a first poll', (_name, staticData) => {
		expect(readState(staticData)).toBeUndefined();
		expect(pollAll(staticData, READING)).toEqual([]);
		expect(staticData.version).toBe(1);
		expect(staticData.lines).toEqual(REMEMBERED);
	});

	it.each<[string, IDataObject, keyof TriggerState]>([
		['written before the default line was watched', { version: 1, lines: {} }, 'defaultOutgoing'],
		[
			'with a default line it cannot read',
			{ version: 1, defaultOutgoing: { value: 5, healthy: 'no' } },
			'defaultOutgoing',
		],
		[
			'with call verdicts it cannot read',
			{ version: 1, callsFailing: { '1': 'yes' } },
			'callsFailing',
		],
		['with lines that are no record', { version: 1, lines: [] }, 'lines'],
	])('starts a part by remembering when the state was %s', (_name, staticData, key) => {
		const state = readState(staticData);
		expect(state).toBeDefined();
		expect(state?.[key]).toBeUndefined();
	});

	it('reads a copy: changing it leaves the static data alone', () => {
		const staticData = writtenByOlderCode();
		const state = readState(staticData);
		if (state?.lines) state.lines['1'].healthy = false;
		expect(staticData).toEqual(writtenByOlderCode());
	});

	it('forgets the parts whose events are no longer chosen', () => {
		const staticData = writtenByOlderCode();
		writeState(staticData, { lines: REMEMBERED });
		expect(Object.keys(staticData).sort()).toEqual(['lines', 'version']);
	});
});
