/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
import {
	createServer,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse as parseForm } from 'node:querystring';

import { Bitrix24Sandbox, type SandboxOptions } from './index';
import { call, form, read } from './restClient';
import { NOON_UTC, stats } from './testCalls';

let sandbox: Bitrix24Sandbox | undefined;
const receivers: Receiver[] = [];

async function start(options?: SandboxOptions): Promise<Bitrix24Sandbox> {
	sandbox = await Bitrix24Sandbox.start({ rateLimit: false, ...options });
	return sandbox;
}

afterEach(async () => {
	await sandbox?.close();
	sandbox = undefined;
	await Promise.all(receivers.splice(0).map(async (r) => r.close()));
});

interface Received {
	method: string;
	headers: IncomingHttpHeaders;
	body: string;
	fields: Record<string, string>;
}

interface Receiver {
	url: string;
	received: Received[];
	close(): Promise<void>;
}

type Behaviour = (request: Received, res: ServerResponse) => void | Promise<void>;

/** An n8n-like webhook endpoint on 127.0.0.1 that records every POST it gets. */
async function receiver(behaviour: Behaviour = (_, res) => void res.end('ok')): Promise<Receiver> {
	const received: Received[] = [];
	const sockets = new Set<Socket>();
	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			const fields = parseForm(body) as Record<string, string>;
			const request = { method: req.method ?? '', headers: req.headers, body, fields };
			received.push(request);
			void Promise.resolve(behaviour(request, res)).catch(() => res.destroy());
		});
	});
	server.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const { port } = server.address() as AddressInfo;
	const handle: Receiver = {
		url: `http://127.0.0.1:${port}/webhook/calls`,
		received,
		close: async () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
	receivers.push(handle);
	return handle;
}

const sleep = async (ms: number): Promise<void> =>
	new Promise((resolve) => setTimeout(resolve, ms));

