import type { TriggerPendingAs } from '../../../nodes/Bitrix24SipTrigger/changes';
import type {
	DefaultOutgoingReading,
	SeenDefaultOutgoing,
} from '../../../nodes/Bitrix24SipTrigger/events/defaultOutgoing';
import {
	currentDefaultOutgoingItem,
	defaultOutgoingChanges,
	defaultOutgoingFamily,
	seeDefaultOutgoing,
} from '../../../nodes/Bitrix24SipTrigger/events/defaultOutgoing';
import { judge } from '../../../nodes/Bitrix24SipTrigger/events/family';
import type { SeenLines } from '../../../nodes/Bitrix24SipTrigger/events/lines';
import type { Registration } from '../../../nodes/shared/registration';
import { DETECTED_AT, FORBIDDEN, PENDING, poll, REGISTERED, row, seen, settings } from './fixtures';

const CHOSEN = settings(['defaultOutgoingUnhealthy']);
const LINES: SeenLines = { '1': seen(1, REGISTERED, true), '2': seen(2, FORBIDDEN, false) };

function onLine(configId: number): DefaultOutgoingReading {
	return {
		resolved: {
			value: `reg${100 + configId}`,
			kind: 'sipLine',
			line: row(configId),
			regId: 100 + configId,
		},
	};
}

function unseenLine(registration: Registration): DefaultOutgoingReading {
	return {
		resolved: { value: 'reg999', kind: 'unknownSipLine', line: null, regId: 999 },
		registration,
	};
}

const NONE: DefaultOutgoingReading = {
	resolved: { value: 'LINK_BASE_NUMBER', kind: 'none', line: null, regId: null },
};
const NUMBER: DefaultOutgoingReading = {
	resolved: { value: '+74951234567', kind: 'number', line: null, regId: null },
};
const REST_APP: DefaultOutgoingReading = {
	resolved: { value: 'REST_APP:3', kind: 'restApp', line: null, regId: null },
};

describe('seeDefaultOutgoing: the verdict on the default line', () => {
	it.each<
		[string, DefaultOutgoingReading, SeenDefaultOutgoing | undefined, TriggerPendingAs, boolean]
	>([
		['a visible working line: its own verdict', onLine(1), undefined, 'unchanged', true],
		['a visible failing line: its own verdict', onLine(2), undefined, 'unchanged', false],
		['a line the poll did not see', onLine(7), undefined, 'unchanged', true],
		['an unseen cloud line that fails', unseenLine(FORBIDDEN), undefined, 'unchanged', false],
		[
			'an unseen cloud line pending after failing',
			unseenLine(PENDING),
			{ value: 'reg999', healthy: false },
			'unchanged',
			false,
		],
		[
			'an unseen cloud line pending, the default was another line',
			unseenLine(PENDING),
			{ value: 'reg101', healthy: false },
			'unchanged',
			true,
		],
		[
			'an unseen cloud line pending, pending counted unhealthy',
			unseenLine(PENDING),
			undefined,
			'unhealthy',
			false,
		],
		['no SIP default', NONE, undefined, 'unchanged', true],
		['a number', NUMBER, undefined, 'unchanged', true],
		['a REST application', REST_APP, undefined, 'unchanged', true],
	])('%s', (_name, reading, before, pendingAs, healthy) => {
		expect(seeDefaultOutgoing(reading, LINES, before, pendingAs)).toEqual({
			value: reading.resolved.value,
			healthy,
		});
	});
});

