/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
import {
	Bitrix24Sandbox,
	buildQuery,
	intval,
	parseQuery,
	phpJsonEncode,
	type SandboxOptions,
	type Webhook,
} from './index';

interface Answer {
	status: number;
	contentType: string;
	text: string;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	json: any;
}

let sandbox: Bitrix24Sandbox | undefined;

async function start(options?: SandboxOptions): Promise<Bitrix24Sandbox> {
	sandbox = await Bitrix24Sandbox.start(options);
	return sandbox;
}

afterEach(async () => {
	await sandbox?.close();
	sandbox = undefined;
});

async function read(response: Response): Promise<Answer> {
	const text = await response.text();
	const contentType = response.headers.get('content-type') ?? '';
	return {
		status: response.status,
		contentType,
		text,
		json: contentType.includes('json') ? JSON.parse(text) : undefined,
	};
}

/** POST with a JSON body, as the node does. */
async function call(webhook: Webhook, method: string, body: unknown = {}): Promise<Answer> {
	return read(
		await fetch(webhook.url + method, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
		}),
	);
}

async function form(webhook: Webhook, method: string, body: string): Promise<Answer> {
	return read(
		await fetch(webhook.url + method, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body,
		}),
	);
}

const cloud = (title: string, extra: Record<string, unknown> = {}) => ({
	TYPE: 'cloud',
	TITLE: title,
	SERVER: 'sip.provider.com',
	LOGIN: 'user',
	PASSWORD: 'secret',
	...extra,
});
const office = (title: string, extra: Record<string, unknown> = {}) => ({
	TYPE: 'office',
	TITLE: title,
	SERVER: 'pbx.office.local',
	LOGIN: 'user',
	PASSWORD: 'secret',
	...extra,
});

describe('routing and authorisation', () => {
	it('answers the documented envelope for scope, profile and method.get', async () => {
		const sb = await start();
		const scope = await call(sb.webhook, 'scope');
		expect(scope.status).toBe(200);
		expect(scope.contentType).toBe('application/json; charset=utf-8');
		expect(scope.json.result).toEqual(['telephony', 'user']);
		const time = scope.json.time;
		for (const key of [
			'start',
			'finish',
			'duration',
			'processing',
			'operating_reset_at',
			'operating',
		]) {
			expect(typeof time[key]).toBe('number');
		}
		expect(time.date_start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);

		const profile = await call(sb.webhook, 'profile.json');
		expect(profile.json.result).toMatchObject({ ID: '1', ADMIN: true });

		const noTelephony = sb.addWebhook({ scopes: ['user'] });
		expect(
			(await call(noTelephony, 'method.get', { name: 'voximplant.sip.get' })).json.result,
		).toEqual({
			isExisting: true,
			isAvailable: false,
		});
		expect(
			(await call(sb.webhook, 'method.get', { name: 'voximplant.sip.get' })).json.result,
		).toEqual({
			isExisting: true,
			isAvailable: true,
		});
		expect(
			(await call(sb.webhook, 'method.get', { name: 'voximplant.sip.nope' })).json.result,
		).toEqual({
			isExisting: false,
			isAvailable: false,
		});
	});

	it('refuses wrong, foreign and removed webhooks with 401 NO_AUTH_FOUND', async () => {
		const sb = await start();
		const wrongSecret = await read(await fetch(`${sb.baseUrl}/rest/1/wrongsecret123456/profile`));
		expect(wrongSecret.status).toBe(401);
		expect(wrongSecret.json).toEqual({
			error: 'NO_AUTH_FOUND',
			error_description: 'Wrong authorization data',
		});
		const wrongUser = await read(await fetch(`${sb.baseUrl}/rest/2/${sb.webhook.secret}/profile`));
		expect(wrongUser.status).toBe(401);

		const extra = sb.addWebhook({ userId: 7 });
		expect((await call(extra, 'profile')).status).toBe(200);
		sb.removeWebhook(extra.id);
		const removed = await call(extra, 'profile');
		expect(removed.status).toBe(401);
		expect(removed.json.error).toBe('NO_AUTH_FOUND');
		expect(removed.json.time).toBeUndefined();
	});

	it('answers 404 for unknown methods and paths, and never logs the secret', async () => {
		const sb = await start();
		const unknown = await call(sb.webhook, 'voximplant.sip.nothing');
		expect(unknown.status).toBe(404);
		expect(unknown.json.error).toBe('ERROR_METHOD_NOT_FOUND');
		expect((await call(sb.webhook, '')).status).toBe(404);
		expect((await read(await fetch(`${sb.baseUrl}/rest/profile`))).status).toBe(404);
		const outside = await read(await fetch(`${sb.baseUrl}/index.php`));
		expect(outside.status).toBe(404);
		expect(outside.contentType).toContain('text/html');
		expect((await read(await fetch(`${sb.webhook.url}profile/extra`))).status).toBe(404);

		expect(sb.log.length).toBe(5);
		for (const entry of sb.log) expect(entry.path).not.toContain(sb.webhook.secret);
		expect(sb.log[0]).toMatchObject({
			path: '/rest/1/***/voximplant.sip.nothing',
			status: 404,
			error: 'ERROR_METHOD_NOT_FOUND',
		});
	});

	it('checks the telephony scope, then the "manage numbers" permission', async () => {
		const sb = await start();
		const noScope = sb.addWebhook({ scopes: ['user'] });
		const scopeError = await call(noScope, 'voximplant.sip.get');
		expect(scopeError.status).toBe(403);
		expect(scopeError.json).toEqual({
			error: 'insufficient_scope',
			error_description:
				'The request requires higher privileges than provided by the webhook token',
		});
		const noRight = sb.addWebhook({ userId: 5, canManageNumbers: false });
		for (const method of [
			'voximplant.sip.get',
			'voximplant.sip.add',
			'voximplant.sip.connector.status',
			'voximplant.line.outgoing.get',
		]) {
			const denied = await call(noRight, method, cloud('x'));
			expect(denied.status).toBe(403);
			expect(denied.json).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
		}
		expect(sb.lines()).toHaveLength(0);
		expect((await call(noRight, 'profile')).json.result.ADMIN).toBe(false);
	});

	it('accepts form bodies with PHP brackets and GET query strings', async () => {
		const sb = await start();
		await call(sb.webhook, 'voximplant.sip.add', cloud('one'));
		await call(sb.webhook, 'voximplant.sip.add', office('two'));
		const added = await form(
			sb.webhook,
			'voximplant.sip.add',
			'TYPE=office&TITLE=my+line%26co&SERVER=pbx&LOGIN=a',
		);
		expect(added.json.result.TITLE).toBe('my line&co');
		const filtered = await form(
			sb.webhook,
			'voximplant.sip.get',
			'FILTER[TYPE]=office&SORT=CONFIG_ID&ORDER=DESC',
		);
		expect(filtered.json.result.map((l: { TITLE: string }) => l.TITLE)).toEqual([
			'my line&co',
			'two',
		]);
		const byIds = await read(
			await fetch(
				`${sb.webhook.url}voximplant.sip.get.json?FILTER[CONFIG_ID][]=3&FILTER[CONFIG_ID][]=5`,
			),
		);
		expect(byIds.json.result.map((l: { CONFIG_ID: string }) => l.CONFIG_ID)).toEqual(['3', '5']);
		expect(sb.log[sb.log.length - 1].params).toEqual({ FILTER: { CONFIG_ID: ['3', '5'] } });
	});
});

