/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
import { call } from './restClient';
import { byHand, cloud } from './testLines';
import { sandboxPerTest } from './perTest';

const start = sandboxPerTest();

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
