/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
import { request as httpsRequest } from 'node:https';

import { emptyParts, substitute } from './batch';
import {
	Bitrix24Sandbox,
	buildQuery,
	intval,
	LINK_BASE_NUMBER,
	parseQuery,
	phpJsonEncode,
	type SandboxOptions,
} from './index';
import { type Answer, call, form, parseJson, read } from './restClient';

let sandbox: Bitrix24Sandbox | undefined;

async function start(options?: SandboxOptions): Promise<Bitrix24Sandbox> {
	sandbox = await Bitrix24Sandbox.start(options);
	return sandbox;
}

afterEach(async () => {
	await sandbox?.close();
	sandbox = undefined;
});

/** Node's fetch cannot be given a CA, so HTTPS calls go through node:https. */
function httpsCall(
	url: string,
	body: unknown,
	tls: { ca?: string; rejectUnauthorized?: boolean },
): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const req = httpsRequest(
			url,
			{ method: 'POST', headers: { 'Content-Type': 'application/json' }, ...tls },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					const contentType = String(res.headers['content-type'] ?? '');
					resolve({ status: res.statusCode ?? 0, contentType, text, json: parseJson(text) });
				});
				res.on('error', reject);
			},
		);
		req.on('error', reject);
		req.end(JSON.stringify(body));
	});
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
const byHand = (title: string, type: 'cloud' | 'office' = 'cloud') => ({
	type,
	title,
	server: 'sip.ui.example',
	login: 'ui',
	password: 'pw',
});

const titlesOf = (answer: Answer): string[] =>
	answer.json.result.map((line: { TITLE: string }) => line.TITLE);