describe('voximplant.sip.add', () => {
	it('creates a cloud line with the documented field types and makes it the default line', async () => {
		const sb = await start();
		expect((await call(sb.webhook, 'voximplant.line.outgoing.get')).json.result).toBe('');
		const added = await call(
			sb.webhook,
			'voximplant.sip.add',
			cloud('  SIP line 1  ', { SERVER: 'https://sip.provider.com', TYPE: 'CLOUD' }),
		);
		expect(added.status).toBe(200);
		const line = added.json.result;
		expect(line).toMatchObject({
			TYPE: 'cloud',
			TITLE: 'SIP line 1',
			SERVER: 'sip.provider.com',
			LOGIN: 'user',
			PASSWORD: 'secret',
			AUTH_USER: null,
			OUTBOUND_PROXY: null,
			DETECT_LINE_NUMBER: 'N',
			LINE_DETECT_HEADER_ORDER: 'diversion;to',
			REGISTRATION_STATUS_CODE: null,
			REGISTRATION_ERROR_MESSAGE: null,
		});
		expect(typeof line.ID).toBe('string');
		expect(typeof line.CONFIG_ID).toBe('string');
		expect(typeof line.REG_ID).toBe('number');
		expect(line.REG_ID).toBeGreaterThan(150900);
		expect(line).not.toHaveProperty('INCOMING_SERVER');
		expect((await call(sb.webhook, 'voximplant.line.outgoing.get')).json.result).toBe(
			`reg${line.REG_ID}`,
		);

		const second = (await call(sb.webhook, 'voximplant.sip.add', office(''))).json.result;
		expect(Number(second.CONFIG_ID)).toBeGreaterThan(Number(line.CONFIG_ID));
		expect(second.TITLE).toBe('');
		expect(second).not.toHaveProperty('REG_ID');
		expect(second).toMatchObject({
			INCOMING_SERVER: expect.any(String),
			INCOMING_LOGIN: expect.any(String),
			INCOMING_PASSWORD: expect.any(String),
		});
		// The portal had a default already.
		expect((await call(sb.webhook, 'voximplant.line.outgoing.get')).json.result).toBe(
			`reg${line.REG_ID}`,
		);
	});

	it('rejects bad fields with CHECK_FIELDS_ERROR parts joined by "<br> "', async () => {
		const sb = await start();
		const empty = await call(sb.webhook, 'voximplant.sip.add', {});
		expect(empty.status).toBe(400);
		expect(empty.json).toEqual({
			error: 'CHECK_FIELDS_ERROR',
			error_description:
				'Server address not specified<br> Login for connecting to the server not specified',
		});
		const long = 'x'.repeat(101);
		const tooLong = await call(sb.webhook, 'voximplant.sip.add', {
			TYPE: 'pbx',
			SERVER: long,
			LOGIN: long,
			PASSWORD: long,
		});
		expect(tooLong.json.error_description).toBe(
			[
				'Server address cannot exceed 100 characters',
				'Login for connecting to the server cannot exceed 100 characters',
				'Password for connecting to the server cannot exceed 100 characters',
				'Wrong PBX type',
			].join('<br> '),
		);
		const exactly100 = 'y'.repeat(100);
		expect(
			(
				await call(
					sb.webhook,
					'voximplant.sip.add',
					office('ok', { SERVER: exactly100, LOGIN: exactly100, PASSWORD: exactly100 }),
				)
			).status,
		).toBe(200);
		expect(sb.lines()).toHaveLength(1);
	});

	it('keeps titles unique over the whole portal and stops at 10 cloud lines', async () => {
		const sb = await start();
		const other = sb.addWebhook({ userId: 2 });
		await call(other, 'voximplant.sip.add', office('Main'));
		const duplicate = await call(sb.webhook, 'voximplant.sip.add', cloud(' Main '));
		expect(duplicate.status).toBe(400);
		expect(duplicate.json).toEqual({
			error: 'TITLE_EXISTS',
			error_description: 'The specified connection name is already registered in the system',
		});
		for (let i = 0; i < 5; i++)
			expect((await call(other, 'voximplant.sip.add', cloud(`o${i}`))).status).toBe(200);
		for (let i = 0; i < 5; i++)
			expect((await call(sb.webhook, 'voximplant.sip.add', cloud(`m${i}`))).status).toBe(200);
		const eleventh = await call(sb.webhook, 'voximplant.sip.add', cloud('m5'));
		expect(eleventh.status).toBe(400);
		expect(eleventh.json).toEqual({
			error: 'MAX_CLOUD_PBX',
			error_description: 'You cannot connect more than 10 virtual PBXs.',
		});
		expect((await call(sb.webhook, 'voximplant.sip.add', office('still fine'))).status).toBe(200);
	});
});

