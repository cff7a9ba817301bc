import type { Bitrix24ErrorOptions } from '../../../nodes/shared/transport/errors';
import { Bitrix24Error } from '../../../nodes/shared/transport/errors';
import type { Verdict } from '../../../nodes/shared/transport/retryPolicy';
import {
	backoffMs,
	classify,
	fatalReach,
	mayHaveRun,
	mayRetry,
	retryDelayMs,
	UNKNOWN_RESET_WAIT_MS,
} from '../../../nodes/shared/transport/retryPolicy';

function error(
	kind: Bitrix24ErrorOptions['kind'],
	code: string,
	delivery: Bitrix24ErrorOptions['delivery'],
	extra: Partial<Bitrix24ErrorOptions> = {},
): Bitrix24Error {
	return new Bitrix24Error({ kind, code, delivery, message: code, ...extra });
}

const refused = error('api', 'QUERY_LIMIT_EXCEEDED', 'refused');
const blocked = error('api', 'OPERATION_TIME_LIMIT', 'refused');
const timeout = error('timeout', 'TIMEOUT', 'unknown');
const unreachable = error('network', 'ECONNREFUSED', 'notSent');
const lost = error('network', 'ECONNRESET', 'unknown');
const notFound = error('api', 'ERROR_NOT_FOUND', 'answered');
const denied = error('api', 'ACCESS_DENIED', 'answered');
const noSubscription = error('api', 'ACCESS_DENIED', 'answered', {
	reason: 'restNeedsSubscription',
});

describe('classify', () => {
	it.each<[string, Bitrix24Error, Verdict, boolean, boolean]>([
		['a refusal (too many requests)', refused, 'wait', false, false],
		['an operating-time block', blocked, 'wait', false, false],
		['a wrong webhook', error('api', 'INVALID_CREDENTIALS', 'answered'), 'fatal', false, false],
		['a missing scope', error('api', 'insufficient_scope', 'answered'), 'fatal', false, false],
		['a missing permission: per method', denied, 'fatal', false, true],
		['REST closed for the whole portal', noSubscription, 'fatal', false, false],
		['a cancellation', error('network', 'CANCELED', 'notSent'), 'fatal', false, false],
		['a spent budget', error('budget', 'WAIT_BUDGET_EXHAUSTED', 'notSent'), 'fatal', false, false],
		[
			'an untrusted certificate',
			error('tls', 'CERT_HAS_EXPIRED', 'notSent'),
			'fatal',
			false,
			false,
		],
		['a redirect', error('redirect', 'HTTP_302', 'notSent'), 'fatal', false, false],
		['a broken character', error('input', 'INVALID_CHARACTER', 'notSent'), 'final', false, false],
		[
			'a run time too short',
			error('budget', 'OPERATION_TIME_LIMIT', 'notSent'),
			'final',
			false,
			false,
		],
		[
			'refusals until Max Wait',
			error('budget', 'QUERY_LIMIT_EXCEEDED', 'notSent'),
			'final',
			false,
			false,
		],
		['an unreachable portal', unreachable, 'retry', false, false],
		['a timeout', timeout, 'retry', true, false],
		['a lost connection', lost, 'retry', true, false],
		['a proxy page with 502', error('html', 'HTTP_502', 'unknown'), 'retry', true, false],
		['a server fault', error('api', 'INTERNAL_SERVER_ERROR', 'unknown'), 'retry', true, false],
		['the call’s own answer', notFound, 'final', false, false],
		['a 404 page', error('html', 'HTTP_404', 'answered'), 'final', false, false],
	])('%s', (_name, failure, verdict, ran, sameMethodOnly) => {
		expect(classify(failure)).toEqual({ verdict, mayHaveRun: ran, sameMethodOnly });
	});
});

describe('mayRetry', () => {
	it.each<[string, Bitrix24Error, boolean, number, boolean]>([
		['a refusal, however often tried', refused, false, 9, true],
		['a timeout of a call safe to repeat', timeout, true, 1, true],
		['a timeout of a call not safe to repeat', timeout, false, 1, false],
		['an unreachable portal: the call never left', unreachable, false, 1, true],
		['the last attempt', timeout, true, 4, false],
		['the call’s own answer', notFound, true, 1, false],
		['a fatal answer', denied, true, 1, false],
	])('%s', (_name, failure, idempotent, attempts, expected) => {
		expect(mayRetry(failure, idempotent, attempts, 4)).toBe(expected);
	});
});

describe('mayHaveRun', () => {
	it.each<[string, unknown, boolean]>([
		['a lost answer', lost, true],
		['a refusal', refused, false],
		['a plain Error', new Error('x'), false],
		['nothing', undefined, false],
	])('%s', (_name, failure, expected) => {
		expect(mayHaveRun(failure)).toBe(expected);
	});
});

describe('backoffMs', () => {
	afterEach(() => jest.restoreAllMocks());

	it.each([
		[0, 0.5, 500],
		[1, 0.5, 500],
		[2, 0.5, 1000],
		[3, 0.5, 2000],
		[3, 0, 1000],
		[3, 0.999, 2998],
		[7, 0.5, 30_000],
		[20, 0.5, 30_000],
	])('attempt %p with jitter %p waits %p ms', (attempt, random, expected) => {
		jest.spyOn(Math, 'random').mockReturnValue(random);
		expect(backoffMs(attempt)).toBe(expected);
	});
});

describe('retryDelayMs', () => {
	const now = 1_800_000_000_000;
	afterEach(() => jest.restoreAllMocks());

	it.each<[string, Bitrix24Error, number | undefined, number]>([
		['a block without a reset time: ask again later', blocked, undefined, UNKNOWN_RESET_WAIT_MS],
		['a block until a known moment, plus half a second', blocked, now / 1000 + 10, 10_500],
		['a block whose reset time passed: at least a second', blocked, now / 1000 - 5, 1000],
		['any other failure: the back-off', timeout, now / 1000 + 10, 1000],
	])('%s', (_name, failure, resetAt, expected) => {
		jest.spyOn(Math, 'random').mockReturnValue(0.5);
		expect(retryDelayMs(failure, 2, resetAt, now)).toBe(expected);
	});
});

describe('fatalReach', () => {
	it.each<[string, Bitrix24Error, ReturnType<typeof fatalReach>]>([
		[
			'a wrong webhook stops every run',
			error('api', 'INVALID_CREDENTIALS', 'answered'),
			{ allRuns: true, sameMethodOnly: false },
		],
		[
			'a missing permission stops the method in every run',
			denied,
			{ allRuns: true, sameMethodOnly: true },
		],
		['REST closed stops everything', noSubscription, { allRuns: true, sameMethodOnly: false }],
		[
			'a cancellation stops its own run only',
			error('network', 'CANCELED', 'notSent'),
			{ allRuns: false, sameMethodOnly: false },
		],
		[
			'a spent budget stops its own run only',
			error('budget', 'WAIT_BUDGET_EXHAUSTED', 'notSent'),
			{ allRuns: false, sameMethodOnly: false },
		],
		['a timeout stops nothing', timeout, undefined],
		['the call’s own answer stops nothing', notFound, undefined],
	])('%s', (_name, failure, expected) => {
		expect(fatalReach(failure)).toEqual(expected);
	});
});
