import { call } from './restClient';
import { cloud, office, titlesOf } from './testLines';
import { sandboxPerTest } from './perTest';

const start = sandboxPerTest();

describe('voximplant.sip.get: FILTER, SORT and ORDER', () => {
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