describe('voximplant.sip.get', () => {
	it('shows only the lines of the calling app, with every id as a string', async () => {
		const sb = await start();
		const other = sb.addWebhook();
		await call(other, 'voximplant.sip.add', cloud('theirs'));
		const empty = await call(sb.webhook, 'voximplant.sip.get');
		expect(empty.json.result).toEqual([]);
		expect(empty.json).not.toHaveProperty('total');

		const mine = (await call(sb.webhook, 'voximplant.sip.add', cloud('mine'))).json.result;
		await call(sb.webhook, 'voximplant.sip.add', office('desk'));
		const got = await call(sb.webhook, 'voximplant.sip.get');
		expect(got.json.total).toBe(2);
		expect(got.json).not.toHaveProperty('next');
		const [cloudRow, officeRow] = got.json.result;
		expect(cloudRow).toMatchObject({
			CONFIG_ID: mine.CONFIG_ID,
			REG_ID: String(mine.REG_ID),
			TITLE: 'mine',
			REGISTRATION_STATUS_CODE: null,
		});
		expect(cloudRow).not.toHaveProperty('INCOMING_LOGIN');
		expect(officeRow).not.toHaveProperty('REG_ID');
		expect(officeRow.INCOMING_SERVER).toEqual(expect.any(String));
	});

	it('pages 50 at a time with total and next', async () => {
		const sb = await start();
		// 120 office lines in three batch requests (the 10-line limit is for cloud lines only).
		for (let b = 0; b < 3; b++) {
			const cmd: Record<string, string> = {};
			for (let i = 0; i < 40; i++)
				cmd[`l${i}`] = `voximplant.sip.add?${buildQuery(office(`line ${b * 40 + i}`))}`;
			const answer = await call(sb.webhook, 'batch', { halt: 1, cmd });
			expect(answer.json.result.result_error).toEqual([]);
		}
		const page1 = await call(sb.webhook, 'voximplant.sip.get');
		expect(page1.json.result).toHaveLength(50);
		expect(page1.json).toMatchObject({ total: 120, next: 50 });
		const page3 = await call(sb.webhook, 'voximplant.sip.get', { start: 100 });
		expect(page3.json.result).toHaveLength(20);
		expect(page3.json.total).toBe(120);
		expect(page3.json).not.toHaveProperty('next');
		const filtered = await call(sb.webhook, 'voximplant.sip.get', {
			FILTER: { '%TITLE': 'LINE 1' },
			start: 0,
		});
		// "line 1", "line 10".."line 19", "line 100".."line 119"
		expect(filtered.json.total).toBe(31);
	});

	it('supports the filter operators and SORT+ORDER', async () => {
		const sb = await start();
		for (const title of ['alpha', 'beta', 'gamma', 'delta'])
			await call(sb.webhook, 'voximplant.sip.add', office(title));
		await call(sb.webhook, 'voximplant.sip.add', cloud('epsilon'));
		const titles = async (body: Record<string, unknown>): Promise<string[]> =>
			(await call(sb.webhook, 'voximplant.sip.get', body)).json.result.map(
				(l: { TITLE: string }) => l.TITLE,
			);
		// Config ids start at 3: alpha 3, beta 4, gamma 5, delta 6, epsilon 7.
		expect(await titles({ FILTER: { TYPE: 'cloud' } })).toEqual(['epsilon']);
		expect(await titles({ FILTER: { '!TYPE': 'cloud' } })).toEqual([
			'alpha',
			'beta',
			'gamma',
			'delta',
		]);
		expect(await titles({ FILTER: { '>=CONFIG_ID': 6 } })).toEqual(['delta', 'epsilon']);
		expect(await titles({ FILTER: { '>CONFIG_ID': '6', '<=CONFIG_ID': 7 } })).toEqual(['epsilon']);
		expect(await titles({ FILTER: { '<CONFIG_ID': 4 } })).toEqual(['alpha']);
		expect(await titles({ FILTER: { '><CONFIG_ID': [4, 5] } })).toEqual(['beta', 'gamma']);
		expect(await titles({ FILTER: { '!><CONFIG_ID': [4, 6] } })).toEqual(['alpha', 'epsilon']);
		expect(await titles({ FILTER: { CONFIG_ID: [3, '7', 99] } })).toEqual(['alpha', 'epsilon']);
		expect(await titles({ FILTER: { '=TITLE': 'BETA' } })).toEqual(['beta']);
		expect(await titles({ FILTER: { '!=TITLE': 'beta', TYPE: 'office' } })).toEqual([
			'alpha',
			'gamma',
			'delta',
		]);
		expect(await titles({ FILTER: { '%TITLE': 'ELT' } })).toEqual(['delta']);
		expect(await titles({ FILTER: { '!%TITLE': 'a' } })).toEqual(['epsilon']);
		expect(await titles({ FILTER: { '?TITLE': 'alp | gam' } })).toEqual(['alpha', 'gamma']);
		expect(await titles({ SORT: 'TITLE', ORDER: 'DESC' })).toEqual([
			'gamma',
			'epsilon',
			'delta',
			'beta',
			'alpha',
		]);
		expect(await titles({ SORT: 'TITLE' })).toEqual(['alpha', 'beta', 'gamma', 'delta', 'epsilon']);
		const unknown = await call(sb.webhook, 'voximplant.sip.get', { FILTER: { NAME: 'x' } });
		expect(unknown.status).toBe(400);
	});
});

