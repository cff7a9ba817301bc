import type { GroupingInput } from '../../../nodes/shared/transport/grouping';
import {
	RecentRuns,
	sendAt,
	STEADY_SHARE,
	steadyIntervalMs,
} from '../../../nodes/shared/transport/grouping';

const NOW = 10_000;
// one request 100 ms ago left one request in an otherwise empty standard bucket
const BUSY: GroupingInput = {
	readyCalls: 1,
	company: true,
	levelAtLastSend: 1,
	burst: 50,
	perSecond: 2,
	lastSentAt: 9_900,
};
const STEADY = 1000 / (2 * STEADY_SHARE);

describe('steadyIntervalMs', () => {
	it.each([
		[2, 625],
		[5, 250],
		[1, 1250],
		[0.25, 5000],
	])('%p requests per second: one every %p ms', (perSecond, interval) => {
		expect(steadyIntervalMs(perSecond)).toBeCloseTo(interval, 6);
	});
});

describe('sendAt (the grouping policy)', () => {
	it.each<[string, Partial<GroupingInput>, number]>([
		[
			'nobody else about: at once, however full the bucket',
			{ company: false, levelAtLastSend: 40 },
			NOW,
		],
		['a full batch: at once', { readyCalls: 50 }, NOW],
		['more than a batch: at once', { readyCalls: 120 }, NOW],
		['company: one steady interval after the last request', {}, 9_900 + STEADY * (1 + 1 / 50)],
		['a full bucket: twice the interval', { levelAtLastSend: 50 }, 9_900 + STEADY * 2],
		['a half-full bucket: one and a half', { levelAtLastSend: 25 }, 9_900 + STEADY * 1.5],
		[
			'a quiet while since the last request: in the past, so at once',
			{ lastSentAt: 5_000 },
			5_000 + STEADY * (1 + 1 / 50),
		],
		[
			'a smaller share: one interval of its own pace',
			{ perSecond: 1, burst: 25, levelAtLastSend: 0 },
			9_900 + 1250,
		],
	])('%s', (_name, change, expected) => {
		expect(sendAt({ ...BUSY, ...change }, NOW)).toBeCloseTo(expected, 6);
	});
});

describe('RecentRuns.company', () => {
	const A = 'execution A';
	const B = 'execution B';
	const WINDOW = 625;

	it.each<[string, Array<[unknown, number]>, unknown[], number, boolean]>([
		['nobody seen', [], [A], NOW, false],
		['only the waiting execution itself', [[A, NOW]], [A], NOW, false],
		[
			'another execution within the window',
			[
				[A, NOW],
				[B, NOW - 600],
			],
			[A],
			NOW,
			true,
		],
		[
			'another execution just outside the window',
			[
				[A, NOW],
				[B, NOW - 626],
			],
			[A],
			NOW,
			false,
		],
		['two executions waiting are company of each other', [], [A, B], NOW, true],
		['the same execution twice is not', [], [A, A], NOW, false],
	])('%s', (_name, seen, waiting, now, company) => {
		const recent = new RecentRuns();
		for (const [execution, at] of seen) recent.note(execution, at);
		expect(recent.company(waiting, now, WINDOW)).toBe(company);
	});
});
