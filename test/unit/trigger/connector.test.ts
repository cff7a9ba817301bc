import type { SeenConnector } from '../../../nodes/Bitrix24SipTrigger/events/connector';
import {
	connectorChanges,
	currentConnectorItem,
	seeConnector,
} from '../../../nodes/Bitrix24SipTrigger/events/connector';
import type { ConnectorReading } from '../../../nodes/shared/connector';
import { NOW, settings } from './fixtures';

const CHOSEN = settings(['connectorMinutesLow', 'connectorPaidEnding'], {
	minutesThreshold: 10,
	paidWithinDays: 7,
});

function reading(minutes: number | null, paidUntil: string | null): ConnectorReading {
	return { FREE_MINUTES: minutes, PAID: paidUntil !== null, PAID_DATE_END: paidUntil };
}

/** What the previous poll remembered of that reading. */
function remembered(previous: ConnectorReading): SeenConnector {
	return seeConnector(previous, CHOSEN, NOW);
}

describe('connectorChanges: the pure diff of two polls', () => {
	it.each<[string, ConnectorReading, ConnectorReading, string[]]>([
		['nothing to report', reading(50, '2027-03-01'), reading(40, '2027-03-01'), []],
		[
			'the free minutes drop below the threshold',
			reading(50, null),
			reading(5, null),
			['The SIP connector has 5 free minutes left, below the threshold of 10'],
		],
		['they stay below it', reading(5, null), reading(3, null), []],
		[
			'they rose back, then drop again',
			reading(12, null),
			reading(9, null),
			['The SIP connector has 9 free minutes left, below the threshold of 10'],
		],
		[
			'the paid period comes within the days',
			reading(50, '2026-12-20'),
			reading(50, '2026-12-05'),
			['The paid period of the SIP connector ends in 4 days, on 2026-12-05'],
		],
		['its end was reported already', reading(50, '2026-12-05'), reading(50, '2026-12-05'), []],
		[
			'a renewal that ends soon again',
			reading(50, '2026-12-03'),
			reading(50, '2026-12-06'),
			['The paid period of the SIP connector ends in 5 days, on 2026-12-06'],
		],
		[
			'both at once',
			reading(50, '2027-03-01'),
			reading(0, '2026-12-01'),
			[
				'The SIP connector has 0 free minutes left, below the threshold of 10',
				'The paid period of the SIP connector ends today (2026-12-01)',
			],
		],
	])('%s', (_name, previous, current, messages) => {
		const items = connectorChanges(remembered(previous), current, CHOSEN, NOW);
		expect(items.map((item) => item.message)).toEqual(messages);
	});

	it('writes the item a workflow maps', () => {
		const [item] = connectorChanges(
			remembered(reading(50, '2027-03-01')),
			reading(5, '2027-03-01'),
			CHOSEN,
			NOW,
		);
		expect(item).toEqual({
			event: 'connectorMinutesLow',
			message: 'The SIP connector has 5 free minutes left, below the threshold of 10',
			connector: { FREE_MINUTES: 5, PAID: true, PAID_DATE_END: '2027-03-01', daysLeft: 90 },
			previous: { FREE_MINUTES: 50, PAID: true, PAID_DATE_END: '2027-03-01' },
			detectedAt: NOW.toISOString(),
		});
	});

	it.each([
		[['connectorPaidEnding'] as const, ['connectorPaidEnding']],
		[['connectorMinutesLow'] as const, ['connectorMinutesLow']],
	])('emits only the chosen events (%j)', (chosen, expected) => {
		const only = settings([...chosen], { minutesThreshold: 10, paidWithinDays: 7 });
		const before = seeConnector(reading(50, '2027-03-01'), only, NOW);
		const items = connectorChanges(before, reading(0, '2026-12-01'), only, NOW);
		expect(items.map((item) => item.event)).toEqual(expected);
	});
});

describe('seeConnector: what is remembered as reported', () => {
	it.each<[string, ConnectorReading, boolean, string | null]>([
		['plenty of minutes, no paid period', reading(50, null), false, null],
		['low minutes', reading(5, null), true, null],
		['unknown minutes', reading(null, null), false, null],
		['a paid period ending soon', reading(50, '2026-12-05'), false, '2026-12-05'],
		['a paid period far away', reading(50, '2027-03-01'), false, null],
	])('%s', (_name, current, minutesLowReported, paidEndingReportedFor) => {
		expect(seeConnector(current, CHOSEN, NOW)).toEqual({
			...current,
			minutesLowReported,
			paidEndingReportedFor,
		});
	});

	it('shows the connector in words as its current state', () => {
		expect(currentConnectorItem(reading(42, null), NOW)).toMatchObject({
			event: 'currentState',
			message: 'SIP connector: 42 free minutes, not paid',
			previous: null,
		});
	});
});