describe('voximplant.sip.update / delete / outgoing', () => {
	it('updates a line and follows the server quirks', async () => {
		const sb = await start();
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('first'))).json.result;
		await call(sb.webhook, 'voximplant.sip.add', cloud('second'));
		const configId = line.CONFIG_ID;

		const renamed = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: configId,
			TYPE: 'cloud',
			TITLE: ' renamed ',
		});
		expect(renamed.status).toBe(200);
		expect(renamed.json.result).toBe(1);
		expect(sb.lines()[0].title).toBe('renamed');

		// None of TITLE/SERVER/LOGIN/PASSWORD: still 1, nothing changes.
		const nothing = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: configId,
			TYPE: 'CLOUD',
		});
		expect(nothing.json.result).toBe(1);

		const upper = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: configId,
			TYPE: 'CLOUD',
			TITLE: 'x',
		});
		expect(upper.status).toBe(400);
		expect(upper.json).toEqual({
			error: 'CHECK_FIELDS_ERROR',
			error_description: 'Wrong PBX type',
		});

		const emptyServer = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: configId,
			TYPE: 'cloud',
			SERVER: '',
			LOGIN: '',
		});
		expect(emptyServer.json.error_description).toBe(
			'Server address not specified<br> Login for connecting to the server not specified',
		);

		const taken = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: configId,
			TYPE: 'cloud',
			TITLE: 'SECOND',
		});
		expect(taken.json.error).toBe('TITLE_EXISTS');

		// PHP intval: "3abc" is line 3.
		expect(
			(
				await call(sb.webhook, 'voximplant.sip.update', {
					CONFIG_ID: `${configId}abc`,
					TYPE: 'cloud',
					LOGIN: 'new',
				})
			).json.result,
		).toBe(1);
		expect(sb.lines()[0].login).toBe('new');

		const notFound = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: 'abc',
			TITLE: 'x',
		});
		expect(notFound.status).toBe(404);
		expect(notFound.json).toEqual({
			error: 'ERROR_NOT_FOUND',
			error_description: 'Specified CONFIG_ID is not found',
		});
		const foreign = await call(sb.addWebhook(), 'voximplant.sip.update', {
			CONFIG_ID: configId,
			TYPE: 'cloud',
			TITLE: 'x',
		});
		expect(foreign.status).toBe(404);
	});

	it('saves an office line as cloud when update omits TYPE', async () => {
		const sb = await start();
		const line = (await call(sb.webhook, 'voximplant.sip.add', office('desk'))).json.result;
		expect(
			(
				await call(sb.webhook, 'voximplant.sip.update', {
					CONFIG_ID: line.CONFIG_ID,
					TITLE: 'desk 2',
				})
			).json.result,
		).toBe(1);
		const [row] = (await call(sb.webhook, 'voximplant.sip.get')).json.result;
		expect(row.TYPE).toBe('cloud');
		expect(row.REG_ID).toEqual(expect.any(String));
		expect(row).not.toHaveProperty('INCOMING_SERVER');
		expect(
			(
				await call(sb.webhook, 'voximplant.sip.update', {
					CONFIG_ID: line.CONFIG_ID,
					TYPE: 'office',
					TITLE: 'desk 3',
				})
			).json.result,
		).toBe(1);
		expect(sb.lines()[0]).toMatchObject({ type: 'office', regId: null, title: 'desk 3' });
	});

	it('deletes lines, their registrations and the default outgoing line', async () => {
		const sb = await start();
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('gone'))).json.result;
		const keep = (await call(sb.webhook, 'voximplant.sip.add', office('kept'))).json.result;
		const notFound = await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: 999 });
		expect(notFound.status).toBe(400);
		expect(notFound.json).toEqual({
			error: 'ERROR_NOT_FOUND',
			error_description: 'Specified CONFIG_ID is not found',
		});
		expect(
			(await call(sb.addWebhook(), 'voximplant.sip.delete', { CONFIG_ID: line.CONFIG_ID })).status,
		).toBe(400);

		expect(
			(await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: Number(line.CONFIG_ID) })).json
				.result,
		).toBe(1);
		const status = await call(sb.webhook, 'voximplant.sip.status', { REG_ID: line.REG_ID });
		expect(status.status).toBe(400);
		expect(status.json).toEqual({
			error: 'REG_ID_NOT_FOUND',
			error_description: 'Settings not found',
		});
		expect((await call(sb.webhook, 'voximplant.line.outgoing.get')).json.result).toBe('');

		expect(
			(await call(sb.webhook, 'voximplant.line.outgoing.sip.set', { CONFIG_ID: keep.CONFIG_ID }))
				.json.result,
		).toBe(1);
		expect((await call(sb.webhook, 'voximplant.line.outgoing.get')).json.result).toBe(
			`sip${keep.CONFIG_ID}`,
		);
		const unknown = await call(sb.webhook, 'voximplant.line.outgoing.sip.set', {
			CONFIG_ID: 12345,
		});
		expect(unknown.status).toBe(400);
		expect(unknown.json.error).toBe('ERROR_NOT_FOUND');

		const broken = (await call(sb.webhook, 'voximplant.sip.add', cloud('broken'))).json.result;
		sb.breakRegistration(broken.REG_ID);
		const failed = await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: broken.CONFIG_ID });
		expect(failed.status).toBe(400);
		expect(failed.json).toEqual({
			error: 'REG_ID_NOT_FOUND',
			error_description: 'Settings not found',
		});
		expect(sb.lines()).toHaveLength(2);
	});

	it('answers connector status and UI links', async () => {
		const sb = await start();
		expect((await call(sb.webhook, 'voximplant.sip.connector.status')).json.result).toEqual({
			FREE_MINUTES: 60,
			PAID: false,
		});
		sb.setConnector({ FREE_MINUTES: 0, PAID: true, PAID_DATE_END: '2027-01-31' });
		expect((await call(sb.webhook, 'voximplant.sip.connector.status')).json.result).toEqual({
			FREE_MINUTES: 0,
			PAID: true,
			PAID_DATE_END: '2027-01-31',
		});
		const urls = (await call(sb.webhook, 'voximplant.url.get')).json.result;
		expect(urls.edit_config).toBe(`${sb.baseUrl}/telephony/edit.php?ID=#CONFIG_ID#`);
	});
});

