import type { TimeInfo } from '../../../nodes/shared/transport/answer';
import {
	DEFAULT_OPERATING_LIMIT_SECONDS,
	OperatingTimes,
} from '../../../nodes/shared/transport/operatingTime';

const METHOD = 'voximplant.sip.get';
const T0 = 1_800_000_000_000;
const RESET = T0 / 1000 + 30; // unix seconds, 30 s after T0

type Step =
	| { note: TimeInfo | undefined; at: number }
	| { sent: true; at: number }
	| { blocked: true; at: number };

function times(steps: Step[]): OperatingTimes {
	const operating = new OperatingTimes();
	for (const step of steps) {
		if ('note' in step) operating.note(METHOD, step.note, T0 + step.at);
		else if ('sent' in step) operating.sent(METHOD, T0 + step.at);
		else operating.noteBlocked(METHOD, T0 + step.at);
	}
	return operating;
}

/** Moments are ms after T0; the expected one is when the call may go. */
describe('when the next call of a method may go', () => {
	it.each<[string, Step[], number, number]>([
		['nothing known: at once', [], 0, 0],
		['an answer without operating time: at once', [{ note: { duration: 5 }, at: 0 }], 0, 0],
		['below 80 % of the limit: at once', [{ note: { operating: 300, duration: 2 }, at: 0 }], 0, 0],
		['above 80 % without a known cost: at once', [{ note: { operating: 350 }, at: 0 }], 0, 0],
		[
			'above 80 %, nothing sent since: at once',
			[{ note: { operating: 350, duration: 2 }, at: 0 }],
			0,
			0,
		],
		[
			'above 80 %: the minute left shared by the 35 calls that still fit',
			[
				{ note: { operating: 350, duration: 2 }, at: 0 },
				{ sent: true, at: 0 },
			],
			0,
			Math.round(60_000 / 35),
		],
		[
			'above 80 % with a reset time: shared until the reset',
			[
				{ note: { operating: 350, duration: 2, operating_reset_at: RESET }, at: 0 },
				{ sent: true, at: 0 },
			],
			0,
			Math.round(30_000 / 35),
		],
		[
			'the cost is the growth of the sum between answers',
			[
				{ note: { operating: 340, duration: 2 }, at: 0 },
				{ note: { operating: 350 }, at: 1000 },
				{ sent: true, at: 1000 },
			],
			1000,
			1000 + Math.round(60_000 / 7),
		],
		[
			'at the limit: when the window moves on',
			[{ note: { operating: 420, duration: 2 }, at: 0 }],
			0,
			60_000,
		],
		[
			'at the limit with a reset time: at the reset',
			[{ note: { operating: 420, duration: 2, operating_reset_at: RESET }, at: 0 }],
			0,
			30_000,
		],
		[
			'a reading older than a minute says nothing any more',
			[{ note: { operating: 420, duration: 2 }, at: 0 }],
			60_000,
			60_000,
		],
		[
			'a block lowers the limit to the last sum',
			[
				{ note: { operating: 300, duration: 2 }, at: 0 },
				{ blocked: true, at: 0 },
			],
			0,
			60_000,
		],
	])('%s', (_name, steps, at, expected) => {
		// a moment before now means at once
		const goesAt = Math.max(times(steps).nextSendAt(METHOD, T0 + at), T0 + at);
		expect(Math.round(goesAt - T0)).toBe(expected);
	});
});

describe('the limit learnt from answers', () => {
	it.each<[string, Step[], number]>([
		['the default', [], DEFAULT_OPERATING_LIMIT_SECONDS],
		[
			'a sum above it that still ran raises it',
			[
				{ note: { operating: 450, duration: 2 }, at: 0 },
				{ note: { operating: 452 }, at: 1000 },
			],
			450,
		],
		[
			'a block lowers it to the last sum seen',
			[
				{ note: { operating: 380, duration: 2 }, at: 0 },
				{ blocked: true, at: 0 },
			],
			380,
		],
		['a block with nothing seen keeps it', [{ blocked: true, at: 0 }], 420],
	])('%s', (_name, steps, limit) => {
		expect(times(steps).limitSeconds).toBe(limit);
	});
});

describe('reset times and sums for messages', () => {
	it.each<[string, Step[], number, number | undefined, number | undefined]>([
		['nothing known', [], 0, undefined, undefined],
		[
			'a reset time the portal gave',
			[{ note: { operating: 400, operating_reset_at: RESET }, at: 0 }],
			0,
			RESET,
			400,
		],
		[
			'a reset time that passed is not announced',
			[{ note: { operating: 400, operating_reset_at: RESET }, at: 0 }],
			31_000,
			undefined,
			undefined,
		],
		[
			'an answer without operating time forgets the sum, not the reset',
			[
				{ note: { operating: 400, operating_reset_at: RESET }, at: 0 },
				{ note: {}, at: 1000 },
			],
			1000,
			RESET,
			undefined,
		],
	])('%s', (_name, steps, at, resetAt, used) => {
		const operating = times(steps);
		expect(operating.knownResetAt(METHOD, T0 + at)).toBe(resetAt);
		expect(operating.operatingSeconds(METHOD, T0 + at)).toBe(used);
	});
});
