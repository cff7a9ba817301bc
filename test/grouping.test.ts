import {
	AdaptiveShare,
	CUT_COOLDOWN_MS,
	MIN_SHARE,
	RAISE_EVERY_MS,
	RAISE_STEP,
} from '../nodes/shared/transport/adaptiveShare';
import {
	RecentRuns,
	sendAt,
	STEADY_SHARE,
	steadyIntervalMs,
} from '../nodes/shared/transport/grouping';
import { LeakyBucket } from '../nodes/shared/transport/limiters';

/**
 * The pacing parts alone, on a fake clock: the grouping policy (when a request goes), the runs it
 * counts as company, and the share a process learns from refusals. The queue itself runs them
 * through the engine in concurrency.test.ts.
 */

const STANDARD = { burst: 50, perSecond: 2 };

describe('grouping policy', () => {
	// a request 100 ms before `now` left one request in an otherwise empty standard bucket
	const busy = {
		readyCalls: 1,
		company: true,
		levelAtLastSend: 1,
		burst: 50,
		perSecond: 2,
		lastSentAt: 9_900,
	};
	const steady = 1000 / (2 * STEADY_SHARE);

	it('sends at once when nobody else is about, however full the bucket', () => {
		expect(sendAt({ ...busy, company: false, levelAtLastSend: 40 }, 10_000)).toBe(10_000);
	});

	it('with company, the next request goes one steady interval after the last, a little slower than the refill', () => {
		expect(steady).toBeGreaterThan(500);
		expect(sendAt(busy, 10_000)).toBeCloseTo(9_900 + steady * (1 + 1 / 50));
		// the moment does not move while the queue waits: asking again later gives the same one
		expect(sendAt(busy, 10_300)).toBe(sendAt(busy, 10_000));
	});

	it('after a quiet while, company does not make a call wait', () => {
		expect(sendAt({ ...busy, lastSentAt: 8_000 }, 10_000)).toBeLessThan(10_000);
	});

	it('holds longer the fuller the bucket was, up to twice the steady interval', () => {
		const empty = sendAt({ ...busy, levelAtLastSend: 1 }, 10_000);
		const half = sendAt({ ...busy, levelAtLastSend: 25 }, 10_000);
		const full = sendAt({ ...busy, levelAtLastSend: 50 }, 10_000);
		expect(empty).toBeLessThan(half);
		expect(half).toBeLessThan(full);
		expect(full).toBeCloseTo(9_900 + 2 * steady);
	});

	it('a full batch goes at once', () => {
		expect(sendAt({ ...busy, readyCalls: 50, levelAtLastSend: 49 }, 10_000)).toBe(10_000);
	});

	it('a smaller share holds longer: one interval of its own pace', () => {
		expect(sendAt({ ...busy, perSecond: 1 }, 10_000) - 9_900).toBeCloseTo(
			2 * (sendAt(busy, 10_000) - 9_900),
		);
	});
});

describe('recent runs', () => {
	const a = {};
	const b = {};

	it('a lone run has no company; another run within the window is company', () => {
		const recent = new RecentRuns();
		recent.note(a, 0);
		expect(recent.company([a], 100, 1000)).toBe(false);
		recent.note(b, 200);
		expect(recent.company([a], 300, 1000)).toBe(true);
		expect(recent.company([b], 300, 1000)).toBe(true);
	});

	it('forgets runs older than the window', () => {
		const recent = new RecentRuns();
		recent.note(b, 0);
		recent.note(a, 1500);
		expect(recent.company([a], 1600, 1000)).toBe(false);
	});

	it('several runs waiting are company of each other', () => {
		expect(new RecentRuns().company([a, b], 0, 1000)).toBe(true);
	});
});

describe('adaptive share', () => {
	it('halves on a refusal, once per overflow, never below the minimum', () => {
		const share = new AdaptiveShare();
		expect(share.share).toBe(1);
		expect(share.noteRefused(1_000)).toBe(true);
		expect(share.share).toBe(0.5);
		// the other requests of the same overflow
		expect(share.noteRefused(1_000 + CUT_COOLDOWN_MS - 1)).toBe(false);
		expect(share.share).toBe(0.5);
		expect(share.noteRefused(1_000 + CUT_COOLDOWN_MS)).toBe(true);
		expect(share.share).toBe(0.25);
		for (let index = 0; index < 20; index++) share.noteRefused(10_000 + index * CUT_COOLDOWN_MS);
		expect(share.share).toBe(MIN_SHARE);
	});

	it('grows back by one step per quiet stretch of accepted requests, never above the configured limit', () => {
		const share = new AdaptiveShare();
		share.noteRefused(0);
		share.noteAccepted(RAISE_EVERY_MS - 1);
		expect(share.share).toBe(0.5);
		share.noteAccepted(RAISE_EVERY_MS);
		expect(share.share).toBeCloseTo(0.5 + RAISE_STEP);
		// the next step needs another whole stretch
		share.noteAccepted(RAISE_EVERY_MS + 1);
		expect(share.share).toBeCloseTo(0.5 + RAISE_STEP);
		for (let at = 2 * RAISE_EVERY_MS; at < 40 * RAISE_EVERY_MS; at += RAISE_EVERY_MS)
			share.noteAccepted(at);
		expect(share.share).toBe(1);
	});

	it('a refusal restarts the quiet stretch', () => {
		const share = new AdaptiveShare();
		share.noteRefused(0);
		// long after the cooldown: a second overflow cuts again
		share.noteRefused(RAISE_EVERY_MS - 1);
		expect(share.share).toBe(0.25);
		share.noteAccepted(RAISE_EVERY_MS + 10);
		expect(share.share).toBe(0.25);
	});

	it('never grows without refusals first: the configured limit is the ceiling', () => {
		const share = new AdaptiveShare();
		share.noteAccepted(1e9);
		expect(share.share).toBe(1);
	});
});