describe('registrations', () => {
	it('goes wait → in_progress → success as the status is read', async () => {
		const sb = await start();
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('reg'))).json.result;
		const read = async () =>
			(await call(sb.webhook, 'voximplant.sip.status', { REG_ID: String(line.REG_ID) })).json
				.result;
		const first = await read();
		expect(first).toMatchObject({ REG_ID: line.REG_ID, STATUS_RESULT: 'wait' });
		expect(first.LAST_UPDATED).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
		expect((await read()).STATUS_RESULT).toBe('in_progress');
		expect(await read()).toMatchObject({
			STATUS_RESULT: 'success',
			STATUS_CODE: 200,
			ERROR_MESSAGE: '',
		});
		const [row] = (await call(sb.webhook, 'voximplant.sip.get')).json.result;
		expect(row).toMatchObject({ REGISTRATION_STATUS_CODE: '200', REGISTRATION_ERROR_MESSAGE: '' });

		// Other apps of the portal may read any registration.
		expect(
			(await call(sb.addWebhook(), 'voximplant.sip.status', { REG_ID: line.REG_ID })).status,
		).toBe(200);
		expect((await call(sb.webhook, 'voximplant.sip.status', { REG_ID: 1 })).json.error).toBe(
			'REG_ID_NOT_FOUND',
		);
	});

	it('follows server behaviours, password changes and forced states', async () => {
		const sb = await start();
		sb.setServerBehaviour('sip.provider.com', { requirePassword: 'right' });
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('pw', { PASSWORD: 'wrong' })))
			.json.result;
		sb.advanceRegistrations(2);
		expect(sb.registration(line.REG_ID)).toMatchObject({
			STATUS_RESULT: 'error',
			STATUS_CODE: 401,
			ERROR_MESSAGE: 'Unauthorized',
		});
		const [row] = (await call(sb.webhook, 'voximplant.sip.get')).json.result;
		expect(row).toMatchObject({
			REGISTRATION_STATUS_CODE: '401',
			REGISTRATION_ERROR_MESSAGE: 'Unauthorized',
		});

		await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: line.CONFIG_ID,
			TYPE: 'cloud',
			PASSWORD: 'right',
		});
		expect(sb.registration(line.REG_ID)?.STATUS_RESULT).toBe('in_progress');
		sb.advanceRegistrations();
		expect(sb.registration(line.REG_ID)?.STATUS_RESULT).toBe('success');

		sb.setServerBehaviour('sip.provider.com', { statusCode: 403 });
		expect(sb.registration(line.REG_ID)).toMatchObject({
			STATUS_RESULT: 'error',
			STATUS_CODE: 403,
			ERROR_MESSAGE: 'Forbidden',
		});
		sb.setServerBehaviour('sip.provider.com', null);
		expect(sb.registration(line.REG_ID)?.STATUS_RESULT).toBe('success');

		sb.setRegistration(line.REG_ID, { STATUS_RESULT: 'error', STATUS_CODE: 408 });
		expect(
			(await call(sb.webhook, 'voximplant.sip.status', { REG_ID: line.REG_ID })).json.result,
		).toMatchObject({
			STATUS_RESULT: 'error',
			STATUS_CODE: 408,
			ERROR_MESSAGE: 'Request Timeout',
		});
		expect(sb.lines()[0].registration?.STATUS_CODE).toBe(408);
	});

	it('advances by time when registrationStepMs is set', async () => {
		const sb = await start({ registrationStepMs: 1 });
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('timed'))).json.result;
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(sb.registration(line.REG_ID)?.STATUS_RESULT).toBe('success');
	});
});

