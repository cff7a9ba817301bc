import type { RateLimit } from './limiters';
import { LeakyBucket } from './limiters';
import { OperatingTimes } from './operatingTime';
import type { Connection } from './connection';
import type { Lane } from './queue';
import { CallQueue } from './queue';
import { TokenRenewal } from './tokenRenewal';

/**
 * What the whole n8n process shares per portal and per credential, whatever execution calls:
 * - one leaky bucket per portal: Bitrix24 counts requests per portal (and source address), not
 *   per webhook or application, so every execution and every credential of one portal paces
 *   against it;
 * - per credential (a webhook's URL, or an OAuth2 credential): the operating times the portal
 *   reports, which it counts per webhook or application and method; the queue in which concurrent
 *   executions' calls are merged; and for an application the renewal of its token.
 * Entries nobody used for a while are dropped, so a long-running n8n does not grow.
 */

/**
 * Longer than the portal's 10-minute operating-time window and far longer than a bucket takes to
 * empty.
 */
export const IDLE_MS = 15 * 60 * 1000;

class CredentialLane implements Lane {
	readonly operating = new OperatingTimes();
	readonly queue: CallQueue;
	lastUsedAt = Date.now();

	readonly renewal = new TokenRenewal();

	constructor(
		readonly bucket: LeakyBucket,
		readonly connection: Connection,
	) {
		this.queue = new CallQueue(this);
	}

	touch(): void {
		this.lastUsedAt = Date.now();
	}
}

interface Portal {
	bucket: LeakyBucket;
	lanes: Map<string, CredentialLane>;
}

const portals = new Map<string, Portal>();

/**
 * Drops the webhooks nobody used for IDLE_MS and whose queue is empty, then portals left without
 * webhooks.
 */
export function pruneIdle(now = Date.now()): void {
	for (const [key, portal] of portals) {
		for (const [laneKey, lane] of portal.lanes) {
			if (lane.queue.idle && now - lane.lastUsedAt > IDLE_MS) portal.lanes.delete(laneKey);
		}
		if (portal.lanes.size === 0 && now - portal.bucket.lastUsedAt > IDLE_MS) portals.delete(key);
	}
}

/**
 * The shared state for a credential: its portal's bucket (set to the limit the caller's node
 * options name; the last one set wins) and its own lane. Prunes idle entries on the way.
 */
export function laneFor(connection: Connection, limit: RateLimit): CredentialLane {
	pruneIdle();
	const key = connection.portalKey;
	let portal = portals.get(key);
	if (!portal) {
		portal = { bucket: new LeakyBucket(limit), lanes: new Map() };
		portals.set(key, portal);
	}
	portal.bucket.setLimit(limit);
	// calls of two credentials never share a request
	let lane = portal.lanes.get(connection.laneKey);
	if (!lane) {
		lane = new CredentialLane(portal.bucket, connection);
		portal.lanes.set(connection.laneKey, lane);
	}
	lane.touch();
	return lane;
}

/** How many portals and webhooks the process remembers (for tests and diagnostics). */
export function registrySize(): { portals: number; webhooks: number } {
	let webhooks = 0;
	for (const portal of portals.values()) webhooks += portal.lanes.size;
	return { portals: portals.size, webhooks };
}
