/** The two REST limits of a Bitrix24 portal: the request-rate leaky bucket and operating time. */

export interface RateLimit {
	burst: number;
	perSecond: number;
}

export interface OperatingLimit {
	limitSeconds: number;
	/** Counted time of each call; real portals skip calls of 0.1 s or less, so 0 models fast calls. */
	costSeconds: number;
	basketMs?: number;
}

/** One bucket per portal: each request adds 1, the level drains continuously by perSecond. */
export class LeakyBucket {
	private level = 0;
	private updatedAt = 0;

	constructor(private limit: RateLimit | false) {}

	setLimit(limit: RateLimit | false): void {
		this.limit = limit;
		this.level = 0;
	}

	/** False when the request must be refused; a refused request leaves the bucket as it was. */
	tryTake(now: number): boolean {
		if (this.limit === false) return true;
		const drained = ((now - this.updatedAt) / 1000) * this.limit.perSecond;
		this.level = Math.max(0, this.level - drained);
		this.updatedAt = now;
		if (this.level + 1 > this.limit.burst) return false;
		this.level += 1;
		return true;
	}
}

export interface OperatingState {
	/** Seconds summed over the window. */
	operating: number;
	/** Unix seconds when the oldest non-empty basket leaves the window; null when none is. */
	resetAt: number | null;
}

const BASKETS_IN_WINDOW = 10;

/** Operating time per (webhook, method): ten baskets of basketMs each make the window. */
export class OperatingTime {
	private readonly baskets = new Map<string, Map<number, number>>();

	constructor(private limit: OperatingLimit) {}

	setLimit(limit: OperatingLimit): void {
		this.limit = limit;
		this.baskets.clear();
	}

	private get basketMs(): number {
		return this.limit.basketMs ?? 60_000;
	}

	private window(key: string, now: number): Map<number, number> {
		let baskets = this.baskets.get(key);
		if (!baskets) {
			baskets = new Map();
			this.baskets.set(key, baskets);
		}
		const current = Math.floor(now / this.basketMs);
		for (const index of [...baskets.keys()]) {
			if (index <= current - BASKETS_IN_WINDOW) baskets.delete(index);
		}
		return baskets;
	}

	state(key: string, now: number): OperatingState {
		const baskets = this.window(key, now);
		let sum = 0;
		for (const value of baskets.values()) sum += value;
		const used = [...baskets.entries()].filter(([, value]) => value > 0).map(([index]) => index);
		const oldest = used.length > 0 ? Math.min(...used) : null;
		return {
			operating: Math.round(sum * 1e6) / 1e6,
			resetAt: oldest === null ? null : ((oldest + BASKETS_IN_WINDOW) * this.basketMs) / 1000,
		};
	}

	isBlocked(key: string, now: number): boolean {
		return this.state(key, now).operating >= this.limit.limitSeconds;
	}

	charge(key: string, now: number): OperatingState {
		const baskets = this.window(key, now);
		const current = Math.floor(now / this.basketMs);
		if (this.limit.costSeconds > 0)
			baskets.set(current, (baskets.get(current) ?? 0) + this.limit.costSeconds);
		return this.state(key, now);
	}
}