describe('batch', () => {
	it('runs commands with $result references and reports per-command errors', async () => {
		const sb = await start();
		const answer = await call(sb.webhook, 'batch', {
			halt: 0,
			cmd: {
				add: `voximplant.sip.add?${buildQuery(cloud('a&b=c?d[e]#f+g%h Ünï'))}`,
				get: 'voximplant.sip.get?FILTER[CONFIG_ID]=$result[add][CONFIG_ID]',
				status: 'voximplant.sip.status?REG_ID=$result[add][REG_ID]',
				bad: 'voximplant.sip.delete?CONFIG_ID=0',
				nested: 'batch?cmd[x]=scope',
				unknown: 'no.such.method',
			},
		});
		expect(answer.status).toBe(200);
		const { result, result_error, result_total, result_next, result_time } = answer.json.result;
		expect(result.add.TITLE).toBe('a&b=c?d[e]#f+g%h Ünï');
		expect(result.get).toHaveLength(1);
		expect(result.get[0].TITLE).toBe('a&b=c?d[e]#f+g%h Ünï');
		expect(result.status.REG_ID).toBe(result.add.REG_ID);
		expect(result_total).toEqual({ get: 1 });
		expect(result_next).toEqual([]);
		expect(Object.keys(result_time)).toEqual(['add', 'get', 'status']);
		expect(result_error).toEqual({
			bad: { error: 'ERROR_NOT_FOUND', error_description: 'Specified CONFIG_ID is not found' },
			nested: {
				error: 'ERROR_BATCH_METHOD_NOT_ALLOWED',
				error_description: 'Method is not allowed for batch usage',
			},
			unknown: { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' },
		});
		const entry = sb.log[0];
		expect(entry.batchCommands?.map((c) => c.key)).toEqual([
			'add',
			'get',
			'status',
			'bad',
			'nested',
			'unknown',
		]);
		expect(entry.batchCommands?.[1]).toMatchObject({
			restMethod: 'voximplant.sip.get',
			params: { FILTER: { CONFIG_ID: result.add.CONFIG_ID } },
		});
		expect(entry.batchCommands?.[3].error).toBe('ERROR_NOT_FOUND');
	});

	it('substitutes references inside user text too, and an unencoded # cuts the query', async () => {
		const sb = await start();
		const answer = await call(sb.webhook, 'batch', {
			cmd: {
				a: `voximplant.sip.add?${buildQuery(office('first'))}`,
				b: `voximplant.sip.add?${buildQuery(office('copy of $result[a][TITLE]'))}`,
				c: 'voximplant.sip.add?TYPE=office&SERVER=s&LOGIN=l&TITLE=x#y',
			},
		});
		expect(answer.json.result.result.b.TITLE).toBe('copy of first');
		expect(answer.json.result.result.c.TITLE).toBe('x');
	});

	it('halts at the first error when asked, and shapes parts like PHP arrays', async () => {
		const sb = await start();
		const halted = await call(sb.webhook, 'batch', {
			halt: 1,
			cmd: ['scope', 'voximplant.sip.delete?CONFIG_ID=1', 'profile'],
		});
		expect(halted.json.result).toEqual({
			result: [['telephony', 'user']],
			result_error: {
				1: { error: 'ERROR_NOT_FOUND', error_description: 'Specified CONFIG_ID is not found' },
			},
			result_total: [],
			result_next: [],
			result_time: [expect.any(Object)],
		});
		// Keys 0 and 2 are not a list: json_encode writes an object.
		const gap = await call(sb.webhook, 'batch', {
			halt: 0,
			cmd: ['scope', 'voximplant.sip.delete?CONFIG_ID=1', 'profile'],
		});
		expect(gap.text).toContain('"result":{"0":["telephony","user"],"2":{');
		expect(gap.text).toContain('"result_error":{"1":{');

		// String "false" is true for PHP.
		const truthy = await call(sb.webhook, 'batch', {
			halt: 'false',
			cmd: { a: 'nope', b: 'scope' },
		});
		expect(truthy.json.result.result).toEqual([]);
	});

	it('fails the commands after the 50th and accepts form-encoded batches', async () => {
		const sb = await start();
		const cmd = Array.from({ length: 52 }, () => 'scope');
		const answer = await call(sb.webhook, 'batch', { halt: 0, cmd });
		expect(answer.json.result.result).toHaveLength(50);
		expect(answer.json.result.result_error).toEqual({
			50: { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' },
			51: { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' },
		});

		const body = buildQuery({
			halt: 0,
			cmd: {
				one: `voximplant.sip.add?${buildQuery(office('form+line'))}`,
				two: 'voximplant.sip.get',
			},
		});
		const viaForm = await form(sb.webhook, 'batch', body);
		expect(viaForm.json.result.result.one.TITLE).toBe('form+line');
		expect(viaForm.json.result.result_total).toEqual({ two: 1 });
	});

	it('counts each inner command toward its method operating time', async () => {
		const sb = await start({ operating: { limitSeconds: 0.03, costSeconds: 0.01 } });
		const answer = await call(sb.webhook, 'batch', {
			cmd: ['scope', 'scope', 'scope', 'scope', 'profile'],
		});
		const { result, result_error } = answer.json.result;
		expect(result).toEqual({
			0: expect.any(Array),
			1: expect.any(Array),
			2: expect.any(Array),
			4: expect.any(Object),
		});
		expect(result_error).toEqual({
			3: {
				error: 'OPERATION_TIME_LIMIT',
				error_description: 'Method is blocked due to operation time limit.',
			},
		});
	});
});

describe('limits', () => {
	it('refuses with 503 QUERY_LIMIT_EXCEEDED above the burst; a refused request fills nothing', async () => {
		const sb = await start({ rateLimit: { burst: 3, perSecond: 0.001 } });
		for (let i = 0; i < 3; i++) expect((await call(sb.webhook, 'scope')).status).toBe(200);
		const refused = await call(sb.webhook, 'voximplant.sip.add', cloud('never'));
		expect(refused.status).toBe(503);
		expect(refused.json).toEqual({
			error: 'QUERY_LIMIT_EXCEEDED',
			error_description: 'Too many requests',
		});
		expect(sb.lines()).toHaveLength(0);
		sb.setRateLimit(false);
		expect((await call(sb.webhook, 'scope')).status).toBe(200);
	});

	it('counts a batch as one request', async () => {
		const sb = await start({ rateLimit: { burst: 2, perSecond: 0.001 } });
		expect(
			(await call(sb.webhook, 'batch', { cmd: Array(10).fill('scope') })).json.result.result,
		).toHaveLength(10);
		expect((await call(sb.webhook, 'scope')).status).toBe(200);
		expect((await call(sb.webhook, 'scope')).status).toBe(503);
	});

	it('blocks a method with 429 once its operating time reaches the limit', async () => {
		const sb = await start({ operating: { limitSeconds: 0.03, costSeconds: 0.01 } });
		const times: number[] = [];
		for (let i = 0; i < 3; i++) times.push((await call(sb.webhook, 'scope')).json.time.operating);
		expect(times).toEqual([0.01, 0.02, 0.03]);
		const blocked = await call(sb.webhook, 'scope');
		expect(blocked.status).toBe(429);
		expect(blocked.json).toEqual({
			error: 'OPERATION_TIME_LIMIT',
			error_description: 'Method is blocked due to operation time limit.',
		});
		// Per method and per webhook.
		expect((await call(sb.webhook, 'profile')).status).toBe(200);
		expect((await call(sb.addWebhook(), 'scope')).status).toBe(200);
		sb.setOperating({ limitSeconds: 480, costSeconds: 0.01 });
		expect((await call(sb.webhook, 'scope')).status).toBe(200);
	});

	it('reports operating_reset_at when the oldest basket leaves the window', async () => {
		const sb = await start({ operating: { limitSeconds: 480, costSeconds: 1, basketMs: 1000 } });
		const before = Date.now() / 1000;
		const time = (await call(sb.webhook, 'scope')).json.time;
		expect(time.operating).toBe(1);
		expect(time.operating_reset_at).toBeGreaterThan(before + 8);
		expect(time.operating_reset_at).toBeLessThanOrEqual(Date.now() / 1000 + 10);
	});
});

describe('faults', () => {
	it('answers 500 JSON, nginx HTML pages and 503 OVERLOAD_LIMIT', async () => {
		const sb = await start();
		sb.injectFault('http500', 1);
		sb.injectFault('html502', 1);
		sb.injectFault('html504', 1);
		sb.injectFault('overload', 1);
		const http500 = await call(sb.webhook, 'scope');
		expect(http500.status).toBe(500);
		expect(http500.json.error).toBe('INTERNAL_SERVER_ERROR');
		const html502 = await call(sb.webhook, 'scope');
		expect(html502.status).toBe(502);
		expect(html502.contentType).toContain('text/html');
		expect(html502.text).toContain('502 Bad Gateway');
		const html504 = await call(sb.webhook, 'scope');
		expect(html504.status).toBe(504);
		expect(html504.text).toContain('504 Gateway Time-out');
		const overload = await call(sb.webhook, 'scope');
		expect(overload.status).toBe(503);
		expect(overload.json.error).toBe('OVERLOAD_LIMIT');
		expect((await call(sb.webhook, 'scope')).status).toBe(200);
		expect(sb.log.map((e) => e.fault)).toEqual([
			'http500',
			'html502',
			'html504',
			'overload',
			undefined,
		]);
	});

	it('resets the connection before running, or after running (lostAfterRun)', async () => {
		const sb = await start();
		sb.injectFault('reset', 1, { restMethods: ['voximplant.sip.add'] });
		expect((await call(sb.webhook, 'scope')).status).toBe(200);
		await expect(call(sb.webhook, 'voximplant.sip.add', cloud('reset'))).rejects.toThrow();
		expect(sb.lines()).toHaveLength(0);

		sb.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
		await expect(call(sb.webhook, 'voximplant.sip.add', cloud('lost'))).rejects.toThrow();
		expect(sb.lines().map((l) => l.title)).toEqual(['lost']);
		const lost = sb.log[sb.log.length - 1];
		expect(lost).toMatchObject({
			fault: 'lostAfterRun',
			status: 0,
			restMethod: 'voximplant.sip.add',
		});
	});

	it('matches batch requests by inner method and hangs until the client gives up', async () => {
		const sb = await start();
		sb.injectFault('hang', 1, { restMethods: ['voximplant.sip.add'] });
		const hung = fetch(sb.webhook.url + 'batch', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ cmd: { a: `voximplant.sip.add?${buildQuery(cloud('hang'))}` } }),
			signal: AbortSignal.timeout(200),
		});
		await expect(hung).rejects.toThrow();
		expect(sb.log[0]).toMatchObject({ fault: 'hang', status: 0, restMethod: 'batch' });
		expect(sb.lines()).toHaveLength(0);
	});

	it('close() ends hanging requests so the process can exit', async () => {
		const sb = await start({ latencyMs: 5 });
		sb.injectFault('hang', 1);
		const hung = fetch(sb.webhook.url + 'scope').then(
			() => 'answered',
			() => 'connection closed',
		);
		await new Promise((resolve) => setTimeout(resolve, 50));
		await sb.close();
		sandbox = undefined;
		expect(await hung).toBe('connection closed');
	});

	it('answers a hang with a 504 page after requestTimeoutMs', async () => {
		const sb = await start({ requestTimeoutMs: 10 });
		sb.injectFault('hang', 1);
		const answer = await call(sb.webhook, 'scope');
		expect(answer.status).toBe(504);
	});
});

