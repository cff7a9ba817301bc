import { emptyParts, substitute } from './batch';
import { buildQuery } from './index';
import { call, form } from './restClient';
import { cloud, office } from './testLines';
import { sandboxPerTest } from './perTest';

const start = sandboxPerTest();

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
