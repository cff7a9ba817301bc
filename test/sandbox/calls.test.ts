/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
import {
	createServer,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse as parseForm } from 'node:querystring';

import {
	Bitrix24Sandbox,
	buildQuery,
	type CallSpec,
	type SandboxOptions,
	type Webhook,
} from './index';
import { type Answer, call, form, read } from './restClient';

type StatRow = Record<string, string | null>;

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

const stats = async (webhook: Webhook, body: unknown = {}): Promise<Answer> =>
	call(webhook, 'voximplant.statistic.get', body);

const ids = (answer: Answer): string[] => answer.json.result.map((row: StatRow) => row.ID);

/** The documented row, in the order the server builds it. */
const ROW_KEYS = [
	'ID',
	'PORTAL_USER_ID',
	'PORTAL_NUMBER',
	'PHONE_NUMBER',
	'CALL_ID',
	'EXTERNAL_CALL_ID',
	'CALL_CATEGORY',
	'CALL_LOG',
	'CALL_DURATION',
	'CALL_START_DATE',
	'CALL_RECORD_URL',
	'CALL_VOTE',
	'COST',
	'COST_CURRENCY',
	'CALL_FAILED_CODE',
	'CALL_FAILED_REASON',
	'CRM_ENTITY_TYPE',
	'CRM_ENTITY_ID',
	'CRM_ACTIVITY_ID',
	'REST_APP_ID',
	'REST_APP_NAME',
	'TRANSCRIPT_ID',
	'TRANSCRIPT_PENDING',
	'SESSION_ID',
	'REDIAL_ATTEMPT',
	'COMMENT',
	'RECORD_DURATION',
	'RECORD_FILE_ID',
	'CALL_TYPE',
];

/** 2026-03-11 12:00:00 UTC = 15:00 in the portal's +03:00. */
const NOON_UTC = Date.UTC(2026, 2, 11, 12, 0, 0);

async function placeMany(sb: Bitrix24Sandbox, count: number, spec: CallSpec = {}): Promise<void> {
	for (let i = 0; i < count; i++) await sb.placeCall({ portalNumber: 'reg1', ...spec });
}

