import type { RateLimit } from './limiters';
import { LeakyBucket } from './limiters';
import { OperatingTimes } from './operatingTime';
import type { Lane } from './queue';
import { CallQueue } from './queue';
import type { ParsedWebhookUrl } from './webhookUrl';

/**
 * What the whole n8n process shares per portal and per webhook, whatever execution calls:
 * - one leaky bucket per portal: Bitrix24 counts requests per portal (and source address), not
 *   per webhook, so every execution and every credential of one portal paces against it;
 * - per webhook (one credential's URL): the operating times the portal reports, which it counts
 *   per webhook and method, and the queue in which concurrent executions' calls are merged.
 * Entries nobody used for a while are dropped, so a long-running n8n does not grow.
 */

/**
 * Longer than the portal's 10-minute operating-time window and far longer than a bucket takes to
 * empty.
 */
export const IDLE_MS = 15 * 60 * 1000;

class WebhookLane implements Lane {
	readonly operating = new OperatingTimes();
	readonly queue: CallQueue;
	lastUsedAt = Date.now();

	constructor(
		readonly bucket: LeakyBucket,
		readonly secret: string,
		readonly allowUnauthorizedCerts: boolean,
	) {
		this.queue = new CallQueue(this);
	}

	touch(): void {
		this.lastUsedAt = Date.now();
	}
}

interface Portal {
	bucket: LeakyBucket;
	lanes: Map<string, WebhookLane>;
}

const portals = new Map<string, Portal>();

/**
 * The portal a webhook belongs to: its address and the folder an on-premise install may live in.
 */
function portalKey(webhook: ParsedWebhookUrl): string {
	return webhook.baseUrl.slice(0, webhook.baseUrl.lastIndexOf('/rest/'));
}

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
 * The shared state for a webhook: its portal's bucket (set to the limit the caller's node options
 * name; the last one set wins) and its own lane. Prunes idle entries on the way.
 */
export function laneFor(
	webhook: ParsedWebhookUrl,
	allowUnauthorizedCerts: boolean,
	limit: RateLimit,
): WebhookLane {
	pruneIdle();
	const key = portalKey(webhook);
	let portal = portals.get(key);
	if (!portal) {
		portal = { bucket: new LeakyBucket(limit), lanes: new Map() };
		portals.set(key, portal);
	}
	portal.bucket.setLimit(limit);
	// a credential is its URL and how it treats certificates: calls of two credentials never share a
	// request
	const laneKey = `${webhook.baseUrl}|${allowUnauthorizedCerts ? 'insecure' : 'verified'}`;
	let lane = portal.lanes.get(laneKey);
	if (!lane) {
		lane = new WebhookLane(portal.bucket, webhook.secret, allowUnauthorizedCerts);
		portal.lanes.set(laneKey, lane);
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