describe('bucket with a learnt share', () => {
	it('a refusal fills the bucket and halves its pace and size', () => {
		const bucket = new LeakyBucket(STANDARD);
		bucket.refused(Date.now());
		expect(bucket.limit).toEqual({ burst: 25, perSecond: 1 });
		expect(bucket.levelAt()).toBeCloseTo(25, 0);
		expect(bucket.delayFor()).toBeGreaterThan(0);
	});

	it('keeps its learnt share when the configured limit is set again', () => {
		const bucket = new LeakyBucket(STANDARD);
		bucket.refused(Date.now());
		bucket.setLimit({ burst: 250, perSecond: 5 });
		expect(bucket.limit).toEqual({ burst: 125, perSecond: 2.5 });
	});
});

/**
 * The policy, the bucket and the share together on a fake clock, as the queue uses them: calls
 * arrive at given moments (each from its own execution), a request carries what waits (up to 50)
 * and takes `latencyMs`. Returns when each request went and how many calls it carried.
 */
function simulate(
	arrivals: number[],
	options: { latencyMs?: number; company?: boolean } = {},
): Array<{ at: number; calls: number }> {
	const latencyMs = options.latencyMs ?? 20;
	const bucket = new LeakyBucket(STANDARD);
	const recent = new RecentRuns();
	const start = 1_000_000;
	// the bucket was last used long ago
	bucket.take(start - 3_600_000);
	const sent: Array<{ at: number; calls: number }> = [];
	const waiting: Array<{ run: object }> = [];
	let next = 0;
	let now = start;
	const queue = [...arrivals].sort((x, y) => x - y).map((at) => start + at);
	while (next < queue.length || waiting.length > 0) {
		if (waiting.length === 0) now = Math.max(now, queue[next]);
		while (next < queue.length && queue[next] <= now) {
			const run = {};
			recent.note(run, queue[next]);
			waiting.push({ run });
			next++;
		}
		const runs = waiting.map((call) => call.run);
		const company =
			options.company ?? recent.company(runs, now, steadyIntervalMs(bucket.limit.perSecond));
		const at = Math.max(
			now + bucket.delayFor(now),
			sendAt(
				{
					readyCalls: waiting.length,
					company,
					levelAtLastSend: bucket.levelAtLastUse,
					burst: bucket.limit.burst,
					perSecond: bucket.limit.perSecond,
					lastSentAt: bucket.lastUsedAt,
				},
				now,
			),
		);
		// a call arriving before that moment joins the wait
		if (next < queue.length && queue[next] < at && waiting.length < 50) {
			now = queue[next];
			continue;
		}
		now = at;
		bucket.take(now);
		const calls = waiting.splice(0, 50).length;
		sent.push({ at: now - start, calls });
		now += latencyMs;
		bucket.accepted(now);
	}
	return sent;
}

describe('the policy on a trickle (fake clock)', () => {
	const evenly = (count: number, seconds: number) =>
		Array.from({ length: count }, (_, index) => (index * seconds * 1000) / count);

	it('100 calls spread over 12 s: at most 2 + 2 requests per second of the trickle', () => {
		const sent = simulate(evenly(100, 12));
		expect(sent.reduce((sum, request) => sum + request.calls, 0)).toBe(100);
		expect(sent.length).toBeLessThanOrEqual(2 + 2 * 12);
	});

	it('1,000 calls over 60 s: requests never go out faster than the portal refills', () => {
		const sent = simulate(evenly(1000, 60));
		expect(sent.reduce((sum, request) => sum + request.calls, 0)).toBe(1000);
		expect(sent.length).toBeLessThanOrEqual(2 + 2 * 60);
		// in every 5-second window: no more than the refill allows, plus the one that opens it
		for (let from = 0; from < 60_000; from += 1000) {
			expect(
				sent.filter((request) => request.at >= from && request.at < from + 5000).length,
			).toBeLessThanOrEqual(11);
		}
	});

	it('no call waits much longer than one refill interval', () => {
		const arrivals = evenly(100, 12);
		const sent = simulate(arrivals);
		let call = 0;
		for (const request of sent) {
			for (let index = 0; index < request.calls; index++, call++)
				expect(request.at - arrivals[call]).toBeLessThanOrEqual(700);
		}
	});

	it('a lone call on an idle portal goes at once', () => {
		expect(simulate([0])).toEqual([{ at: 0, calls: 1 }]);
	});

	it('calls arriving slower than the refill go one by one without waiting', () => {
		const sent = simulate(evenly(10, 10));
		expect(sent).toHaveLength(10);
		sent.forEach((request, index) => expect(request.at).toBe(index * 1000));
	});

	it('200 calls at once: four full batches', () => {
		expect(simulate(Array.from({ length: 200 }, () => 0)).map((request) => request.calls)).toEqual([
			50, 50, 50, 50,
		]);
	});

	it('without the policy (every call alone at once), the same trickle spends the burst on single calls', () => {
		const sent = simulate(evenly(100, 12), { company: false });
		expect(sent.length).toBeGreaterThan(60);
	});
});

