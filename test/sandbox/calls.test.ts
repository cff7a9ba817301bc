import { Bitrix24Sandbox, buildQuery, type CallSpec } from './index';
import { type Answer, call, form, read } from './restClient';
import { NOON_UTC, stats } from './testCalls';
import { sandboxPerTest } from './perTest';

type StatRow = Record<string, string | null>;

const start = sandboxPerTest({ rateLimit: false });

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