describe('routing and authorisation', () => {
	it('answers the documented envelope for scope, profile and method.get', async () => {
		const sb = await start();
		const scope = await call(sb.webhook, 'scope');
		expect(scope.status).toBe(200);
		expect(scope.contentType).toBe('application/json; charset=utf-8');
		expect(scope.json.result).toEqual(['telephony', 'user']);
		const time = scope.json.time;
		for (const key of ['start', 'finish', 'duration', 'processing']) {
			expect(typeof time[key]).toBe('number');
		}
		expect(time.date_start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);

		const profile = await call(sb.webhook, 'profile.json');
		expect(profile.json.result).toMatchObject({ ID: '1', ADMIN: true });

		const noTelephony = sb.addWebhook({ scopes: ['user'] });
		expect(
			(await call(noTelephony, 'method.get', { name: 'voximplant.sip.get' })).json.result,
		).toEqual({ isExisting: true, isAvailable: false });
		expect(
			(await call(sb.webhook, 'method.get', { name: 'voximplant.sip.get' })).json.result,
		).toEqual({ isExisting: true, isAvailable: true });
		expect(
			(await call(sb.webhook, 'method.get', { name: 'voximplant.sip.nope' })).json.result,
		).toEqual({ isExisting: false, isAvailable: false });
	});

	it('a wrong webhook code answers 401 INVALID_CREDENTIALS', async () => {
		const sb = await start();
		const invalid = {
			error: 'INVALID_CREDENTIALS',
			error_description: 'Invalid request credentials',
		};
		const wrongSecret = await read(await fetch(`${sb.baseUrl}/rest/1/wrongsecret123456/profile`));
		expect(wrongSecret.status).toBe(401);
		expect(wrongSecret.json).toEqual(invalid);
		const wrongUser = await read(await fetch(`${sb.baseUrl}/rest/2/${sb.webhook.secret}/profile`));
		expect(wrongUser.status).toBe(401);
		expect(wrongUser.json).toEqual(invalid);
		const wrongEmptyMethod = await read(await fetch(`${sb.baseUrl}/rest/1/nope/`));
		expect(wrongEmptyMethod.json).toEqual(invalid);
	});

	it('a removed webhook answers 401 INVALID_CREDENTIALS', async () => {
		const sb = await start();
		const extra = sb.addWebhook({ userId: 7 });
		expect((await call(extra, 'profile')).status).toBe(200);
		sb.removeWebhook(extra.id);
		const removed = await call(extra, 'profile');
		expect(removed.status).toBe(401);
		expect(removed.json).toEqual({
			error: 'INVALID_CREDENTIALS',
			error_description: 'Invalid request credentials',
		});
		expect(sb.log[sb.log.length - 1]).toMatchObject({ status: 401, error: 'INVALID_CREDENTIALS' });
		expect(sb.log[sb.log.length - 1].webhookId).toBeUndefined();
	});

	it('NO_AUTH_FOUND only when no authentication applies at all (/rest/<method>.json)', async () => {
		const sb = await start();
		for (const path of ['/rest/profile.json', '/rest/voximplant.sip.get']) {
			const answer = await read(await fetch(sb.baseUrl + path, { method: 'POST' }));
			expect(answer.status).toBe(401);
			expect(answer.json).toEqual({
				error: 'NO_AUTH_FOUND',
				error_description: 'Wrong authorization data',
			});
		}
		expect(sb.log.map((e) => e.restMethod)).toEqual(['profile', 'voximplant.sip.get']);
	});

	it('answers 404 for unknown methods and paths, and never logs the secret', async () => {
		const sb = await start();
		const unknown = await call(sb.webhook, 'voximplant.sip.nothing');
		expect(unknown.status).toBe(404);
		expect(unknown.json.error).toBe('ERROR_METHOD_NOT_FOUND');
		expect((await call(sb.webhook, '')).status).toBe(404);
		expect((await read(await fetch(`${sb.baseUrl}/rest/`))).status).toBe(404);
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
			webhookId: sb.webhook.id,
		});
	});

	it('insufficient_scope answers 401, with an empty description inside a batch', async () => {
		const sb = await start();
		const noScope = sb.addWebhook({ scopes: ['user'] });
		const scopeError = await call(noScope, 'voximplant.sip.get');
		expect(scopeError.status).toBe(401);
		expect(scopeError.json).toEqual({
			error: 'insufficient_scope',
			error_description:
				'The request requires higher privileges than provided by the webhook token',
		});
		const batch = await call(noScope, 'batch', { cmd: { a: 'voximplant.sip.get', b: 'profile' } });
		expect(batch.status).toBe(200);
		expect(batch.json.result.result_error).toEqual({
			a: { error: 'insufficient_scope', error_description: '' },
		});
		expect(Object.keys(batch.json.result.result)).toEqual(['b']);
	});

	it('without "manage numbers" every SIP method answers 403 ACCESS_DENIED "Access denied!"', async () => {
		const sb = await start();
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

	it('HTTPS required answers 401 INVALID_REQUEST "Https required."', async () => {
		const sb = await start({ requireHttps: true });
		const refused = await call(sb.webhook, 'voximplant.sip.add', cloud('plain'));
		expect(refused.status).toBe(401);
		expect(refused.json).toEqual({
			error: 'INVALID_REQUEST',
			error_description: 'Https required.',
		});
		expect(sb.lines()).toHaveLength(0);
		sb.setRequireHttps(false);
		expect((await call(sb.webhook, 'scope')).status).toBe(200);
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
		expect(titlesOf(filtered)).toEqual(['my line&co', 'two']);
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
	it('creates a cloud line with the documented field types', async () => {
		const sb = await start();
		const added = await call(
			sb.webhook,
			'voximplant.sip.add',
			cloud('  SIP line 1  ', { SERVER: 'https://sip.provider.com', TYPE: 'CLOUD' }),
		);
		expect(added.status).toBe(200);
		const line = added.json.result;
		expect(Object.keys(line)).toEqual([
			'ID',
			'TYPE',
			'CONFIG_ID',
			'REG_ID',
			'TITLE',
			'SERVER',
			'LOGIN',
			'PASSWORD',
			'AUTH_USER',
			'OUTBOUND_PROXY',
			'DETECT_LINE_NUMBER',
			'LINE_DETECT_HEADER_ORDER',
			'REGISTRATION_STATUS_CODE',
			'REGISTRATION_ERROR_MESSAGE',
		]);
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
		expect(line.ID).toEqual(expect.stringMatching(/^\d+$/));
		expect(line.CONFIG_ID).toBe('3');
		expect(typeof line.REG_ID).toBe('number');
		expect(line.REG_ID).toBeGreaterThan(150900);
		expect(sb.lines()[0]).toMatchObject({ appId: '', type: 'cloud', regId: line.REG_ID });

		const desk = (await call(sb.webhook, 'voximplant.sip.add', office(''))).json.result;
		expect(desk.TITLE).toBe('');
		expect(desk).not.toHaveProperty('REG_ID');
		expect(desk).toMatchObject({
			INCOMING_SERVER: expect.any(String),
			INCOMING_LOGIN: expect.stringMatching(/^sip/),
			INCOMING_PASSWORD: expect.any(String),
		});
		// Without TYPE the line is a cloud line.
		const noType = { TITLE: 'no type', SERVER: 's', LOGIN: 'l' };
		expect((await call(sb.webhook, 'voximplant.sip.add', noType)).json.result.TYPE).toBe('cloud');
	});

	it('line.outgoing.get answers LINK_BASE_NUMBER on a fresh portal; a new line takes over only from it', async () => {
		const sb = await start();
		const outgoing = async () =>
			(await call(sb.webhook, 'voximplant.line.outgoing.get')).json.result;
		expect(await outgoing()).toBe('LINK_BASE_NUMBER');
		expect(sb.defaultOutgoing()).toBe(LINK_BASE_NUMBER);
		// A rented number does not take over by being rented.
		sb.addRentedNumber('74951234567', 'Moscow');
		expect(await outgoing()).toBe('LINK_BASE_NUMBER');

		const first = (await call(sb.webhook, 'voximplant.sip.add', cloud('first'))).json.result;
		expect(await outgoing()).toBe(`reg${first.REG_ID}`);
		expect(sb.lines()[0].isDefaultOutgoing).toBe(true);
		await call(sb.webhook, 'voximplant.sip.add', office('second'));
		expect(await outgoing()).toBe(`reg${first.REG_ID}`);

		// A stale default (no current line has it) is no default: get answers LINK_BASE_NUMBER, and
		// the next new line takes over, as GetPortalNumber checks the stored value.
		sb.setDefaultOutgoing('reg1');
		expect(sb.storedDefaultOutgoing()).toBe('reg1');
		expect(await outgoing()).toBe('LINK_BASE_NUMBER');
		expect(sb.lines().some((line) => line.isDefaultOutgoing)).toBe(false);
		const third = (await call(sb.webhook, 'voximplant.sip.add', office('third'))).json.result;
		expect(await outgoing()).toBe(third.INCOMING_LOGIN);
		sb.setDefaultOutgoing(null);
		const fourth = (await call(sb.webhook, 'voximplant.sip.add', office('fourth'))).json.result;
		expect(await outgoing()).toBe(fourth.INCOMING_LOGIN);
	});

	it('a deleted default line leaves its value stored, but get answers LINK_BASE_NUMBER and sip.add takes over', async () => {
		const sb = await start();
		const outgoing = async () =>
			(await call(sb.webhook, 'voximplant.line.outgoing.get')).json.result;
		const first = (await call(sb.webhook, 'voximplant.sip.add', cloud('first'))).json.result;
		await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: first.CONFIG_ID });
		expect(sb.storedDefaultOutgoing()).toBe(`reg${first.REG_ID}`);
		expect(await outgoing()).toBe('LINK_BASE_NUMBER');
		const second = (await call(sb.webhook, 'voximplant.sip.add', cloud('second'))).json.result;
		expect(await outgoing()).toBe(`reg${second.REG_ID}`);

		// A rented number removed by hand: the same.
		const rented = sb.addRentedNumber('74951234567', 'Moscow');
		sb.setDefaultOutgoing(rented.configId);
		sb.removeLine(rented.configId);
		expect(sb.storedDefaultOutgoing()).toBe('74951234567');
		expect(await outgoing()).toBe('LINK_BASE_NUMBER');
	});

	it("a REST app's pseudo-line and a verified caller id are defaults too, and no new line takes over from them", async () => {
		const sb = await start();
		const outgoing = async () =>
			(await call(sb.webhook, 'voximplant.line.outgoing.get')).json.result;
		// Not current yet: stored, but no default.
		sb.setDefaultOutgoing('REST_APP:12');
		expect(await outgoing()).toBe('LINK_BASE_NUMBER');
		expect(sb.addRestAppLine(12)).toBe('REST_APP:12');
		expect(await outgoing()).toBe('REST_APP:12');
		await call(sb.webhook, 'voximplant.sip.add', cloud('after the app'));
		expect(await outgoing()).toBe('REST_APP:12');

		expect(sb.addCallerId('74957654321')).toBe('74957654321');
		sb.setDefaultOutgoing('74957654321');
		expect(await outgoing()).toBe('74957654321');
		// A caller id is no rented number.
		expect(sb.rentedNumbers()).toEqual([]);
		await call(sb.webhook, 'voximplant.sip.add', office('after the caller id'));
		expect(await outgoing()).toBe('74957654321');
		expect(sb.lines().some((line) => line.isDefaultOutgoing)).toBe(false);
	});

	it('rejects bad fields with CHECK_FIELDS_ERROR in the order TYPE, SERVER, LOGIN, PASSWORD', async () => {
		const sb = await start();
		const empty = await call(sb.webhook, 'voximplant.sip.add', {});
		expect(empty.status).toBe(400);
		expect(empty.json).toEqual({
			error: 'CHECK_FIELDS_ERROR',
			error_description: 'Server address is not specified.<br> Server login is not specified.',
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
				'PBX type is not specified.',
				'Server address must not exceed 100 characters.',
				'Server login must not exceed 100 characters.',
				'Server password must not exceed 100 characters.',
			].join('<br> '),
		);
		expect(
			(await call(sb.webhook, 'voximplant.sip.add', { TYPE: '', SERVER: 's', LOGIN: 'l' })).json
				.error_description,
		).toBe('PBX type is not specified.');
		// Blank after trimming is not specified.
		expect(
			(await call(sb.webhook, 'voximplant.sip.add', { SERVER: ' https:// ', LOGIN: ' \t' })).json
				.error_description,
		).toBe('Server address is not specified.<br> Server login is not specified.');
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

	it('http(s):// is removed anywhere in SERVER, after trimming, case-sensitively', async () => {
		const sb = await start();
		const server = async (text: string): Promise<string> =>
			(await call(sb.webhook, 'voximplant.sip.add', office('', { SERVER: text }))).json.result
				.SERVER;
		expect(await server('  https://sip.provider.com  ')).toBe('sip.provider.com');
		expect(await server('sip.http://provider.https://com')).toBe('sip.provider.com');
		expect(await server('HTTP://sip.provider.com')).toBe('HTTP://sip.provider.com');
		expect(await server('Https://sip.provider.com')).toBe('Https://sip.provider.com');
		// One pass each, like str_replace: what the removal joins up stays.
		expect(await server('hthttp://tp://x')).toBe('http://x');
		// The length is checked on what is left.
		expect(await server(`http://${'a'.repeat(100)}`)).toBe('a'.repeat(100));
	});

	it('SERVER, LOGIN and TITLE are trimmed; PASSWORD length is checked before trimming', async () => {
		const sb = await start();
		const added = await call(
			sb.webhook,
			'voximplant.sip.add',
			office(' t ', { SERVER: ' s ', LOGIN: '\tl\n', PASSWORD: ` ${'p'.repeat(98)} ` }),
		);
		expect(added.json.result).toMatchObject({
			TITLE: 't',
			SERVER: 's',
			LOGIN: 'l',
			PASSWORD: 'p'.repeat(98),
		});
		const padded = await call(
			sb.webhook,
			'voximplant.sip.add',
			office('u', { PASSWORD: ` ${'p'.repeat(99)} ` }),
		);
		expect(padded.json).toEqual({
			error: 'CHECK_FIELDS_ERROR',
			error_description: 'Server password must not exceed 100 characters.',
		});
		// PHP's trim() leaves a no-break space alone.
		expect(
			(await call(sb.webhook, 'voximplant.sip.add', office('\u00a0v'))).json.result.TITLE,
		).toBe('\u00a0v');
	});

	it('checks run fields → MAX_CLOUD_PBX → TITLE_EXISTS', async () => {
		const sb = await start();
		for (let i = 0; i < 10; i++) sb.addLineByHand(byHand(`c${i}`));
		const badFields = await call(sb.webhook, 'voximplant.sip.add', cloud('c0', { LOGIN: '' }));
		expect(badFields.json.error).toBe('CHECK_FIELDS_ERROR');
		const limit = await call(sb.webhook, 'voximplant.sip.add', cloud('c0'));
		expect(limit.status).toBe(400);
		expect(limit.json).toEqual({
			error: 'MAX_CLOUD_PBX',
			error_description: "You cannot connect more than 10 cloud hosted PBX's.",
		});
		const taken = await call(sb.webhook, 'voximplant.sip.add', office('c0'));
		expect(taken.status).toBe(400);
		expect(taken.json).toEqual({
			error: 'TITLE_EXISTS',
			error_description: 'The specified connection name is already used in the system.',
		});
		expect((await call(sb.webhook, 'voximplant.sip.add', office('still fine'))).status).toBe(200);
	});

	it('MAX_CLOUD_PBX counts every cloud line of the portal, visible to the caller or not', async () => {
		const sb = await start();
		for (let i = 0; i < 4; i++) sb.addAppLine('app.client.1', byHand(`app ${i}`));
		for (let i = 0; i < 3; i++) sb.addLineByHand(byHand(`ui ${i}`));
		sb.addLineByHand(byHand('ui office', 'office'));
		const other = sb.addWebhook({ userId: 2 });
		for (let i = 0; i < 3; i++)
			expect((await call(other, 'voximplant.sip.add', cloud(`o${i}`))).status).toBe(200);
		expect((await call(sb.webhook, 'voximplant.sip.add', cloud('eleventh'))).json.error).toBe(
			'MAX_CLOUD_PBX',
		);
		sb.removeLine(sb.lines().find((l) => l.title === 'app 0')!.configId);
		expect((await call(sb.webhook, 'voximplant.sip.add', cloud('tenth'))).status).toBe(200);
	});

	it('titles are unique across all telephony configs, ignoring case', async () => {
		const sb = await start();
		const taken = {
			error: 'TITLE_EXISTS',
			error_description: 'The specified connection name is already used in the system.',
		};
		sb.addRentedNumber('74951234567', 'Moscow office');
		expect((await call(sb.webhook, 'voximplant.sip.add', office('MOSCOW OFFICE'))).json).toEqual(
			taken,
		);
		sb.addAppLine('app.client.1', byHand('App line'));
		expect((await call(sb.webhook, 'voximplant.sip.add', office(' app LINE '))).json).toEqual(
			taken,
		);
		sb.addLineByHand(byHand('From the UI', 'office'));
		expect((await call(sb.webhook, 'voximplant.sip.add', office('from the ui'))).json).toEqual(
			taken,
		);
		const other = sb.addWebhook({ userId: 2 });
		await call(other, 'voximplant.sip.add', office('Theirs'));
		expect((await call(sb.webhook, 'voximplant.sip.add', cloud('theirs'))).json).toEqual(taken);
		// An empty title clashes with nothing on add.
		expect((await call(sb.webhook, 'voximplant.sip.add', office(''))).status).toBe(200);
		expect((await call(sb.webhook, 'voximplant.sip.add', office('  '))).status).toBe(200);
	});
});

describe('voximplant.sip.get', () => {
	it('webhooks and the UI share one pool; OAuth app lines are invisible', async () => {
		const sb = await start();
		const other = sb.addWebhook({ userId: 2 });
		const theirs = (await call(other, 'voximplant.sip.add', cloud('theirs'))).json.result;
		const ui = sb.addLineByHand(byHand('from the UI', 'office'));
		const app = sb.addAppLine('app.client.1', byHand('app line'));
		expect(sb.lines().map((l) => [l.title, l.appId])).toEqual([
			['theirs', ''],
			['from the UI', ''],
			['app line', 'app.client.1'],
		]);

		for (const webhook of [sb.webhook, other]) {
			const got = await call(webhook, 'voximplant.sip.get');
			expect(titlesOf(got)).toEqual(['theirs', 'from the UI']);
			expect(got.json.total).toBe(2);
		}
		// FILTER[APP_ID] is replaced by the caller's own.
		expect(
			titlesOf(
				await call(sb.webhook, 'voximplant.sip.get', { FILTER: { APP_ID: 'app.client.1' } }),
			),
		).toEqual(['theirs', 'from the UI']);

		// Another webhook's line and a UI line can be changed and deleted by any webhook.
		expect(
			(
				await call(sb.webhook, 'voximplant.sip.update', {
					CONFIG_ID: theirs.CONFIG_ID,
					TITLE: 'renamed by webhook 1',
				})
			).json.result,
		).toBe(1);
		expect(
			(await call(other, 'voximplant.sip.delete', { CONFIG_ID: ui.configId })).json.result,
		).toBe(1);

		// The app's line: not found for get, update and delete, but its registration can be read.
		const update = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: app.configId,
			TITLE: 'x',
		});
		expect(update.status).toBe(404);
		expect(update.json.error).toBe('ERROR_NOT_FOUND');
		const del = await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: app.configId });
		expect(del.status).toBe(400);
		expect(del.json.error).toBe('ERROR_NOT_FOUND');
		expect(
			(await call(sb.webhook, 'voximplant.sip.status', { REG_ID: app.regId })).json.result.REG_ID,
		).toBe(app.regId);
		expect(sb.lines().map((l) => l.title)).toEqual(['renamed by webhook 1', 'app line']);
	});

	it('get rows have no ID; ids are strings; cloud rows have REG_ID, office rows the incoming fields', async () => {
		const sb = await start();
		const mine = (await call(sb.webhook, 'voximplant.sip.add', cloud('mine'))).json.result;
		const desk = (await call(sb.webhook, 'voximplant.sip.add', office('desk'))).json.result;
		const got = await call(sb.webhook, 'voximplant.sip.get');
		expect(got.json.total).toBe(2);
		expect(got.json).not.toHaveProperty('next');
		const [cloudRow, officeRow] = got.json.result;
		expect(cloudRow).not.toHaveProperty('ID');
		expect(officeRow).not.toHaveProperty('ID');
		expect(cloudRow).not.toHaveProperty('APP_ID');
		expect(cloudRow).toEqual({
			TYPE: 'cloud',
			CONFIG_ID: mine.CONFIG_ID,
			REG_ID: String(mine.REG_ID),
			TITLE: 'mine',
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
		expect(officeRow).not.toHaveProperty('REG_ID');
		expect(officeRow).toMatchObject({
			CONFIG_ID: desk.CONFIG_ID,
			INCOMING_SERVER: desk.INCOMING_SERVER,
			INCOMING_LOGIN: desk.INCOMING_LOGIN,
			INCOMING_PASSWORD: desk.INCOMING_PASSWORD,
		});
	});

	it('no matching line gives [] without total', async () => {
		const sb = await start();
		sb.addAppLine('app.client.1', byHand('invisible'));
		const empty = await call(sb.webhook, 'voximplant.sip.get');
		expect(empty.json.result).toEqual([]);
		expect(empty.json).not.toHaveProperty('total');
		expect(empty.json).not.toHaveProperty('next');
		await call(sb.webhook, 'voximplant.sip.add', office('desk'));
		const filtered = await call(sb.webhook, 'voximplant.sip.get', { FILTER: { TYPE: 'cloud' } });
		expect(filtered.json.result).toEqual([]);
		expect(filtered.json).not.toHaveProperty('total');
	});

	it('pages 50 at a time with total and next; a negative start reads the first page', async () => {
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
		for (const start of [-1, -75]) {
			const negative = await call(sb.webhook, 'voximplant.sip.get', { start });
			expect(negative.json.result[0].TITLE).toBe('line 0');
			expect(negative.json).toMatchObject({ total: 120, next: 50 });
		}
		const filtered = await call(sb.webhook, 'voximplant.sip.get', {
			FILTER: { '%TITLE': 'LINE 1' },
			start: 0,
		});
		// "line 1", "line 10".."line 19", "line 100".."line 119"
		expect(filtered.json.total).toBe(31);
	});

	it('start past the end gives [] with total', async () => {
		const sb = await start();
		for (const title of ['a', 'b', 'c'])
			await call(sb.webhook, 'voximplant.sip.add', office(title));
		for (const start of [3, 50, 1000]) {
			const past = await call(sb.webhook, 'voximplant.sip.get', { start });
			expect(past.json.result).toEqual([]);
			expect(past.json.total).toBe(3);
			expect(past.json).not.toHaveProperty('next');
		}
	});

	it('a line deleted between pages shifts page 2 (setBeforeCall)', async () => {
		const sb = await start();
		for (let i = 0; i < 60; i++) sb.addLineByHand(byHand(`line ${i}`, 'office'));
		const page1 = await call(sb.webhook, 'voximplant.sip.get');
		expect(page1.json.next).toBe(50);
		const seen: string[] = [];
		sb.setBeforeCall((method, params) => {
			seen.push(method);
			// Somebody deletes line 0 in the UI just before page 2 is read.
			if (method === 'voximplant.sip.get' && params.start === 50) sb.removeLine(3);
		});
		const page2 = await call(sb.webhook, 'voximplant.sip.get', { start: 50 });
		expect(page2.json.total).toBe(59);
		expect(titlesOf(page2)[0]).toBe('line 51');
		expect(seen).toEqual(['voximplant.sip.get']);
		sb.setBeforeCall(null);
		await call(sb.webhook, 'batch', { cmd: ['scope'] });
		expect(seen).toEqual(['voximplant.sip.get']);
	});

	it('supports the filter operators and SORT+ORDER', async () => {
		const sb = await start();
		for (const title of ['alpha', 'beta', 'gamma', 'delta'])
			await call(sb.webhook, 'voximplant.sip.add', office(title));
		await call(sb.webhook, 'voximplant.sip.add', cloud('epsilon'));
		const titles = async (body: Record<string, unknown>): Promise<string[]> =>
			titlesOf(await call(sb.webhook, 'voximplant.sip.get', body));
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
	});

	it('an unknown FILTER or SORT field answers 400 ERROR_CORE, even with no line to compare', async () => {
		const sb = await start();
		const noLines = await call(sb.webhook, 'voximplant.sip.get', { FILTER: { NAME: 'x' } });
		expect(noLines.status).toBe(400);
		expect(noLines.json.error).toBe('ERROR_CORE');
		await call(sb.webhook, 'voximplant.sip.add', office('a'));
		const unknownSort = await call(sb.webhook, 'voximplant.sip.get', {
			SORT: 'NAME',
			ORDER: 'ASC',
		});
		expect(unknownSort.status).toBe(400);
		expect(unknownSort.json.error).toBe('ERROR_CORE');
	});

	it('a bad ORDER answers 400 ERROR_ARGUMENT naming the argument', async () => {
		const sb = await start();
		await call(sb.webhook, 'voximplant.sip.add', office('a'));
		const bad = await call(sb.webhook, 'voximplant.sip.get', { SORT: 'TITLE', ORDER: 'UP' });
		expect(bad.status).toBe(400);
		expect(bad.json).toEqual({
			error: 'ERROR_ARGUMENT',
			error_description: 'Invalid order "UP"',
			argument: 'ORDER',
		});
		// Checked before the fields, and only when SORT is given too.
		const both = await call(sb.webhook, 'voximplant.sip.get', {
			FILTER: { NAME: 'x' },
			SORT: 'NAME',
			ORDER: 'sideways',
		});
		expect(both.json.error).toBe('ERROR_ARGUMENT');
		expect((await call(sb.webhook, 'voximplant.sip.get', { ORDER: 'UP' })).status).toBe(200);
		const inBatch = await call(sb.webhook, 'batch', {
			cmd: { g: 'voximplant.sip.get?SORT=TITLE&ORDER=UP' },
		});
		expect(inBatch.json.result.result_error).toEqual({
			g: { error: 'ERROR_ARGUMENT', error_description: 'Invalid order "UP"', argument: 'ORDER' },
		});
	});
});