describe('defaultOutgoingChanges: the pure diff of two polls', () => {
	it.each<[string, SeenDefaultOutgoing, DefaultOutgoingReading, string[]]>([
		[
			'the default line starts failing',
			{ value: 'reg102', healthy: true },
			onLine(2),
			[
				'The default outgoing line "Trunk 2" (2) became unhealthy: SIP 403 Forbidden — check login and password',
			],
		],
		['the default line keeps failing', { value: 'reg102', healthy: false }, onLine(2), []],
		[
			'the default moves from one failing line to another',
			{ value: 'reg101', healthy: false },
			onLine(2),
			[
				'The default outgoing line is now "Trunk 2" (2), which is unhealthy: SIP 403 Forbidden — check login and password',
			],
		],
		['the default line works', { value: 'reg102', healthy: false }, onLine(1), []],
		[
			'an unseen cloud line starts failing',
			{ value: 'reg999', healthy: true },
			unseenLine(FORBIDDEN),
			[
				'The default outgoing line reg999 (a SIP line this webhook cannot see) became unhealthy: SIP 403 Forbidden — check login and password',
			],
		],
		['the default becomes a number', { value: 'reg102', healthy: false }, NUMBER, []],
	])('%s', (_name, before, reading, messages) => {
		const now = seeDefaultOutgoing(reading, LINES, before, 'unchanged');
		const items = defaultOutgoingChanges(before, now, reading, LINES, LINES, CHOSEN, DETECTED_AT);
		expect(items.map((item) => item.message)).toEqual(messages);
	});

	it('writes the item a workflow maps', () => {
		const before = { value: 'reg101', healthy: true };
		const beforeLines = { '2': seen(2, REGISTERED, true) };
		const now = seeDefaultOutgoing(onLine(2), LINES, before, 'unchanged');
		const [item] = defaultOutgoingChanges(
			before,
			now,
			onLine(2),
			LINES,
			beforeLines,
			CHOSEN,
			DETECTED_AT,
		);
		expect(item).toEqual({
			event: 'defaultOutgoingUnhealthy',
			message: expect.stringMatching(/^The default outgoing line is now "Trunk 2" \(2\)/),
			defaultOutgoing: { value: 'reg102', kind: 'sipLine', previousValue: 'reg101' },
			line: {
				CONFIG_ID: 2,
				TITLE: 'Trunk 2',
				TYPE: 'cloud',
				SERVER: 'sip2.example',
				LOGIN: 'user2',
				REG_ID: 102,
			},
			previous: expect.objectContaining({ STATUS_RESULT: 'success', healthy: true }),
			current: expect.objectContaining({ STATUS_RESULT: 'error', healthy: false }),
			detectedAt: DETECTED_AT,
		});
	});

	it('stays quiet when its event is not chosen', () => {
		const before = { value: 'reg102', healthy: true };
		const now = { value: 'reg102', healthy: false };
		const chosen = settings(['lineUnhealthy']);
		expect(
			defaultOutgoingChanges(before, now, onLine(2), LINES, LINES, chosen, DETECTED_AT),
		).toEqual([]);
	});
});

describe('the current state of the default line', () => {
	it.each([
		['no SIP default', NONE, 'Default outgoing line: no SIP default (LINK_BASE_NUMBER)'],
		['a number', NUMBER, 'Default outgoing line: the number +74951234567, not a SIP line'],
		[
			'a REST application',
			REST_APP,
			'Default outgoing line: a REST telephony application (REST_APP:3), not a SIP line',
		],
		['a visible line', onLine(1), 'Default outgoing line "Trunk 1" (1): Registered'],
		[
			'an unseen office line',
			{ resolved: { value: 'reg5', kind: 'unknownSipLine', line: null, regId: 5 } },
			'Default outgoing line reg5 (a SIP line this webhook cannot see): health unknown',
		],
	] as const)('%s', (_name, reading, message) => {
		const now = seeDefaultOutgoing(reading, LINES, undefined, 'unchanged');
		expect(currentDefaultOutgoingItem(reading, now, LINES, DETECTED_AT)).toMatchObject({
			event: 'currentState',
			message,
			defaultOutgoing: { previousValue: null },
		});
	});
});

describe('the default outgoing family', () => {
	it('judges the default line by the lines this poll remembers', () => {
		const current = poll(CHOSEN, {
			lines: LINES,
			defaultOutgoing: { value: 'reg102', healthy: true },
		});
		current.after.lines = LINES;
		expect(judge(defaultOutgoingFamily, onLine(2), current)).toHaveLength(1);
		expect(current.after.defaultOutgoing).toEqual({ value: 'reg102', healthy: false });
	});

	it('refuses to judge before the lines', () => {
		expect(() => judge(defaultOutgoingFamily, onLine(2), poll(CHOSEN, undefined))).toThrow(
			'The default outgoing line is judged after the lines',
		);
	});
});
