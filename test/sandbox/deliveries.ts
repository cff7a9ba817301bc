/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/require-node-api-error -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
/**
 * Outgoing webhooks ("Developer resources → Other → Outgoing webhook"): a URL, the events it
 * takes and one application token. Bitrix24's queue POSTs each event once as a PHP form, with no
 * OAuth tokens and no retries.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { CALL_EVENTS, type CallEvent } from './calls';
import { buildQuery } from './php';
import { randomSecret } from './portal';
import type { Delivery, DeliveryOptions, OutgoingWebhook, OutgoingWebhookSpec } from './types';

const OAUTH_SERVER_ENDPOINT = 'https://oauth.bitrix.info/rest/';
/** Enough of any answer for a test to look at; the rest is read and dropped. */
const MAX_RESPONSE_TEXT = 64 * 1024;

interface Answer {
	status: number;
	responseText: string;
	timedOut: boolean;
	error?: string;
}

export interface DispatcherSettings {
	/** The portal's own address, e.g. http://127.0.0.1:4321. */
	baseUrl: string;
	/** 32 hex digits, fixed per portal. */
	memberId: string;
	timeoutMs: number;
}

export function newMemberId(): string {
	return randomBytes(16).toString('hex');
}

export class OutgoingWebhooks {
	/** Every token ever issued, so the request log can hide them. */
	readonly tokens = new Set<string>();

	private readonly hooks = new Map<number, OutgoingWebhook>();
	private readonly inFlight = new Set<ClientRequest>();
	private lastId = 0;
	private lastHandlerId = 0;
	private closed = false;

	constructor(private readonly settings: DispatcherSettings) {}

	add(spec: OutgoingWebhookSpec): OutgoingWebhook {
		let url: URL;
		try {
			url = new URL(spec.url);
		} catch {
			throw new Error(`Not a URL: ${spec.url}`);
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:')
			throw new Error(`An outgoing webhook URL is http or https; got ${spec.url}`);
		const events = [
			...new Set((spec.events ?? ['ONVOXIMPLANTCALLEND']).map((e) => e.toUpperCase())),
		];
		for (const event of events) {
			if (!CALL_EVENTS.includes(event))
				throw new Error(`The sandbox sends only ${CALL_EVENTS.join(', ')}; got ${event}`);
		}
		// One token for the whole webhook; each event is its own handler row with its own id.
		const handlerIds: Record<string, number> = {};
		for (const event of events) handlerIds[event] = ++this.lastHandlerId;
		const hook: OutgoingWebhook = {
			id: ++this.lastId,
			url: spec.url,
			events,
			token: spec.token ?? randomSecret(32),
			handlerIds,
		};
		this.hooks.set(hook.id, hook);
		this.tokens.add(hook.token);
		return { ...hook, events: [...events], handlerIds: { ...handlerIds } };
	}

	remove(id: number): void {
		this.hooks.delete(id);
	}

	/**
	 * Sends one event of a call to every handler of it, all at once, and waits for each to answer or
	 * time out. The result is in handler order whatever order the answers came in.
	 */
	async deliver(callId: string, event: CallEvent, options: DeliveryOptions): Promise<Delivery[]> {
		const targets = [...this.hooks.values()].filter((hook) => hook.events.includes(event.event));
		return Promise.all(
			targets.map(async (hook) => {
				const handlerId = hook.handlerIds[event.event];
				const body = this.body(
					event,
					handlerId,
					options.wrongToken ? randomSecret(32) : hook.token,
				);
				const startedAt = Date.now();
				const answer = await this.post(hook.url, body);
				return {
					handlerId,
					event: event.event,
					url: hook.url,
					callId,
					body,
					status: answer.status,
					ms: Date.now() - startedAt,
					timedOut: answer.timedOut,
					...(answer.error !== undefined ? { error: answer.error } : {}),
					responseText: answer.responseText,
				};
			}),
		);
	}

	/** Stops every delivery still waiting for its receiver. */
	close(): void {
		this.closed = true;
		for (const request of this.inFlight) request.destroy(new Error('sandbox closed'));
		this.inFlight.clear();
	}

	/**
	 * http_build_query of the queue's item: event, event_handler_id, data, ts, then a webhook's auth
	 * (no access or refresh token). Nulls in data are left out entirely, numbers are written as text.
	 */
	private body(event: CallEvent, handlerId: number, token: string): string {
		const base = new URL(this.settings.baseUrl);
		return buildQuery({
			event: event.event,
			event_handler_id: handlerId,
			data: event.data,
			ts: Math.floor(Date.now() / 1000),
			auth: {
				domain: base.host,
				client_endpoint: `${this.settings.baseUrl}/rest/`,
				server_endpoint: OAUTH_SERVER_ENDPOINT,
				member_id: this.settings.memberId,
				application_token: token,
			},
		});
	}

	/** One POST; redirects are not followed and nothing is retried. */
	private post(url: string, body: string): Promise<Answer> {
		return new Promise((resolve) => {
			if (this.closed) {
				resolve({ status: 0, responseText: '', timedOut: false, error: 'sandbox closed' });
				return;
			}
			let settled = false;
			let timedOut = false;
			const target = new URL(url);
			const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
			const request = send(target, {
				method: 'POST',
				// A fresh connection each time, so no idle socket outlives the sandbox.
				agent: false,
				headers: {
					'Content-Type': 'application/x-www-form-urlencoded',
					'Content-Length': Buffer.byteLength(body),
				},
			});
			const finish = (answer: Answer): void => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				this.inFlight.delete(request);
				resolve(answer);
			};
			const timer = setTimeout(() => {
				timedOut = true;
				request.destroy(new Error('timeout'));
			}, this.settings.timeoutMs);
			this.inFlight.add(request);
			request.on('response', (response: IncomingMessage) => {
				const chunks: Buffer[] = [];
				let size = 0;
				response.on('data', (chunk: Buffer) => {
					if (size < MAX_RESPONSE_TEXT) chunks.push(chunk);
					size += chunk.length;
				});
				response.on('end', () =>
					finish({
						status: response.statusCode ?? 0,
						responseText: Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE_TEXT),
						timedOut: false,
					}),
				);
				// A receiver that dies halfway gave no answer.
				response.on('error', (error: NodeJS.ErrnoException) =>
					finish({ status: 0, responseText: '', timedOut, error: errorText(error, timedOut) }),
				);
				response.on('close', () =>
					finish({
						status: 0,
						responseText: '',
						timedOut,
						error: timedOut ? 'timeout' : 'aborted',
					}),
				);
			});
			request.on('error', (error: NodeJS.ErrnoException) =>
				finish({ status: 0, responseText: '', timedOut, error: errorText(error, timedOut) }),
			);
			request.end(body);
		});
	}
}

function errorText(error: NodeJS.ErrnoException, timedOut: boolean): string {
	if (timedOut) return 'timeout';
	return error.code ?? error.message;
}