describe('PHP helpers', () => {
	it('parse_str handles brackets, appends, + and odd names like PHP', () => {
		expect(
			parseQuery(
				'FILTER[TYPE]=cloud&FILTER[CONFIG_ID][0]=3&FILTER[CONFIG_ID][1]=7&a[]=1&a[]=2&b+c.d=x+y%2B&e',
			),
		).toEqual({
			FILTER: { TYPE: 'cloud', CONFIG_ID: ['3', '7'] },
			a: ['1', '2'],
			b_c_d: 'x y+',
			e: '',
		});
		expect(parseQuery('x[a]b=1&y[=2&z=%zz')).toEqual({ x: { a: '1' }, y_: '2', z: '%zz' });
		expect(parseQuery('k[5]=a&k[]=b')).toEqual({ k: { 5: 'a', 6: 'b' } });
	});

	it('http_build_query round-trips through parse_str, and json_encode escapes like PHP', () => {
		const params = {
			TITLE: 'a&b=c?d[e]#f+g%h Ünï $x',
			FILTER: { CONFIG_ID: [3, 7], TYPE: 'cloud' },
			flag: true,
		};
		expect(buildQuery(params)).toBe(
			'TITLE=a%26b%3Dc%3Fd%5Be%5D%23f%2Bg%25h+%C3%9Cn%C3%AF+%24x&FILTER%5BCONFIG_ID%5D%5B0%5D=3&FILTER%5BCONFIG_ID%5D%5B1%5D=7&FILTER%5BTYPE%5D=cloud&flag=1',
		);
		expect(parseQuery(buildQuery(params))).toEqual({
			...params,
			FILTER: { CONFIG_ID: ['3', '7'], TYPE: 'cloud' },
			flag: '1',
		});
		expect(phpJsonEncode({ a: 'Ü/<>', b: {}, c: [] })).toBe(
			'{"a":"\\u00dc\\/\\u003C\\u003E","b":[],"c":[]}',
		);
		expect([intval('5abc'), intval('abc'), intval(' 12'), intval(7.9), intval('1e3')]).toEqual([
			5, 0, 12, 7, 1000,
		]);
	});
});