describe('placed calls and their statistics rows', () => {
	it('writes a row per call with the documented keys, PHP-style strings and the line search id', async () => {
		const sb = await start();
		const cloud = sb.addLineByHand({ type: 'cloud', title: 'Cloud', server: 'sip.a', login: 'a' });
		const office = sb.addLineByHand({ type: 'office', title: 'Office', server: 'pbx', login: 'b' });
		const rented = sb.addRentedNumber('+74950000001', 'Rented');

		const a = await sb.placeCall({ configId: cloud.configId, startedAt: NOON_UTC });
		const b = await sb.placeCall({ configId: office.configId, code: '486', type: 2 });
		const c = await sb.placeCall({ configId: rented.configId, code: '603-S', userId: 3 });
		const d = await sb.placeCall({ portalNumber: 'reg999', type: 5, code: '304' });

		expect(Object.keys(a.row)).toEqual(ROW_KEYS);
		expect(a.row).toMatchObject({
			ID: '1',
			PORTAL_USER_ID: '1',
			PORTAL_NUMBER: `reg${cloud.regId}`,
			PHONE_NUMBER: '+74951112233',
			CALL_ID: a.callId,
			CALL_CATEGORY: 'external',
			CALL_DURATION: '60',
			CALL_START_DATE: '2026-03-11T15:00:00+03:00',
			COST: '0.0000',
			COST_CURRENCY: 'RUB',
			CALL_FAILED_CODE: '200',
			CALL_FAILED_REASON: 'The call was successful',
			TRANSCRIPT_PENDING: 'N',
			RECORD_FILE_ID: null,
			CALL_TYPE: '1',
		});
		// Voximplant's CALL_ID: 16 hex digits, the start time, a counter.
		expect(a.callId).toMatch(/^[0-9A-F]{16}\.1773230400\.\d{7}$/);
		for (const value of Object.values(a.row))
			expect(value === null || typeof value === 'string').toBe(true);

		expect(b.row).toMatchObject({
			ID: '2',
			PORTAL_NUMBER: `sip${office.configId}`,
			CALL_FAILED_REASON: 'Busy',
			CALL_DURATION: '0',
			CALL_TYPE: '2',
		});
		expect(c.row).toMatchObject({
			PORTAL_NUMBER: '+74950000001',
			PORTAL_USER_ID: '3',
			CALL_FAILED_REASON: 'The call was canceled',
		});
		// Infocalls have no responsible user.
		expect(d.row).toMatchObject({ PORTAL_USER_ID: null, PORTAL_NUMBER: 'reg999', CALL_TYPE: '5' });

		const answer = await stats(sb.webhook);
		expect(answer.status).toBe(200);
		expect(answer.json.result).toEqual([a.row, b.row, c.row, d.row]);
		expect(answer.json.total).toBe(4);
		expect(answer.json.next).toBeUndefined();
		expect(sb.calls()).toEqual([a.row, b.row, c.row, d.row]);
		// A copy: changing it changes nothing in the portal.
		sb.calls()[0].PORTAL_NUMBER = 'changed';
		expect(sb.calls()[0].PORTAL_NUMBER).toBe(`reg${cloud.regId}`);
	});

	it('defaults: duration 60 only for 200, start = now - duration, the default outgoing line', async () => {
		const sb = await start();
		await expect(sb.placeCall({})).rejects.toThrow(/default outgoing/);
		const line = sb.addLineByHand({ type: 'cloud', title: 'Cloud', server: 'sip.a', login: 'a' });
		const before = Date.now();
		const ok = await sb.placeCall({});
		const failed = await sb.placeCall({ code: '480', reason: 'Temporarily Unavailable (raw)' });
		expect(ok.row.PORTAL_NUMBER).toBe(`reg${line.regId}`);
		const started = Date.parse(String(ok.row.CALL_START_DATE));
		expect(started).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 61_000);
		expect(started).toBeLessThanOrEqual(Date.now() - 59_000);
		expect(failed.row).toMatchObject({
			CALL_DURATION: '0',
			CALL_FAILED_REASON: 'Temporarily Unavailable (raw)',
		});
		const other = await sb.placeCall({ code: '599' });
		expect(other.row.CALL_FAILED_REASON).toBe('');
		await expect(sb.placeCall({ configId: 999 })).rejects.toThrow(/No telephony config/);
		await expect(sb.placeCall({ type: 7 })).rejects.toThrow(/CALL_TYPE/);
		await expect(sb.placeCall({ configId: line.configId, portalNumber: 'x' })).rejects.toThrow();
	});

	it('an empty history answers an empty result with total 0', async () => {
		const sb = await start();
		const answer = await stats(sb.webhook);
		expect(answer.json).toMatchObject({ result: [], total: 0 });
		expect(answer.json.next).toBeUndefined();
	});
});

describe('voximplant.statistic.get paging', () => {
	it('pages by 50 with total and next; start must be lower case', async () => {
		const sb = await start();
		await placeMany(sb, 120);
		const first = await stats(sb.webhook);
		expect(first.json.result).toHaveLength(50);
		expect(first.json).toMatchObject({ total: 120, next: 50 });
		expect(ids(first)[0]).toBe('1');

		const second = await stats(sb.webhook, { start: 50 });
		expect(ids(second)[0]).toBe('51');
		expect(second.json).toMatchObject({ total: 120, next: 100 });

		const last = await stats(sb.webhook, { start: 100 });
		expect(last.json.result).toHaveLength(20);
		expect(last.json.total).toBe(120);
		expect(last.json.next).toBeUndefined();

		const beyond = await stats(sb.webhook, { start: 500 });
		expect(beyond.json.result).toEqual([]);
		expect(beyond.json.total).toBe(120);
		expect(beyond.json.next).toBeUndefined();

		// START is not the page offset: the first page again.
		const upper = await stats(sb.webhook, { START: 50 });
		expect(ids(upper)[0]).toBe('1');
		expect(upper.json.next).toBe(50);

		// An odd offset is kept as it is; next is offset + rows.
		const odd = await stats(sb.webhook, { start: '7abc' });
		expect(ids(odd)[0]).toBe('8');
		expect(odd.json.next).toBe(57);

		// A negative start reads the first page, and the server skips the count.
		const negative = await stats(sb.webhook, { start: -1 });
		expect(ids(negative)[0]).toBe('1');
		expect(negative.json.result).toHaveLength(50);
		expect(negative.json.total).toBe(0);
		expect(negative.json.next).toBeUndefined();

		// The query string works the same.
		const query = await read(
			await fetch(`${sb.webhook.url}voximplant.statistic.get.json?start=100`),
		);
		expect(ids(query)[0]).toBe('101');
	});
});

