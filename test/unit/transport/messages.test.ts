import type { RunTimeUse } from '../../../nodes/shared/transport/errors';
import {
	Bitrix24Error,
	blockedTooLong,
	cancelled,
	cutOffByCancellation,
	slowedDownTooLong,
	waitBudgetExhausted,
} from '../../../nodes/shared/transport/errors';

const METHOD = 'voximplant.sip.get';
// 2026-12-03T10:00:00Z
const RESET = 1_796_292_000;

describe('the node’s own errors', () => {
	it('cancelled', () => {
		expect(cancelled().options).toEqual({
			kind: 'network',
			code: 'CANCELED',
			message: 'The execution was cancelled',
			delivery: 'notSent',
			httpStatus: undefined,
			hint: undefined,
			repeatedAfterLostAnswer: false,
			details: undefined,
			reason: undefined,
		});
	});

	it('cut off by another execution’s cancellation: a lost answer', () => {
		expect(cutOffByCancellation()).toMatchObject({
			kind: 'network',
			code: 'ECONNRESET',
			delivery: 'unknown',
			message: 'The connection to the portal was lost before it answered',
			description:
				'The request that carried this call was cut off because another execution sharing it was cancelled; the node retries calls that are safe to repeat.',
		});
	});

	it.each<[string, boolean, Partial<Bitrix24Error>]>([
		[
			'pacing',
			false,
			{
				code: 'WAIT_BUDGET_EXHAUSTED',
				httpStatus: undefined,
				message:
					'The node stopped pacing its requests after its Max Wait of 90 s; this call was not sent',
			},
		],
		[
			'the portal’s refusals',
			true,
			{
				code: 'QUERY_LIMIT_EXCEEDED',
				httpStatus: 503,
				message:
					"Bitrix24 kept refusing requests (too many per second) until the node's Max Wait of 90 s ran out; this call was not sent",
			},
		],
	])('Max Wait spent on %s', (_name, refusedByPortal, expected) => {
		expect(waitBudgetExhausted(90_400, refusedByPortal)).toMatchObject({
			kind: 'budget',
			delivery: 'notSent',
			description:
				'Raise "Max Wait" in the node options, choose the Enterprise rate limit if your plan has it, or run fewer workflows against the portal at the same time.',
			...expected,
		});
	});

	it.each<[string, RunTimeUse, number, string, string]>([
		[
			'nearly used up, the sum unknown',
			{ restMethod: METHOD, limitSeconds: 420 },
			12_300,
			"Bitrix24's run-time limit for voximplant.sip.get is nearly used up (close to 420 s in the last 10 minutes); this call was not sent",
			'The node spaces such calls out instead of running into the portal\'s block; the next one may go in 13 s, which is beyond the node\'s "Max Wait". Run again later or raise "Max Wait".',
		],
		[
			'nearly used up',
			{ restMethod: METHOD, usedSeconds: 351.456, limitSeconds: 420 },
			5000,
			"Bitrix24's run-time limit for voximplant.sip.get is nearly used up (351.46 s of 420 s in the last 10 minutes); this call was not sent",
			'The node spaces such calls out instead of running into the portal\'s block; the next one may go in 5 s, which is beyond the node\'s "Max Wait". Run again later or raise "Max Wait".',
		],
		[
			'used up, without a reset time',
			{ restMethod: METHOD, usedSeconds: 420, limitSeconds: 420 },
			60_000,
			"Bitrix24's run-time limit for voximplant.sip.get is used up (420 s of 420 s in the last 10 minutes); this call was not sent",
			'The node spaces such calls out instead of running into the portal\'s block; the next one may go in 60 s, which is beyond the node\'s "Max Wait". Run again later or raise "Max Wait".',
		],
		[
			'used up, with the reset time the portal gave',
			{ restMethod: METHOD, usedSeconds: 430.5, limitSeconds: 420, resetAt: RESET },
			45_001,
			"Bitrix24's run-time limit for voximplant.sip.get is used up (430.5 s of 420 s in the last 10 minutes); this call was not sent",
			'The method will be available again at 2026-12-03T10:00:00Z (in 46 s), which is beyond the node\'s "Max Wait". Run again after that time.',
		],
	])('run time %s', (_name, use, waitMs, message, hint) => {
		expect(slowedDownTooLong(use, waitMs)).toMatchObject({
			kind: 'budget',
			code: 'OPERATION_TIME_LIMIT',
			delivery: 'notSent',
			message,
			description: hint,
		});
	});

	it.each<[string, number | undefined, string, string]>([
		[
			'until a known moment',
			RESET,
			"Bitrix24 blocked voximplant.sip.get until 2026-12-03T10:00:00Z: its run time in the last 10 minutes is over the portal's limit",
			'The method will be available again at 2026-12-03T10:00:00Z (in 120 s), which is beyond the node\'s "Max Wait". Run again after that time.',
		],
		[
			'without a reset time: none is guessed',
			undefined,
			"Bitrix24 blocked voximplant.sip.get: its run time in the last 10 minutes is over the portal's limit, and the portal did not say when the block ends",
			'Such a block ends within 10 minutes. Run again later, or raise "Max Wait" in the node options so that the node waits for it.',
		],
	])('a block %s', (_name, resetAt, message, hint) => {
		const block = new Bitrix24Error({
			kind: 'api',
			code: 'OPERATION_TIME_LIMIT',
			message: 'blocked',
			httpStatus: 429,
			delivery: 'refused',
		});
		expect(blockedTooLong(block, METHOD, resetAt, 119_500)).toMatchObject({
			kind: 'api',
			code: 'OPERATION_TIME_LIMIT',
			httpStatus: 429,
			delivery: 'refused',
			message,
			description: hint,
		});
	});
});
