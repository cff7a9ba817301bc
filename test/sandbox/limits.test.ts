import { call } from './restClient';
import { cloud } from './testLines';
import { sandboxPerTest } from './perTest';

const start = sandboxPerTest();

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