describe('voximplant.sip.update', () => {
	it('updates a line and follows the server quirks', async () => {
		const sb = await start();
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('first'))).json.result;
		await call(sb.webhook, 'voximplant.sip.add', cloud('second'));
		const configId = line.CONFIG_ID;

		const renamed = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: configId,
			TITLE: ' renamed ',
		});
		expect(renamed.status).toBe(200);
		expect(renamed.json.result).toBe(1);
		expect(sb.lines()[0].title).toBe('renamed');

		// None of TITLE/SERVER/LOGIN/PASSWORD: nothing is checked or changed, and the answer is 1.
		const nothing = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: configId,
			TYPE: 'nonsense',
		});
		expect(nothing.json.result).toBe(1);

		const emptyServer = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: configId,
			SERVER: ' http:// ',
			LOGIN: '',
			PASSWORD: 'p'.repeat(101),
		});
		expect(emptyServer.status).toBe(400);
		expect(emptyServer.json).toEqual({
			error: 'CHECK_FIELDS_ERROR',
			error_description: [
				'Server address is not specified.',
				'Server login is not specified.',
				'Server password must not exceed 100 characters.',
			].join('<br> '),
		});

		const taken = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: configId,
			TITLE: 'SECOND',
		});
		expect(taken.status).toBe(400);
		expect(taken.json.error).toBe('TITLE_EXISTS');
		// Its own title (in any case) is no clash.
		expect(
			(await call(sb.webhook, 'voximplant.sip.update', { CONFIG_ID: configId, TITLE: 'RENAMED' }))
				.json.result,
		).toBe(1);

		// PHP intval: "3abc" is line 3; SERVER and LOGIN are normalised as in add.
		expect(
			(
				await call(sb.webhook, 'voximplant.sip.update', {
					CONFIG_ID: `${configId}abc`,
					SERVER: ' https://new.provider.com ',
					LOGIN: ' new ',
				})
			).json.result,
		).toBe(1);
		expect(sb.lines()[0]).toMatchObject({ server: 'new.provider.com', login: 'new' });
	});

	it('update answers 404 ERROR_NOT_FOUND before checking anything else', async () => {
		const sb = await start();
		for (const configId of ['abc', 999]) {
			const notFound = await call(sb.webhook, 'voximplant.sip.update', {
				CONFIG_ID: configId,
				TYPE: 'bad',
				SERVER: '',
			});
			expect(notFound.status).toBe(404);
			expect(notFound.json).toEqual({
				error: 'ERROR_NOT_FOUND',
				error_description: 'Specified CONFIG_ID is not found',
			});
		}
		// Even with none of the four fields.
		expect((await call(sb.webhook, 'voximplant.sip.update', { CONFIG_ID: 999 })).status).toBe(404);
	});

	it('update validates TYPE but never stores it', async () => {
		const sb = await start();
		const desk = (await call(sb.webhook, 'voximplant.sip.add', office('desk'))).json.result;
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('line'))).json.result;
		// TYPE defaults to cloud: an office line updated without TYPE stays an office line.
		expect(
			(
				await call(sb.webhook, 'voximplant.sip.update', {
					CONFIG_ID: desk.CONFIG_ID,
					TITLE: 'desk 2',
				})
			).json.result,
		).toBe(1);
		expect(
			(
				await call(sb.webhook, 'voximplant.sip.update', {
					CONFIG_ID: line.CONFIG_ID,
					TYPE: 'office',
					TITLE: 'line 2',
				})
			).json.result,
		).toBe(1);
		const rows = (await call(sb.webhook, 'voximplant.sip.get')).json.result;
		expect(rows.map((r: { TYPE: string; TITLE: string }) => [r.TITLE, r.TYPE])).toEqual([
			['desk 2', 'office'],
			['line 2', 'cloud'],
		]);
		expect(rows[0].INCOMING_LOGIN).toBe(desk.INCOMING_LOGIN);
		expect(rows[1].REG_ID).toBe(String(line.REG_ID));
		expect(sb.lines().map((l) => [l.type, l.regId])).toEqual([
			['office', null],
			['cloud', line.REG_ID],
		]);

		// Not lower-cased: CLOUD is no type at all.
		const upper = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: line.CONFIG_ID,
			TYPE: 'CLOUD',
			TITLE: 'x',
			LOGIN: '',
		});
		expect(upper.status).toBe(400);
		expect(upper.json).toEqual({
			error: 'CHECK_FIELDS_ERROR',
			error_description: 'PBX type is not specified.<br> Server login is not specified.',
		});
		expect(sb.lines()[1].title).toBe('line 2');
	});

	it('an empty TITLE in update clashes with any other untitled config', async () => {
		const sb = await start();
		const a = (await call(sb.webhook, 'voximplant.sip.add', office('a'))).json.result;
		const b = (await call(sb.webhook, 'voximplant.sip.add', office('b'))).json.result;
		expect(
			(await call(sb.webhook, 'voximplant.sip.update', { CONFIG_ID: a.CONFIG_ID, TITLE: '' })).json
				.result,
		).toBe(1);
		const clash = await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: b.CONFIG_ID,
			TITLE: '  ',
		});
		expect(clash.status).toBe(400);
		expect(clash.json).toEqual({
			error: 'TITLE_EXISTS',
			error_description: 'The specified connection name is already used in the system.',
		});
		// The untitled line itself is no clash, and an untitled OAuth app line is one too.
		expect(
			(await call(sb.webhook, 'voximplant.sip.update', { CONFIG_ID: a.CONFIG_ID, TITLE: '' })).json
				.result,
		).toBe(1);
		await call(sb.webhook, 'voximplant.sip.update', { CONFIG_ID: a.CONFIG_ID, TITLE: 'a' });
		sb.addAppLine('app.client.1', byHand(''));
		expect(
			(await call(sb.webhook, 'voximplant.sip.update', { CONFIG_ID: b.CONFIG_ID, TITLE: '' })).json
				.error,
		).toBe('TITLE_EXISTS');
	});

	it('changing SERVER, LOGIN or PASSWORD restarts the registration; get shows status "0" until it settles', async () => {
		const sb = await start();
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('reg'))).json.result;
		sb.advanceRegistrations(2);
		const row = async () => (await call(sb.webhook, 'voximplant.sip.get')).json.result[0];
		expect(await row()).toMatchObject({ REGISTRATION_STATUS_CODE: '200' });

		await call(sb.webhook, 'voximplant.sip.update', {
			CONFIG_ID: line.CONFIG_ID,
			TITLE: 'renamed',
		});
		expect(sb.registration(line.REG_ID)?.STATUS_RESULT).toBe('success');

		for (const change of [{ SERVER: 'sip2.provider.com' }, { LOGIN: 'u2' }, { PASSWORD: 'p2' }]) {
			await call(sb.webhook, 'voximplant.sip.update', { CONFIG_ID: line.CONFIG_ID, ...change });
			expect(sb.registration(line.REG_ID)?.STATUS_RESULT).toBe('in_progress');
			expect(await row()).toMatchObject({
				REGISTRATION_STATUS_CODE: '0',
				REG_ID: String(line.REG_ID),
			});
			const status = await call(sb.webhook, 'voximplant.sip.status', { REG_ID: line.REG_ID });
			expect(status.json.result.STATUS_RESULT).toBe('in_progress');
			expect(sb.registration(line.REG_ID)?.STATUS_RESULT).toBe('success');
			expect(await row()).toMatchObject({ REGISTRATION_STATUS_CODE: '200' });
		}
	});
});