/** The portal's own bucket, as the sandbox keeps it: a refused request fills nothing. */
class PortalBucket {
	private level = 0;
	private at = 0;
	refused = 0;
	accepted = 0;
	lastRefusalAt = -1;

	constructor(
		private readonly burst: number,
		private readonly perSecond: number,
	) {}

	offer(now: number): boolean {
		this.level = Math.max(0, this.level - ((now - this.at) / 1000) * this.perSecond);
		this.at = now;
		if (this.level + 1 > this.burst) {
			this.refused++;
			this.lastRefusalAt = now;
			return false;
		}
		this.level += 1;
		this.accepted++;
		return true;
	}
}

/**
 * Two processes, each with its own bucket copy, policy and share, calling one portal: each gets a
 * call every `everyMs`, for `seconds`. A refused request is sent again 1 s later (the back-off).
 */
function twoProcesses(
	seconds: number,
	everyMs: number,
	adapt: boolean,
): { portal: PortalBucket; longestWaitMs: number } {
	const portal = new PortalBucket(50, 2);
	const start = 1_000_000;
	const processes = [0, 1].map(() => {
		const bucket = new LeakyBucket(STANDARD);
		bucket.take(start - 3_600_000);
		return {
			bucket,
			recent: new RecentRuns(),
			waiting: [] as Array<{ run: object; at: number }>,
			retryAt: 0,
			busyUntil: 0,
		};
	});
	let longestWaitMs = 0;
	for (
		let now = start;
		now < start + seconds * 1000 || processes.some((p) => p.waiting.length > 0);
		now += 5
	) {
		for (const [index, process] of processes.entries()) {
			// the second process's calls come half a period later
			if (now < start + seconds * 1000 && (now - start + index * (everyMs / 2)) % everyMs === 0) {
				const run = {};
				process.recent.note(run, now);
				process.waiting.push({ run, at: now });
			}
			if (process.waiting.length === 0 || now < process.retryAt || now < process.busyUntil)
				continue;
			const { bucket } = process;
			const at = Math.max(
				now + bucket.delayFor(now),
				sendAt(
					{
						readyCalls: process.waiting.length,
						company: process.recent.company(
							[process.waiting[0].run],
							now,
							steadyIntervalMs(bucket.limit.perSecond),
						),
						levelAtLastSend: bucket.levelAtLastUse,
						burst: bucket.limit.burst,
						perSecond: bucket.limit.perSecond,
						lastSentAt: bucket.lastUsedAt,
					},
					now,
				),
			);
			if (at > now) continue;
			bucket.take(now);
			process.busyUntil = now + 20;
			if (portal.offer(now)) {
				for (const call of process.waiting.splice(0, 50))
					longestWaitMs = Math.max(longestWaitMs, now - call.at);
				bucket.accepted(now + 20);
			} else {
				if (adapt) bucket.refused(now + 20);
				process.retryAt = now + 1000;
			}
		}
	}
	return { portal, longestWaitMs };
}

describe('two processes sharing one portal (fake clock)', () => {
	it('with the adaptive share, refusals stop once the processes have found their shares', () => {
		const { portal, longestWaitMs } = twoProcesses(180, 100, true);
		expect(portal.refused).toBeGreaterThan(0);
		// the portal fills after about 40 s of both sending at their steady pace; a refusal each and they settle
		expect(portal.lastRefusalAt - 1_000_000).toBeLessThan(90_000);
		// together within the portal's rate: its burst plus 2 per second
		expect(portal.accepted).toBeLessThanOrEqual(50 + 2 * 181);
		// neither process is starved by the other
		expect(longestWaitMs).toBeLessThan(5_000);
	});

	it('without it, each paces to the whole limit and the portal keeps refusing', () => {
		const { portal } = twoProcesses(180, 100, false);
		expect(portal.lastRefusalAt - 1_000_000).toBeGreaterThan(150_000);
		expect(portal.refused).toBeGreaterThan(50);
	});
});