describe('voximplant.statistic.get sorting', () => {
	async function threeCalls(sb: Bitrix24Sandbox): Promise<void> {
		await sb.placeCall({ portalNumber: 'reg1', duration: 30, type: 2 });
		await sb.placeCall({ portalNumber: 'reg1', duration: 90, type: 1 });
		await sb.placeCall({ portalNumber: 'reg1', duration: 10, type: 3 });
	}

	it('sorts only when SORT is a column and ORDER is exactly ASC or DESC', async () => {
		const sb = await start();
		await threeCalls(sb);
		expect(ids(await stats(sb.webhook, { SORT: 'CALL_DURATION', ORDER: 'DESC' }))).toEqual([
			'2',
			'1',
			'3',
		]);
		expect(ids(await stats(sb.webhook, { sort: 'CALL_DURATION', order: 'ASC' }))).toEqual([
			'3',
			'1',
			'2',
		]);
		// Trimmed first.
		expect(ids(await stats(sb.webhook, { SORT: ' CALL_DURATION ', ORDER: ' DESC ' }))).toEqual([
			'2',
			'1',
			'3',
		]);
		// Otherwise the default order, without an error.
		for (const body of [
			{ SORT: 'CALL_DURATION' },
			{ ORDER: 'DESC' },
			{ SORT: 'CALL_DURATION', ORDER: 'desc' },
			{ SORT: 'call_duration', ORDER: 'DESC' },
			{ SORT: 'NOPE', ORDER: 'DESC' },
			{ SORT: ['CALL_DURATION'], ORDER: 'DESC' },
			{ SORT: 'CALL_DURATION', ORDER: 1 },
			// CALL_TYPE is the INCOMING column: not sortable by its API name.
			{ SORT: 'CALL_TYPE', ORDER: 'DESC' },
		]) {
			const answer = await stats(sb.webhook, body);
			expect(answer.status).toBe(200);
			expect(ids(answer)).toEqual(['1', '2', '3']);
		}
		expect(ids(await stats(sb.webhook, { SORT: 'INCOMING', ORDER: 'DESC' }))).toEqual([
			'3',
			'1',
			'2',
		]);
	});
});