describe('voximplant.sip.delete / line.outgoing / connector', () => {
	it('deletes lines and their registrations; 400 ERROR_NOT_FOUND for an unknown line', async () => {
		const sb = await start();
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('gone'))).json.result;
		await call(sb.webhook, 'voximplant.sip.add', office('kept'));
		const notFound = await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: 999 });
		expect(notFound.status).toBe(400);
		expect(notFound.json).toEqual({
			error: 'ERROR_NOT_FOUND',
			error_description: 'Specified CONFIG_ID is not found',
		});
		expect(
			(await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: Number(line.CONFIG_ID) })).json
				.result,
		).toBe(1);
		const status = await call(sb.webhook, 'voximplant.sip.status', { REG_ID: line.REG_ID });
		expect(status.status).toBe(400);
		expect(status.json).toEqual({
			error: 'REG_ID_NOT_FOUND',
			error_description: 'Configuration was not found.',
		});
		expect(sb.lines().map((l) => l.title)).toEqual(['kept']);
	});

	it('delete fails with REG_ID_NOT_FOUND when the registration cannot be removed', async () => {
		const sb = await start();
		const broken = (await call(sb.webhook, 'voximplant.sip.add', cloud('broken'))).json.result;
		sb.breakRegistration(broken.REG_ID);
		const failed = await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: broken.CONFIG_ID });
		expect(failed.status).toBe(400);
		expect(failed.json).toEqual({
			error: 'REG_ID_NOT_FOUND',
			error_description: 'Configuration was not found.',
		});
		expect(sb.lines()).toHaveLength(1);
	});

	it('deleting the default outgoing line makes the default LINK_BASE_NUMBER', async () => {
		const sb = await start();
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('default'))).json.result;
		const other = (await call(sb.webhook, 'voximplant.sip.add', office('other'))).json.result;
		expect(sb.defaultOutgoing()).toBe(`reg${line.REG_ID}`);
		await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: other.CONFIG_ID });
		expect(sb.defaultOutgoing()).toBe(`reg${line.REG_ID}`);
		await call(sb.webhook, 'voximplant.sip.delete', { CONFIG_ID: line.CONFIG_ID });
		expect((await call(sb.webhook, 'voximplant.line.outgoing.get')).json.result).toBe(
			'LINK_BASE_NUMBER',
		);
	});

	it('line.outgoing.sip.set fails with ERROR_ARGUMENT for an unknown config', async () => {
		const sb = await start();
		for (const configId of [12345, 'abc']) {
			const unknown = await call(sb.webhook, 'voximplant.line.outgoing.sip.set', {
				CONFIG_ID: configId,
			});
			expect(unknown.status).toBe(400);
			expect(unknown.json).toEqual({
				error: 'ERROR_ARGUMENT',
				error_description: 'Specified CONFIG_ID is not found',
				argument: 'CONFIG_ID',
			});
		}
		expect(sb.defaultOutgoing()).toBe(LINK_BASE_NUMBER);
	});

	it('line.outgoing.sip.set takes any config of the portal; line.outgoing.get answers its search id', async () => {
		const sb = await start();
		const outgoing = async () =>
			(await call(sb.webhook, 'voximplant.line.outgoing.get')).json.result;
		const set = async (configId: number | string) =>
			(await call(sb.webhook, 'voximplant.line.outgoing.sip.set', { CONFIG_ID: configId })).json;
		const desk = (await call(sb.webhook, 'voximplant.sip.add', office('desk'))).json.result;
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('line'))).json.result;
		const rented = sb.addRentedNumber('74951234567', 'Moscow');
		const app = sb.addAppLine('app.client.1', byHand('app line'));

		expect(await outgoing()).toBe(desk.INCOMING_LOGIN);
		expect(await set(line.CONFIG_ID)).toMatchObject({ result: 1 });
		expect(await outgoing()).toBe(`reg${line.REG_ID}`);
		expect(await set(rented.configId)).toMatchObject({ result: 1 });
		expect(await outgoing()).toBe('74951234567');
		expect(sb.rentedNumbers()[0].isDefaultOutgoing).toBe(true);
		// Not filtered: an OAuth app's line, invisible to the webhook, can be made the default.
		expect(await set(app.configId)).toMatchObject({ result: 1 });
		expect(await outgoing()).toBe(`reg${app.regId}`);
		expect(sb.lines().find((l) => l.appId !== '')?.isDefaultOutgoing).toBe(true);

		sb.setDefaultOutgoing(Number(desk.CONFIG_ID));
		expect(await outgoing()).toBe(desk.INCOMING_LOGIN);
		sb.removeLine(Number(desk.CONFIG_ID));
		expect(await outgoing()).toBe('LINK_BASE_NUMBER');
	});

	it('removeLine deletes directly, as a person in the UI would', async () => {
		const sb = await start();
		const line = (await call(sb.webhook, 'voximplant.sip.add', cloud('broken'))).json.result;
		sb.breakRegistration(line.REG_ID);
		sb.removeLine(Number(line.CONFIG_ID));
		expect(sb.lines()).toEqual([]);
		expect(sb.registration(line.REG_ID)).toBeUndefined();
		const rented = sb.addRentedNumber('74950000000', 'Rented');
		sb.setDefaultOutgoing(rented.configId);
		sb.removeLine(rented.configId);
		expect(sb.rentedNumbers()).toEqual([]);
		expect(sb.defaultOutgoing()).toBe(LINK_BASE_NUMBER);
		expect(() => sb.removeLine(999)).toThrow();
	});

	it('answers connector status and UI links', async () => {
		const sb = await start();
		expect((await call(sb.webhook, 'voximplant.sip.connector.status')).json.result).toEqual({
			FREE_MINUTES: 60,
			PAID: false,
		});
		sb.setConnector({ FREE_MINUTES: 0, PAID: true, PAID_DATE_END: '2027-01-31T00:00:00+03:00' });
		expect((await call(sb.webhook, 'voximplant.sip.connector.status')).json.result).toEqual({
			FREE_MINUTES: 0,
			PAID: true,
			PAID_DATE_END: '2027-01-31T00:00:00+03:00',
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

		const unknown = await call(sb.webhook, 'voximplant.sip.status', { REG_ID: 1 });
		expect(unknown.status).toBe(400);
		expect(unknown.json).toEqual({
			error: 'REG_ID_NOT_FOUND',
			error_description: 'Configuration was not found.',
		});
	});

	it('sip.status is not filtered by application', async () => {
		const sb = await start();
		const app = sb.addAppLine('app.client.1', byHand('app line'));
		const status = await call(sb.addWebhook({ userId: 3 }), 'voximplant.sip.status', {
			REG_ID: app.regId,
		});
		expect(status.status).toBe(200);
		expect(status.json.result).toMatchObject({ REG_ID: app.regId, STATUS_RESULT: 'wait' });
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
	it('runs commands with $result references and reports per-command errors without a status', async () => {
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

	it('batch references are case-insensitive, in keys too', async () => {
		const sb = await start();
		const answer = await call(sb.webhook, 'batch', {
			cmd: {
				a: `voximplant.sip.add?${buildQuery(office('first'))}`,
				b: 'voximplant.sip.get?FILTER[CONFIG_ID]=$RESULT[a][CONFIG_ID]',
				c: `voximplant.sip.add?${buildQuery(office('copy of $Result[a][TITLE] and $TOTAL[b]'))}`,
				d: `voximplant.sip.add?${buildQuery(office('$Next[b] $Time[b] $error[x][y]'))}`,
			},
		});
		const { result, result_error } = answer.json.result;
		expect(result_error).toEqual([]);
		expect(result.b.map((l: { TITLE: string }) => l.TITLE)).toEqual(['first']);
		expect(result.c.TITLE).toBe('copy of first and 1');
		// Nothing there to point at: the text stays as it was.
		expect(result.d.TITLE).toBe('$Next[b] $Time[b] $error[x][y]');

		// parse_str ends a key's index at the first `]`, so a whole reference only reaches a key
		// from code; the scan covers keys all the same.
		const parts = emptyParts();
		parts.result.set('a', { TYPE: 'office', CONFIG_ID: '3' });
		expect(
			substitute({ FILTER: { '$RESULT[a][TYPE]': 'x', '=$result[a][CONFIG_ID]': 'y' } }, parts),
		).toEqual({ FILTER: { office: 'x', '=3': 'y' } });
	});

	it('a reference runs up to the next whitespace; a whole one takes what it points at', async () => {
		const sb = await start();
		const answer = await call(sb.webhook, 'batch', {
			cmd: {
				a: `voximplant.sip.add?${buildQuery(office('first'))}`,
				// The `!` belongs to the reference and goes with it.
				b: `voximplant.sip.add?${buildQuery(office('$result[a][TITLE]! yes'))}`,
				// A whole value that stops early is the array it reached.
				c: 'voximplant.sip.get?FILTER[CONFIG_ID]=$result[a][NOPE]',
				d: 'voximplant.sip.get?FILTER[CONFIG_ID]=$result[nope]',
			},
		});
		expect(answer.json.result.result.b.TITLE).toBe('first yes');
		const [, , c, d] = sb.log[0].batchCommands ?? [];
		expect(c.params).toEqual({
			FILTER: { CONFIG_ID: expect.objectContaining({ TITLE: 'first', CONFIG_ID: '3' }) },
		});
		expect(d.params).toEqual({
			FILTER: {
				CONFIG_ID: {
					a: expect.objectContaining({ TITLE: 'first' }),
					b: expect.objectContaining({ TITLE: 'first yes' }),
					c: expect.any(Array),
				},
			},
		});
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

	it('fails the commands after the 50th with ERROR_BATCH_LENGTH_EXCEEDED and accepts form-encoded batches', async () => {
		const sb = await start();
		const cmd = Array.from({ length: 52 }, () => 'scope');
		const answer = await call(sb.webhook, 'batch', { halt: 0, cmd });
		expect(answer.status).toBe(200);
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

	it('batch itself is exempt from operating time; inner commands count toward their own method', async () => {
		const sb = await start({ operating: { limitSeconds: 0.03, costSeconds: 0.01 } });
		const answer = await call(sb.webhook, 'batch', {
			cmd: ['scope', 'scope', 'scope', 'scope', 'profile'],
		});
		const { result, result_error, result_time } = answer.json.result;
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
		expect(result_time[2].operating).toBe(0.03);
		expect(result_time[4].operating).toBe(0.01);
		expect(answer.json.time).not.toHaveProperty('operating');
		for (let i = 0; i < 5; i++)
			expect((await call(sb.webhook, 'batch', { cmd: ['profile'] })).status).toBe(200);
		expect((await call(sb.webhook, 'profile')).status).toBe(429);
		expect((await call(sb.webhook, 'scope')).status).toBe(429);
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

	it('blocks a method with 429 once its operating time reaches the limit; the answer carries no time', async () => {
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
		sb.setOperating({ limitSeconds: 420, costSeconds: 0.01 });
		expect((await call(sb.webhook, 'scope')).status).toBe(200);
	});

	it('the default operating-time limit is 420 s', async () => {
		const sb = await start({ operating: { costSeconds: 210 } });
		expect((await call(sb.webhook, 'scope')).json.time.operating).toBe(210);
		expect((await call(sb.webhook, 'scope')).json.time.operating).toBe(420);
		// 480 s (the documentation's example) would still let this one through.
		expect((await call(sb.webhook, 'scope')).status).toBe(429);
	});

	it('reports operating_reset_at when the oldest basket leaves the window', async () => {
		const sb = await start({ operating: { limitSeconds: 480, costSeconds: 1, basketMs: 1000 } });
		const before = Date.now() / 1000;
		const time = (await call(sb.webhook, 'scope')).json.time;
		expect(time.operating).toBe(1);
		expect(time.operating_reset_at).toBeGreaterThan(before + 8);
		expect(time.operating_reset_at).toBeLessThanOrEqual(Date.now() / 1000 + 10);
	});

	it('time.operating fields may be missing', async () => {
		// Calls too short to count leave the limiter inactive for the method.
		const sb = await start({ operating: { costSeconds: 0 } });
		const fast = (await call(sb.webhook, 'scope')).json.time;
		expect(fast).not.toHaveProperty('operating');
		expect(fast).not.toHaveProperty('operating_reset_at');
		expect(fast).toHaveProperty('duration');

		sb.setOperating({ limitSeconds: 420, costSeconds: 1 });
		expect((await call(sb.webhook, 'scope')).json.time).toMatchObject({
			operating: 1,
			operating_reset_at: expect.any(Number),
		});
		sb.setOperatingTimeFields('never');
		const never = (await call(sb.webhook, 'scope')).json.time;
		expect(never).not.toHaveProperty('operating');
		expect(never).not.toHaveProperty('operating_reset_at');
		const inBatch = (await call(sb.webhook, 'batch', { cmd: { a: 'scope' } })).json.result;
		expect(inBatch.result_time.a).not.toHaveProperty('operating');

		await sb.close();
		const viaOption = await start({ operatingTimeFields: 'never' });
		expect((await call(viaOption.webhook, 'scope')).json.time).not.toHaveProperty('operating');
	});
});

describe('faults', () => {
	it('answers 500 JSON, nginx HTML pages and 401 OVERLOAD_LIMIT', async () => {
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
		expect(overload.status).toBe(401);
		expect(overload.json).toEqual({
			error: 'OVERLOAD_LIMIT',
			error_description: 'REST API is blocked due to overload',
		});
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

	it('redirect301 and redirect302 send the same path, secret included, to another host', async () => {
		const sb = await start();
		sb.injectFault('redirect301', 1);
		sb.injectFault('redirect302', 1, { restMethods: ['voximplant.sip.add'] });
		const url = `${sb.webhook.url}voximplant.sip.get.json?start=50`;
		const moved = await fetch(url, { method: 'POST', redirect: 'manual' });
		expect(moved.status).toBe(301);
		expect(moved.headers.get('location')).toBe(
			`https://moved-portal.example.com/rest/1/${sb.webhook.secret}/voximplant.sip.get.json?start=50`,
		);
		const found = await fetch(`${sb.webhook.url}voximplant.sip.add`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(cloud('never')),
			redirect: 'manual',
		});
		expect(found.status).toBe(302);
		expect(found.headers.get('location')).toBe(
			`https://moved-portal.example.com/rest/1/${sb.webhook.secret}/voximplant.sip.add`,
		);
		expect(sb.lines()).toHaveLength(0);
		expect(sb.log.map((e) => [e.fault, e.status])).toEqual([
			['redirect301', 301],
			['redirect302', 302],
		]);
		for (const entry of sb.log) expect(JSON.stringify(entry)).not.toContain(sb.webhook.secret);
	});

	it('a redirect can point at the sandbox itself', async () => {
		const sb = await start();
		sb.injectFault('redirect302', 1, { location: `${sb.baseUrl}/` });
		// fetch follows a 302 with a GET, as browsers and most clients do.
		const followed = await read(await fetch(`${sb.webhook.url}scope`, { method: 'POST' }));
		expect(followed.status).toBe(200);
		expect(followed.json.result).toEqual(['telephony', 'user']);
		expect(sb.log.map((e) => [e.httpMethod, e.status, e.fault])).toEqual([
			['POST', 302, 'redirect302'],
			['GET', 200, undefined],
		]);
	});

	it('truncated200 answers 200 JSON cut off in the middle; nothing runs', async () => {
		const sb = await start();
		sb.injectFault('truncated200', 1, { restMethods: ['voximplant.sip.add'] });
		const cut = await call(sb.webhook, 'voximplant.sip.add', cloud('never'));
		expect(cut.status).toBe(200);
		expect(cut.contentType).toBe('application/json; charset=utf-8');
		expect(cut.text).toBe('{"result":[{"CONFIG_ID":"3","TI');
		expect(() => JSON.parse(cut.text)).toThrow();
		expect(sb.lines()).toHaveLength(0);
		expect(sb.log[0]).toMatchObject({ fault: 'truncated200', status: 200 });
	});

	it('truncatedAfterRun runs the method, then cuts the 200 body off', async () => {
		const sb = await start();
		sb.injectFault('truncatedAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
		const cut = await call(sb.webhook, 'voximplant.sip.add', cloud('ran'));
		expect(cut.status).toBe(200);
		expect(cut.contentType).toContain('application/json');
		expect(cut.text.startsWith('{"result":{"ID":"1","TYPE":"cloud"')).toBe(true);
		expect(() => JSON.parse(cut.text)).toThrow();
		expect(sb.lines().map((l) => l.title)).toEqual(['ran']);
		expect(sb.log[0]).toMatchObject({ fault: 'truncatedAfterRun', status: 200 });
	});

	it('phpNoticeAfterRun runs the method and puts a PHP notice before the JSON', async () => {
		const sb = await start();
		sb.injectFault('phpNoticeAfterRun', 1);
		const noisy = await call(sb.webhook, 'voximplant.sip.add', office('ran'));
		expect(noisy.status).toBe(200);
		expect(noisy.contentType).toBe('application/json; charset=utf-8');
		expect(noisy.text).toMatch(
			/^<br \/>\n<b>Notice<\/b>: {2}Undefined index: \w+ in <b>\/home\/bitrix\/www\/bitrix\/modules\/voximplant\/lib\/sip\.php<\/b> on line <b>120<\/b><br \/>\n\{"result":\{/,
		);
		const json = JSON.parse(noisy.text.slice(noisy.text.indexOf('{')));
		expect(json.result.TITLE).toBe('ran');
		expect(sb.lines()).toHaveLength(1);
		expect(sb.log[0]).toMatchObject({ fault: 'phpNoticeAfterRun', status: 200 });
	});

	it('injectMethodError answers a plain call, or lands in result_error inside a batch', async () => {
		const sb = await start();
		const echo = `${sb.webhook.url}voximplant.sip.add`;
		sb.injectMethodError(
			{
				status: 400,
				error: 'ERROR_CORE',
				description: `Call to ${echo} failed`,
				extra: { argument: 'TITLE' },
			},
			2,
			{ restMethods: ['voximplant.sip.add'] },
		);
		sb.injectMethodError({ status: 500, error: echo, description: 'odd' }, 1, {
			restMethods: ['voximplant.sip.get'],
		});
		const plain = await call(sb.webhook, 'voximplant.sip.add', cloud('a'));
		expect(plain.status).toBe(400);
		expect(plain.json).toEqual({
			error: 'ERROR_CORE',
			error_description: `Call to ${echo} failed`,
			argument: 'TITLE',
		});
		const batch = await call(sb.webhook, 'batch', {
			cmd: {
				add: `voximplant.sip.add?${buildQuery(cloud('b'))}`,
				get: 'voximplant.sip.get',
				again: `voximplant.sip.add?${buildQuery(cloud('c'))}`,
			},
		});
		expect(batch.status).toBe(200);
		expect(batch.json.result.result_error).toEqual({
			add: { error: 'ERROR_CORE', error_description: `Call to ${echo} failed`, argument: 'TITLE' },
			get: { error: echo, error_description: 'odd' },
		});
		expect(batch.json.result.result.again.TITLE).toBe('c');
		expect(sb.lines().map((l) => l.title)).toEqual(['c']);
		// The log never shows the secret, even when an error code carries it.
		for (const entry of sb.log) expect(JSON.stringify(entry)).not.toContain(sb.webhook.secret);
		expect(sb.log[1].batchCommands?.[1].error).toBe(echo.replace(sb.webhook.secret, '***'));
	});

	it('injectError answers the whole request without running anything', async () => {
		const sb = await start();
		sb.injectError({ status: 403, error: 'PORTAL_DELETED', description: 'Portal was deleted' }, 1);
		const deleted = await call(sb.webhook, 'voximplant.sip.add', cloud('never'));
		expect(deleted.status).toBe(403);
		expect(deleted.json).toEqual({
			error: 'PORTAL_DELETED',
			error_description: 'Portal was deleted',
		});
		expect(sb.lines()).toHaveLength(0);
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

describe('TLS', () => {
	it('tls: true serves HTTPS with the throwaway certificate for 127.0.0.1', async () => {
		const sb = await start({ tls: true });
		expect(sb.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
		expect(sb.webhook.url.startsWith(`${sb.baseUrl}/rest/1/`)).toBe(true);
		const trusted = await httpsCall(`${sb.webhook.url}voximplant.sip.add`, cloud('secure'), {
			ca: Bitrix24Sandbox.certificate(),
		});
		expect(trusted.status).toBe(200);
		expect(trusted.json.result.TITLE).toBe('secure');
		const insecure = await httpsCall(`${sb.webhook.url}scope`, {}, { rejectUnauthorized: false });
		expect(insecure.json.result).toEqual(['telephony', 'user']);
		// Without trusting the certificate a client refuses it.
		await expect(httpsCall(`${sb.webhook.url}scope`, {}, {})).rejects.toMatchObject({
			code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
		});
	});

	it('requireHttps lets HTTPS calls through', async () => {
		const sb = await start({ tls: true, requireHttps: true });
		const answer = await httpsCall(`${sb.webhook.url}scope`, {}, { rejectUnauthorized: false });
		expect(answer.status).toBe(200);
	});

	it("tls: 'expired' serves a certificate that a verifying client refuses as expired", async () => {
		const sb = await start({ tls: 'expired' });
		await expect(
			httpsCall(`${sb.webhook.url}scope`, {}, { ca: Bitrix24Sandbox.certificate() }),
		).rejects.toMatchObject({ code: 'CERT_HAS_EXPIRED' });
		const ignored = await httpsCall(`${sb.webhook.url}scope`, {}, { rejectUnauthorized: false });
		expect(ignored.status).toBe(200);
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
