import type { RateLimit } from '../../../nodes/shared/transport/limiters';
import {
	ENTERPRISE_PLAN,
	LeakyBucket,
	shareOf,
	STANDARD_PLAN,
	WaitBudget,
} from '../../../nodes/shared/transport/limiters';

// every reading names its moment: the bucket's clock is the `now` it is given
const T0 = Date.now() + 60_000;

/** A bucket that counted `taken` requests at T0. */
function bucketWith(taken: number, limit: RateLimit = STANDARD_PLAN): LeakyBucket {
	const bucket = new LeakyBucket(limit);
	for (let index = 0; index < taken; index++) bucket.take(T0);
	return bucket;
}

describe('leaky bucket', () => {
	it.each([
		['an empty bucket', 0, 0, 0, 0],
		['room for one more (one place kept as slack)', 48, 0, 48, 0],
		['full but for the slack: one drain interval', 49, 0, 49, 500],
		['full: two drain intervals', 50, 0, 50, 1000],
		['full, half a second later', 50, 500, 49, 500],
		['full, a second later', 50, 1000, 48, 0],
		['drained completely, never below empty', 10, 60_000, 0, 0],
	])('%s', (_name, taken, after, level, delay) => {
		const bucket = bucketWith(taken);
		expect(bucket.levelAt(T0 + after)).toBeCloseTo(level, 6);
		expect(bucket.delayFor(T0 + after)).toBe(delay);
	});

	it.each([
		['the standard plan', STANDARD_PLAN, 1000],
		['the enterprise plan', ENTERPRISE_PLAN, 400],
	])('%s, full, drains two requests at its own pace', (_name, limit, delay) => {
		expect(bucketWith(limit.burst, limit).delayFor(T0)).toBe(delay);
	});

	it('remembers when and how full it was last used', () => {
		const bucket = bucketWith(3);
		bucket.take(T0 + 1000);
		expect(bucket.lastUsedAt).toBe(T0 + 1000);
		expect(bucket.levelAtLastUse).toBeCloseTo(2, 6);
	});

	it.each([
		['standard', STANDARD_PLAN, { burst: 25, perSecond: 1 }],
		['enterprise', ENTERPRISE_PLAN, { burst: 125, perSecond: 2.5 }],
	])('a refusal on %s: full at its halved size', (_name, limit, halved) => {
		const bucket = bucketWith(1, limit);
		bucket.refused(T0);
		expect(bucket.limit).toEqual(halved);
		expect(bucket.levelAt(T0)).toBe(halved.burst);
		expect(bucket.delayFor(T0)).toBe(Math.ceil((2 / halved.perSecond) * 1000));
	});
});

describe('wait budget', () => {
	it.each([
		['nothing spent', [], 1000, true, 1000],
		['part spent', [400], 600, true, 600],
		['part spent, asking for more than is left', [400], 601, false, 600],
		['spent in several waits', [300, 300], 400, true, 400],
		['overspent: nothing left, never below zero', [800, 800], 1, false, 0],
		['a negative wait counts as none', [-500], 1000, true, 1000],
		['a zero wait always fits', [1000], 0, true, 0],
	])('%s', (_name, spent, asked, affords, remaining) => {
		const budget = new WaitBudget(1000);
		for (const ms of spent) budget.spend(ms);
		expect(budget.affords(asked)).toBe(affords);
		expect(budget.remainingMs).toBe(remaining);
	});
});

describe('shareOf', () => {
	it.each<[RateLimit, number, RateLimit]>([
		[STANDARD_PLAN, 1, STANDARD_PLAN],
		[STANDARD_PLAN, 0, STANDARD_PLAN],
		[STANDARD_PLAN, 2, { burst: 25, perSecond: 1 }],
		[STANDARD_PLAN, 3, { burst: 16, perSecond: 2 / 3 }],
		[ENTERPRISE_PLAN, 4, { burst: 62, perSecond: 1.25 }],
		[STANDARD_PLAN, 100, { burst: 2, perSecond: 0.02 }],
	])('%o over %p processes: %o', (limit, processes, expected) => {
		expect(shareOf(limit, processes)).toEqual(expected);
	});
});