describe('voximplant.statistic.get filters', () => {
	async function mixed(sb: Bitrix24Sandbox): Promise<void> {
		await sb.placeCall({ portalNumber: 'reg1', code: '200', type: 1 });
		await sb.placeCall({ portalNumber: 'reg2', code: '486', type: 2 });
		await sb.placeCall({ portalNumber: 'sip7', code: '304', type: 2 });
		await sb.placeCall({ portalNumber: 'reg1', code: '603-S', type: 1 });
	}

	it('filters by field with operators, arrays as IN, keys in any case', async () => {
		const sb = await start();
		await mixed(sb);
		const f = async (filter: unknown): Promise<string[]> =>
			ids(await stats(sb.webhook, { FILTER: filter }));
		expect(await f({ PORTAL_NUMBER: 'reg1' })).toEqual(['1', '4']);
		expect(await f({ '=PORTAL_NUMBER': 'REG1' })).toEqual(['1', '4']);
		expect(await f({ portal_number: 'reg1' })).toEqual(['1', '4']);
		expect(await f({ PORTAL_NUMBER: ['reg2', 'sip7'] })).toEqual(['2', '3']);
		expect(await f({ '!PORTAL_NUMBER': ['reg2', 'sip7'] })).toEqual(['1', '4']);
		expect(await f({ '!CALL_FAILED_CODE': '200' })).toEqual(['2', '3', '4']);
		expect(await f({ CALL_TYPE: 2 })).toEqual(['2', '3']);
		expect(await f({ '>=ID': 3 })).toEqual(['3', '4']);
		expect(await f({ '><ID': [2, 3] })).toEqual(['2', '3']);
		expect(await f({ '%PORTAL_NUMBER': 'reg' })).toEqual(['1', '2', '4']);
		expect(await f({ ID: { 3: 1, 7: 4 } })).toEqual(['1', '4']);
		// Form encoding: FILTER[PORTAL_NUMBER][]=…
		const formAnswer = await form(
			sb.webhook,
			'voximplant.statistic.get',
			buildQuery({ FILTER: { PORTAL_NUMBER: ['reg2', 'sip7'] } }),
		);
		expect(ids(formAnswer)).toEqual(['2', '3']);
	});

	it('silently drops unknown fields, unknown operators and empty arrays', async () => {
		const sb = await start();
		await mixed(sb);
		const all = ['1', '2', '3', '4'];
		const f = async (filter: unknown): Promise<Answer> => stats(sb.webhook, { FILTER: filter });
		for (const filter of [
			{ NOPE: 'reg1' },
			{ CONFIG_ID: 3 },
			// Not a column of the table (the row's RECORD_FILE_ID comes from CALL_WEBDAV_ID).
			{ RECORD_FILE_ID: 5 },
			{ '=>PORTAL_NUMBER': 'reg1' },
			{ '~PORTAL_NUMBER': 'reg1' },
			{ '@PORTAL_NUMBER': ['reg1'] },
			{ PORTAL_NUMBER: [] },
			'PORTAL_NUMBER=reg1',
		]) {
			const answer = await f(filter);
			expect(answer.status).toBe(200);
			expect(ids(answer)).toEqual(all);
			expect(answer.json.total).toBe(4);
		}
		// The known condition next to a dropped one still applies.
		expect(ids(await f({ NOPE: 'x', PORTAL_NUMBER: 'sip7' }))).toEqual(['3']);
	});

	it('reads CALL_START_DATE like strtotime: an offset is that instant, none is portal time (+03:00)', async () => {
		const sb = await start();
		// 15:00 and 15:30 portal time.
		await sb.placeCall({ portalNumber: 'reg1', startedAt: NOON_UTC });
		await sb.placeCall({ portalNumber: 'reg1', startedAt: new Date(NOON_UTC + 30 * 60_000) });
		const f = async (filter: unknown): Promise<string[]> =>
			ids(await stats(sb.webhook, { FILTER: filter }));
		expect(await f({ '>=CALL_START_DATE': '2026-03-11T15:00:00+03:00' })).toEqual(['1', '2']);
		expect(await f({ '>CALL_START_DATE': '2026-03-11T15:00:00+03:00' })).toEqual(['2']);
		expect(await f({ '>=CALL_START_DATE': '2026-03-11T12:15:00Z' })).toEqual(['2']);
		expect(await f({ '>=CALL_START_DATE': '2026-03-11T13:15:00+01:00' })).toEqual(['2']);
		// Without an offset the portal's +03:00 applies: 15:15 portal time, not UTC.
		expect(await f({ '>=CALL_START_DATE': '2026-03-11T15:15:00' })).toEqual(['2']);
		expect(await f({ '>=CALL_START_DATE': '2026-03-11 15:15:00' })).toEqual(['2']);
		// The same text read as UTC would be 18:15 portal time: nothing.
		expect(await f({ '>=CALL_START_DATE': '2026-03-11T15:15:00Z' })).toEqual([]);
		expect(await f({ '<CALL_START_DATE': '2026-03-11' })).toEqual([]);
		expect(
			await f({ '><CALL_START_DATE': ['2026-03-11T14:59:00+03:00', '2026-03-11T15:01:00+03:00'] }),
		).toEqual(['1']);
		expect(await f({ CALL_START_DATE: '2026-03-11T12:30:00Z' })).toEqual(['2']);
		// strtotime() fails: the condition is dropped.
		expect(await f({ '>=CALL_START_DATE': 'last Tuesday-ish' })).toEqual(['1', '2']);
		expect(await f({ '>=CALL_START_DATE': '2026-13-45' })).toEqual(['1', '2']);
	});
});