/** PHP's urlencode, written out for the expected texts. */
const enc = (text: string): string =>
	encodeURIComponent(text)
		.replace(/%20/g, '+')
		.replace(/[!'()*~]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase());

describe('outgoing webhooks: the delivery body', () => {
	it('POSTs CallEnd as Bitrix24 does: a PHP form with bracket keys, text values, webhook auth', async () => {
		const sb = await start();
		const line = sb.addLineByHand({ type: 'cloud', title: 'Trunk', server: 'sip.a', login: 'a' });
		const target = await receiver();
		const chosen = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6';
		const hook = sb.addOutgoingWebhook({ url: target.url, token: chosen });
		const { token } = hook;
		expect(hook).toMatchObject({
			id: 1,
			url: target.url,
			events: ['ONVOXIMPLANTCALLEND'],
			token: chosen,
		});

		const before = Math.floor(Date.now() / 1000);
		const placed = await sb.placeCall({ configId: line.configId, startedAt: NOON_UTC });
		expect(placed.deliveries).toHaveLength(1);
		const [delivery] = placed.deliveries;
		expect(delivery).toMatchObject({
			handlerId: hook.handlerIds.ONVOXIMPLANTCALLEND,
			event: 'ONVOXIMPLANTCALLEND',
			url: target.url,
			callId: placed.callId,
			status: 200,
			timedOut: false,
			responseText: 'ok',
		});
		expect(delivery.error).toBeUndefined();
		expect(sb.deliveries).toEqual([delivery]);

		expect(target.received).toHaveLength(1);
		const [request] = target.received;
		expect(request.method).toBe('POST');
		expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(request.body).toBe(delivery.body);

		const ts = Number(request.fields.ts);
		expect(ts).toBeGreaterThanOrEqual(before);
		expect(ts).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
		const host = new URL(sb.baseUrl).host;
		const expected = [
			'event=ONVOXIMPLANTCALLEND',
			`event_handler_id=${hook.handlerIds.ONVOXIMPLANTCALLEND}`,
			`data%5BCALL_ID%5D=${enc(placed.callId)}`,
			'data%5BCALL_TYPE%5D=1',
			'data%5BPHONE_NUMBER%5D=%2B74951112233',
			`data%5BPORTAL_NUMBER%5D=reg${line.regId}`,
			'data%5BPORTAL_USER_ID%5D=1',
			'data%5BCALL_DURATION%5D=60',
			'data%5BCALL_START_DATE%5D=2026-03-11T15%3A00%3A00%2B03%3A00',
			'data%5BCOST%5D=0',
			'data%5BCOST_CURRENCY%5D=RUB',
			'data%5BCALL_FAILED_CODE%5D=200',
			'data%5BCALL_FAILED_REASON%5D=The+call+was+successful',
			`data%5BCRM_ACTIVITY_ID%5D=${placed.row.CRM_ACTIVITY_ID}`,
			`ts=${ts}`,
			`auth%5Bdomain%5D=${enc(host)}`,
			`auth%5Bclient_endpoint%5D=${enc(`${sb.baseUrl}/rest/`)}`,
			'auth%5Bserver_endpoint%5D=https%3A%2F%2Foauth.bitrix.info%2Frest%2F',
			`auth%5Bmember_id%5D=${sb.memberId}`,
			`auth%5Bapplication_token%5D=${token}`,
		].join('&');
		expect(request.body).toBe(expected);
		expect(sb.memberId).toMatch(/^[0-9a-f]{32}$/);

		// Read back as a receiver would: every value a string, no OAuth tokens.
		expect(request.fields).toEqual({
			event: 'ONVOXIMPLANTCALLEND',
			event_handler_id: String(hook.handlerIds.ONVOXIMPLANTCALLEND),
			'data[CALL_ID]': placed.callId,
			'data[CALL_TYPE]': '1',
			'data[PHONE_NUMBER]': '+74951112233',
			'data[PORTAL_NUMBER]': `reg${line.regId}`,
			'data[PORTAL_USER_ID]': '1',
			'data[CALL_DURATION]': '60',
			'data[CALL_START_DATE]': '2026-03-11T15:00:00+03:00',
			'data[COST]': '0',
			'data[COST_CURRENCY]': 'RUB',
			'data[CALL_FAILED_CODE]': '200',
			'data[CALL_FAILED_REASON]': 'The call was successful',
			'data[CRM_ACTIVITY_ID]': placed.row.CRM_ACTIVITY_ID,
			ts: String(ts),
			'auth[domain]': host,
			'auth[client_endpoint]': `${sb.baseUrl}/rest/`,
			'auth[server_endpoint]': 'https://oauth.bitrix.info/rest/',
			'auth[member_id]': sb.memberId,
			'auth[application_token]': token,
		});
	});

	it('leaves null values out entirely (an infocall has no PORTAL_USER_ID, CRM off no activity)', async () => {
		const sb = await start();
		const target = await receiver();
		sb.addOutgoingWebhook({
			url: target.url,
			events: ['ONVOXIMPLANTCALLSTART', 'OnVoximplantCallEnd'],
		});
		const placed = await sb.placeCall({
			portalNumber: '+74950000001',
			type: 5,
			crmActivityId: null,
			cost: 1.5,
		});
		expect(placed.row).toMatchObject({
			PORTAL_USER_ID: null,
			CRM_ACTIVITY_ID: null,
			COST: '1.5000',
		});
		const [started, end] = target.received;
		expect(started.fields).toMatchObject({
			event: 'ONVOXIMPLANTCALLSTART',
			'data[CALL_ID]': placed.callId,
		});
		expect(started.body).not.toContain('USER_ID');
		expect(end.body).not.toContain('PORTAL_USER_ID');
		expect(end.body).not.toContain('CRM_ACTIVITY_ID');
		expect(end.fields['data[PORTAL_USER_ID]']).toBeUndefined();
		expect(end.fields['data[CALL_TYPE]']).toBe('5');
		// A PHP float: 1.5, while the row has the column's 1.5000.
		expect(end.fields['data[COST]']).toBe('1.5');
		// The keys of sendCallEndEvent minus the two nulls.
		expect(Object.keys(end.fields).filter((k) => k.startsWith('data['))).toEqual([
			'data[CALL_ID]',
			'data[CALL_TYPE]',
			'data[PHONE_NUMBER]',
			'data[PORTAL_NUMBER]',
			'data[CALL_DURATION]',
			'data[CALL_START_DATE]',
			'data[COST]',
			'data[COST_CURRENCY]',
			'data[CALL_FAILED_CODE]',
			'data[CALL_FAILED_REASON]',
		]);
	});

	it('CallInit: outgoing, CALLER_ID is the line; incoming, PHONE_NUMBER is; a REST app call its own keys', async () => {
		const sb = await start();
		const office = sb.addLineByHand({ type: 'office', title: 'Office', server: 'pbx', login: 'b' });
		const target = await receiver();
		sb.addOutgoingWebhook({ url: target.url, events: ['ONVOXIMPLANTCALLINIT'] });
		const out = await sb.placeCall({
			configId: office.configId,
			type: 1,
			phoneNumber: '+79990001122',
		});
		const incoming = await sb.placeCall({
			configId: office.configId,
			type: 2,
			phoneNumber: '+79990001133',
		});
		const app = await sb.placeCall({ portalNumber: 'REST_APP:12', type: 1 });
		const data = (r: Received): Record<string, string> =>
			Object.fromEntries(
				Object.entries(r.fields)
					.filter(([k]) => k.startsWith('data['))
					.map(([k, v]) => [k.slice(5, -1), v]),
			);
		expect(data(target.received[0])).toEqual({
			CALL_ID: out.callId,
			CALL_TYPE: '1',
			ACCOUNT_SEARCH_ID: `sip${office.configId}`,
			PHONE_NUMBER: '+79990001122',
			CALLER_ID: `sip${office.configId}`,
		});
		// controller_hit.php overwrites PHONE_NUMBER with the line's search id on incoming calls
		expect(data(target.received[1])).toEqual({
			CALL_ID: incoming.callId,
			CALL_TYPE: '2',
			ACCOUNT_SEARCH_ID: `sip${office.configId}`,
			PHONE_NUMBER: `sip${office.configId}`,
			CALLER_ID: '+79990001133',
		});
		// the statistics row and CallEnd still name the client in PHONE_NUMBER
		expect(incoming.row).toMatchObject({
			PHONE_NUMBER: '+79990001133',
			PORTAL_NUMBER: `sip${office.configId}`,
		});
		expect(data(target.received[2])).toEqual({
			CALL_ID: app.callId,
			CALL_TYPE: '1',
			CALLER_ID: '+74951112233',
			REST_APP_ID: '12',
		});
		expect(app.callId).toMatch(/^externalCall\.[0-9a-f]{32}\.\d+$/);
		expect(app.row).toMatchObject({
			PORTAL_NUMBER: 'REST_APP:12',
			REST_APP_ID: '12',
			SESSION_ID: null,
		});
	});
	it('CallInit carries CALL_TYPE 1 or 2 only; redirected, callback and infocall show at CallEnd', async () => {
		const sb = await start();
		const target = await receiver();
		sb.addOutgoingWebhook({
			url: target.url,
			events: ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLEND'],
		});
		for (const type of [1, 2, 3, 4, 5])
			await sb.placeCall({ portalNumber: 'reg7', type, code: '304' });
		// a REST app's call carries the type the app registered, 3-5 too
		await sb.placeCall({ portalNumber: 'REST_APP:12', type: 4, code: '304' });
		const types = target.received.map((r) => [r.fields.event, r.fields['data[CALL_TYPE]']]);
		expect(types).toEqual([
			['ONVOXIMPLANTCALLINIT', '1'],
			['ONVOXIMPLANTCALLEND', '1'],
			['ONVOXIMPLANTCALLINIT', '2'],
			['ONVOXIMPLANTCALLEND', '2'],
			['ONVOXIMPLANTCALLINIT', '2'],
			['ONVOXIMPLANTCALLEND', '3'],
			['ONVOXIMPLANTCALLINIT', '1'],
			['ONVOXIMPLANTCALLEND', '4'],
			['ONVOXIMPLANTCALLINIT', '1'],
			['ONVOXIMPLANTCALLEND', '5'],
			['ONVOXIMPLANTCALLINIT', '4'],
			['ONVOXIMPLANTCALLEND', '4'],
		]);
		// the redirected call comes in: the line in PHONE_NUMBER, the caller in CALLER_ID
		expect(target.received[4].fields).toMatchObject({
			'data[PHONE_NUMBER]': 'reg7',
			'data[CALLER_ID]': '+74951112233',
		});
		// a callback starts as an outgoing call: the line is CALLER_ID
		expect(target.received[6].fields).toMatchObject({
			'data[PHONE_NUMBER]': '+74951112233',
			'data[CALLER_ID]': 'reg7',
		});
		expect(sb.calls().map((row) => row.CALL_TYPE)).toEqual(['1', '2', '3', '4', '5', '4']);
	});
});

describe('outgoing webhooks: events, order and subscriptions', () => {
	it('sends each event only to its subscribers, in call order, and CallStart only when answered', async () => {
		const sb = await start();
		const endOnly = await receiver();
		const early = await receiver();
		const all = await receiver();
		const a = sb.addOutgoingWebhook({ url: endOnly.url });
		const b = sb.addOutgoingWebhook({
			url: early.url,
			events: ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLSTART'],
		});
		const c = sb.addOutgoingWebhook({
			url: all.url,
			events: ['ONVOXIMPLANTCALLEND', 'ONVOXIMPLANTCALLSTART', 'ONVOXIMPLANTCALLINIT'],
		});
		// A webhook's events share its token but are separate handlers.
		expect(new Set(Object.values(c.handlerIds)).size).toBe(3);
		expect(Object.values(b.handlerIds).some((id) => Object.values(c.handlerIds).includes(id))).toBe(
			false,
		);

		const answered = await sb.placeCall({ portalNumber: 'reg1', code: '200', duration: 42 });
		expect(answered.deliveries.map((d) => [d.event, d.url])).toEqual([
			['ONVOXIMPLANTCALLINIT', early.url],
			['ONVOXIMPLANTCALLINIT', all.url],
			['ONVOXIMPLANTCALLSTART', early.url],
			['ONVOXIMPLANTCALLSTART', all.url],
			['ONVOXIMPLANTCALLEND', endOnly.url],
			['ONVOXIMPLANTCALLEND', all.url],
		]);
		expect(all.received.map((r) => r.fields.event)).toEqual([
			'ONVOXIMPLANTCALLINIT',
			'ONVOXIMPLANTCALLSTART',
			'ONVOXIMPLANTCALLEND',
		]);
		expect(all.received[1].fields).toMatchObject({
			'data[CALL_ID]': answered.callId,
			'data[USER_ID]': '1',
			event_handler_id: String(c.handlerIds.ONVOXIMPLANTCALLSTART),
			'auth[application_token]': c.token,
		});
		expect(new Set(all.received.map((r) => r.fields['auth[application_token]']))).toEqual(
			new Set([c.token]),
		);
		expect(a.token).not.toBe(c.token);
		expect(a.token).toMatch(/^[a-z0-9]{32}$/);

		// Busy: no answer, so no CallStart; a 200 with no duration neither.
		const busy = await sb.placeCall({ portalNumber: 'reg1', code: '486' });
		expect(busy.deliveries.map((d) => d.event)).toEqual([
			'ONVOXIMPLANTCALLINIT',
			'ONVOXIMPLANTCALLINIT',
			'ONVOXIMPLANTCALLEND',
			'ONVOXIMPLANTCALLEND',
		]);
		const zero = await sb.placeCall({ portalNumber: 'reg1', code: '200', duration: 0 });
		expect(zero.deliveries.some((d) => d.event === 'ONVOXIMPLANTCALLSTART')).toBe(false);

		sb.removeOutgoingWebhook(c.id);
		const later = await sb.placeCall({ portalNumber: 'reg1', code: '486' });
		expect(later.deliveries.map((d) => d.url)).toEqual([early.url, endOnly.url]);
		expect(sb.deliveries).toHaveLength(6 + 4 + 4 + 2);
		expect(() => sb.addOutgoingWebhook({ url: all.url, events: ['ONCRMDEALADD'] })).toThrow();
		expect(() => sb.addOutgoingWebhook({ url: 'ftp://example.com/x' })).toThrow();
	});

	it('writes the row only when the call ends: CallInit cannot find it, CallEnd can', async () => {
		const sb = await start();
		const seen: Record<string, number> = {};
		const target = await receiver(async (request, res) => {
			const answer = await stats(sb.webhook, {
				FILTER: { CALL_ID: request.fields['data[CALL_ID]'] },
			});
			seen[request.fields.event] = answer.json.total;
			res.end('ok');
		});
		sb.addOutgoingWebhook({
			url: target.url,
			events: ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLSTART', 'ONVOXIMPLANTCALLEND'],
		});
		await sb.placeCall({ portalNumber: 'reg1' });
		expect(seen).toEqual({
			ONVOXIMPLANTCALLINIT: 0,
			ONVOXIMPLANTCALLSTART: 0,
			ONVOXIMPLANTCALLEND: 1,
		});
	});
});

describe('outgoing webhooks: receivers that fail', () => {
	it('a forged sender: wrongToken sends some other token, and the answer is recorded', async () => {
		const sb = await start();
		let token = '';
		const target = await receiver((request, res) => {
			res.statusCode = request.fields['auth[application_token]'] === token ? 200 : 401;
			res.end(res.statusCode === 200 ? 'ok' : 'bad token');
		});
		token = sb.addOutgoingWebhook({ url: target.url }).token;
		const forged = await sb.placeCall({ portalNumber: 'reg1', code: '486' }, { wrongToken: true });
		const sent = target.received[0].fields['auth[application_token]'];
		expect(sent).toMatch(/^[a-z0-9]{32}$/);
		expect(sent).not.toBe(token);
		expect(forged.deliveries[0]).toMatchObject({ status: 401, responseText: 'bad token' });
		const genuine = await sb.placeCall({ portalNumber: 'reg1', code: '486' });
		expect(genuine.deliveries[0].status).toBe(200);
		expect(target.received).toHaveLength(2);
	});

	it('a 500 or a reset is recorded once and never retried', async () => {
		const sb = await start();
		const failing = await receiver((_, res) => {
			res.statusCode = 500;
			res.end('Internal Server Error');
		});
		const resetting = await receiver((_, res) => {
			res.socket?.destroy();
		});
		const gone = await receiver();
		await gone.close();
		sb.addOutgoingWebhook({ url: failing.url });
		sb.addOutgoingWebhook({ url: resetting.url });
		sb.addOutgoingWebhook({ url: gone.url });
		const placed = await sb.placeCall({ portalNumber: 'reg1', code: '304' });
		const [five, reset, refused] = placed.deliveries;
		expect(five).toMatchObject({
			status: 500,
			responseText: 'Internal Server Error',
			timedOut: false,
		});
		expect(reset).toMatchObject({ status: 0, timedOut: false, responseText: '' });
		expect(reset.error).toMatch(/ECONNRESET|socket hang up|aborted/);
		expect(refused).toMatchObject({ status: 0, timedOut: false, error: 'ECONNREFUSED' });
		await sleep(300);
		expect(failing.received).toHaveLength(1);
		expect(resetting.received).toHaveLength(1);
	});

	it('a slow receiver is given up after deliveryTimeoutMs, recorded as timed out, not retried', async () => {
		const sb = await start({ deliveryTimeoutMs: 200 });
		const slow = await receiver(async (_, res) => {
			await sleep(1500);
			if (!res.destroyed) res.end('late');
		});
		const quick = await receiver();
		sb.addOutgoingWebhook({ url: slow.url });
		sb.addOutgoingWebhook({ url: quick.url });
		const began = Date.now();
		const placed = await sb.placeCall({ portalNumber: 'reg1' });
		expect(Date.now() - began).toBeLessThan(1200);
		const [late, fast] = placed.deliveries;
		expect(late).toMatchObject({ status: 0, timedOut: true, error: 'timeout', responseText: '' });
		expect(late.ms).toBeGreaterThanOrEqual(190);
		expect(late.ms).toBeLessThan(1200);
		expect(fast).toMatchObject({ status: 200, timedOut: false });
		expect(slow.received).toHaveLength(1);
	});

	it('delivers to different webhooks in parallel and records each time taken', async () => {
		const sb = await start();
		const slowReceiver = async (): Promise<Receiver> =>
			receiver(async (_, res) => {
				await sleep(400);
				res.end('ok');
			});
		sb.addOutgoingWebhook({ url: (await slowReceiver()).url });
		sb.addOutgoingWebhook({ url: (await slowReceiver()).url });
		const began = Date.now();
		const placed = await sb.placeCall({ portalNumber: 'reg1' });
		expect(Date.now() - began).toBeLessThan(780);
		for (const delivery of placed.deliveries) {
			expect(delivery.status).toBe(200);
			expect(delivery.ms).toBeGreaterThanOrEqual(390);
		}
	});

	it('closing the sandbox ends a delivery still waiting', async () => {
		const sb = await start();
		const hanging = await receiver(() => undefined);
		sb.addOutgoingWebhook({ url: hanging.url });
		const pending = sb.placeCall({ portalNumber: 'reg1' });
		await sleep(100);
		await sb.close();
		const placed = await pending;
		expect(placed.deliveries[0]).toMatchObject({ status: 0, error: 'sandbox closed' });
		await expect(sb.placeCall({ portalNumber: 'reg1' })).rejects.toThrow(/closed/);
	});
});

describe('outgoing webhooks: secrets', () => {
	it('the request log never shows an application token or the webhook secret', async () => {
		const sb = await start();
		const target = await receiver();
		const { token } = sb.addOutgoingWebhook({ url: target.url });
		await sb.placeCall({ portalNumber: 'reg1' });
		// A client that leaks the token into REST calls, or mistakes it for a webhook secret.
		await stats(sb.webhook, { FILTER: { CALL_ID: token }, token });
		await form(
			sb.webhook,
			'voximplant.statistic.get',
			`auth%5Bapplication_token%5D=${token}&FILTER%5B${token}%5D=1`,
		);
		await call(sb.webhook, 'batch', {
			cmd: { a: `voximplant.statistic.get?FILTER[CALL_ID]=${token}`, b: `nope.method?x=${token}` },
		});
		const wrong = await read(await fetch(`${sb.baseUrl}/rest/1/${token}/profile?t=${token}`));
		expect(wrong.json.error).toBe('INVALID_CREDENTIALS');
		sb.injectError({ status: 400, error: `BAD_${token}`, description: `see ${sb.webhook.url}` }, 1);
		await stats(sb.webhook);

		expect(sb.log.length).toBe(5);
		const logged = JSON.stringify(sb.log);
		expect(logged).not.toContain(token);
		expect(logged).not.toContain(sb.webhook.secret);
		expect(logged).toContain('***');
		expect(sb.log[0].params).toMatchObject({ FILTER: { CALL_ID: '***' }, token: '***' });
		// The deliveries are test tooling: they keep the body as it was sent.
		expect(sb.deliveries[0].body).toContain(token);
	});
});
