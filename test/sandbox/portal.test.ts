import { buildQuery, LINK_BASE_NUMBER } from './index';
import { call } from './restClient';
import { byHand, cloud, office, titlesOf } from './testLines';
import { sandboxPerTest } from './perTest';

const start = sandboxPerTest();

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