describe('voximplant.statistic.get permissions', () => {
	it('none is refused, own narrows silently to the user, any sees everything', async () => {
		const sb = await start();
		await sb.placeCall({ portalNumber: 'reg1', userId: 1 });
		await sb.placeCall({ portalNumber: 'reg1', userId: 2 });
		await sb.placeCall({ portalNumber: 'reg1', userId: 2, code: '304' });
		await sb.placeCall({ portalNumber: 'reg1', type: 5 });

		const anyone = sb.addWebhook({ userId: 2 });
		expect(ids(await stats(anyone))).toEqual(['1', '2', '3', '4']);

		const own = sb.addWebhook({ userId: 2, callStatistics: 'own' });
		const owned = await stats(own);
		expect(owned.status).toBe(200);
		expect(ids(owned)).toEqual(['2', '3']);
		expect(owned.json.total).toBe(2);
		// Asking for someone else's calls gives nothing, not an error.
		expect(ids(await stats(own, { FILTER: { PORTAL_USER_ID: 1 } }))).toEqual([]);

		const none = sb.addWebhook({ userId: 3, callStatistics: 'none' });
		const refused = await stats(none);
		expect(refused.status).toBe(403);
		expect(refused.json).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });

		sb.setCallStatistics(none.id, 'any');
		expect(ids(await stats(none))).toEqual(['1', '2', '3', '4']);
		sb.setCallStatistics(sb.webhook.id, 'none');
		expect((await stats(sb.webhook)).status).toBe(403);
		expect(() => sb.setCallStatistics('999', 'any')).toThrow();
	});

	it('department narrows silently to the calls of the user and of everyone sharing a department', async () => {
		const sb = await start();
		// Sales: users 2 and 4; support: user 3 and again 4; user 5 is in no department.
		sb.setUserDepartments(2, [10]);
		sb.setUserDepartments(3, [20]);
		sb.setUserDepartments(4, [10, 20]);
		for (const userId of [1, 2, 3, 4, 5]) await sb.placeCall({ portalNumber: 'reg1', userId });
		await sb.placeCall({ portalNumber: 'reg1', type: 5 });

		const sales = sb.addWebhook({ userId: 2, callStatistics: 'department' });
		const answer = await stats(sales);
		expect(answer.status).toBe(200);
		expect(answer.json.result.map((row: StatRow) => row.PORTAL_USER_ID)).toEqual(['2', '4']);
		expect(answer.json.total).toBe(2);
		// A filter cannot reach past the level: no error, just nothing.
		expect(ids(await stats(sales, { FILTER: { PORTAL_USER_ID: 3 } }))).toEqual([]);

		// Two departments reach both; an infocall (no responsible user) shows only with "any".
		const both = sb.addWebhook({ userId: 4, callStatistics: 'department' });
		expect(ids(await stats(both))).toEqual(['2', '3', '4']);
		const alone = sb.addWebhook({ userId: 5, callStatistics: 'department' });
		expect(ids(await stats(alone))).toEqual(['5']);

		// The level follows the structure as it is now.
		sb.setUserDepartments(3, [10]);
		expect(ids(await stats(sales))).toEqual(['2', '3', '4']);
		sb.setCallStatistics(sales.id, 'own');
		expect(ids(await stats(sales))).toEqual(['2']);
		sb.setCallStatistics(sales.id, 'any');
		expect(ids(await stats(sales))).toEqual(['1', '2', '3', '4', '5', '6']);
	});

	it('does not need "Manage numbers", and "Manage numbers" does not grant it', async () => {
		const sb = await start();
		await sb.placeCall({ portalNumber: 'reg1' });
		const viewer = sb.addWebhook({ canManageNumbers: false });
		expect((await stats(viewer)).json.total).toBe(1);
		expect((await call(viewer, 'voximplant.sip.get')).status).toBe(403);

		const manager = sb.addWebhook({ callStatistics: 'none' });
		expect((await call(manager, 'voximplant.sip.get')).status).toBe(200);
		expect((await stats(manager)).status).toBe(403);

		const noScope = sb.addWebhook({ scopes: ['user'] });
		expect((await stats(noScope)).json.error).toBe('insufficient_scope');
	});
});

describe('voximplant.statistic.get in batch, limits and faults', () => {
	it('runs inside a batch with result_total, result_next and $next references', async () => {
		const sb = await start();
		await placeMany(sb, 60);
		const denied = sb.addWebhook({ callStatistics: 'none' });
		const answer = await call(sb.webhook, 'batch', {
			halt: 0,
			cmd: {
				first: 'voximplant.statistic.get?FILTER[PORTAL_NUMBER]=reg1',
				second: 'voximplant.statistic.get?start=$next[first]',
			},
		});
		expect(answer.status).toBe(200);
		const { result } = answer.json.result;
		expect(result.first).toHaveLength(50);
		expect(result.second).toHaveLength(10);
		expect(result.second[0].ID).toBe('51');
		expect(answer.json.result.result_total).toEqual({ first: 60, second: 60 });
		expect(answer.json.result.result_next).toEqual({ first: 50 });

		const refused = await call(denied, 'batch', { cmd: { a: 'voximplant.statistic.get' } });
		expect(refused.json.result.result_error.a).toEqual({
			error: 'ACCESS_DENIED',
			error_description: 'Access denied!',
		});
		expect(sb.log.at(-1)?.batchCommands?.[0]).toMatchObject({
			restMethod: 'voximplant.statistic.get',
			error: 'ACCESS_DENIED',
		});
	});

	it('counts toward the rate limit and takes injected faults and method errors', async () => {
		const sb = await start({ rateLimit: { burst: 2, perSecond: 0.001 } });
		expect((await stats(sb.webhook)).status).toBe(200);
		expect((await stats(sb.webhook)).status).toBe(200);
		expect((await stats(sb.webhook)).json.error).toBe('QUERY_LIMIT_EXCEEDED');
		sb.setRateLimit(false);

		sb.injectMethodError({ status: 500, error: 'ERROR_CORE', description: 'boom' }, 1, {
			restMethods: ['voximplant.statistic.get'],
		});
		expect((await call(sb.webhook, 'voximplant.sip.get')).status).toBe(200);
		expect((await stats(sb.webhook)).json).toEqual({
			error: 'ERROR_CORE',
			error_description: 'boom',
		});
		expect((await stats(sb.webhook)).status).toBe(200);

		sb.injectFault('html502', 1, { restMethods: ['voximplant.statistic.get'] });
		const html = await stats(sb.webhook);
		expect(html.status).toBe(502);
		expect(html.text).toContain('nginx');
		expect(sb.log.at(-1)).toMatchObject({
			fault: 'html502',
			restMethod: 'voximplant.statistic.get',
		});
	});

	it('counts toward the operating time of its own method', async () => {
		const sb = await start({ operating: { limitSeconds: 0.02, costSeconds: 0.01 } });
		expect((await stats(sb.webhook)).status).toBe(200);
		expect((await stats(sb.webhook)).status).toBe(200);
		const blocked = await stats(sb.webhook);
		expect(blocked.status).toBe(429);
		expect(blocked.json.error).toBe('OPERATION_TIME_LIMIT');
		expect((await call(sb.webhook, 'voximplant.sip.get')).status).toBe(200);
	});
});

describe('DETECT_LINE_NUMBER', () => {
	it('shows on sip.get rows and stores incoming calls under the detected number', async () => {
		const sb = await start();
		const line = sb.addLineByHand({ type: 'cloud', title: 'Trunk', server: 'sip.a', login: 'a' });
		const rows = async (): Promise<StatRow[]> =>
			(await call(sb.webhook, 'voximplant.sip.get')).json.result;
		expect((await rows())[0].DETECT_LINE_NUMBER).toBe('N');
		expect(sb.lines()[0].detectLineNumber).toBe(false);

		// Off: the detected number is not used.
		const off = await sb.placeCall({
			configId: line.configId,
			type: 2,
			detectedNumber: '+74957770000',
		});
		expect(off.row.PORTAL_NUMBER).toBe(`reg${line.regId}`);

		sb.setDetectLineNumber(line.configId, true);
		expect((await rows())[0].DETECT_LINE_NUMBER).toBe('Y');
		expect(
			(await call(sb.webhook, 'voximplant.sip.get', { FILTER: { DETECT_LINE_NUMBER: 'Y' } })).json
				.total,
		).toBe(1);
		const incoming = await sb.placeCall({
			configId: line.configId,
			type: 2,
			detectedNumber: '+74957770000',
		});
		expect(incoming.row.PORTAL_NUMBER).toBe('+74957770000');
		// Outgoing calls keep the line's search id.
		const outgoing = await sb.placeCall({
			configId: line.configId,
			type: 1,
			detectedNumber: '+74957770000',
		});
		expect(outgoing.row.PORTAL_NUMBER).toBe(`reg${line.regId}`);

		const rented = sb.addRentedNumber('+74950000001', 'Rented');
		expect(() => sb.setDetectLineNumber(rented.configId, true)).toThrow();
	});
});

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
