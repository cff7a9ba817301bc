import type { IDataObject } from 'n8n-workflow';

import { buildPhpQuery } from '../nodes/shared/transport/phpQuery';
import { parseQuery } from './sandbox';
import { TestPortal } from './helpers/portal';
import { seededRandom } from './helpers/random';

const NASTY_VALUES = [
	'a&b=c',
	'?query#fragment',
	'1+1=2',
	'100% sure %41%2B',
	'[brackets] and arr[]',
	'FILTER[TYPE]=office',
	' spaces  around ',
	'quotes " and \' and `',
	'new\nline\r\nand\ttab',
	'back\\slash',
	'emoji 📞☎️👩🏽‍💻',
	'Кириллица: линия Москва',
	'=&?#+%[]',
	'$result[c0][ID]',
	'$result[c0]',
	'%24result[c1]',
	'$error[c0] $total[c0] $next[c0] $time[c0]',
];

describe('PHP query encoding', () => {
	it.each(NASTY_VALUES)('round-trips %j through http_build_query and parse_str', (value) => {
		const params = { FIELDS: { LOGIN: value, LIST: [value, 'x'] }, PASSWORD: value };
		expect(parseQuery(buildPhpQuery(params))).toEqual({
			FIELDS: { LOGIN: value, LIST: [value, 'x'] },
			PASSWORD: value,
		});
	});
});

describe('batching through the engine', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	it('sends one item as a plain call and many items as batches of at most 50', async () => {
		await portal.createLines(1, 'office', 'Single');
		const single = portal.sandbox.log.map((entry) => entry.restMethod);
		portal.sandbox.clearLog();

		await portal.createLines(120, 'office', 'Many');

		// Create reads the lines once per run before adding, so that a lost answer can be told apart
		expect(single).toEqual(['voximplant.sip.get', 'voximplant.sip.add']);
		expect(
			portal.sandbox.log.map((entry) => [entry.restMethod, entry.batchCommands?.length]),
		).toEqual([
			['voximplant.sip.get', undefined],
			['batch', 50],
			['batch', 50],
			['batch', 20],
		]);
		expect(portal.sandbox.lines()).toHaveLength(121);
	});

	it('sends one request per item when batching is off', async () => {
		const lines = await portal.createLines(3, 'office');
		portal.sandbox.clearLog();

		const run = await portal.run(
			{
				resource: 'line',
				operation: 'get',
				configId: '={{ $json.id }}',
				requestOptions: { batching: false },
			},
			lines.map((line) => ({ id: line.CONFIG_ID })),
		);

		expect(run.json.map((line) => line.CONFIG_ID)).toEqual(lines.map((line) => line.CONFIG_ID));
		expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual(
			Array(3).fill('voximplant.sip.get'),
		);
	});

	it('delivers nasty values byte for byte (the portal trims login and password), and never lets one act as a batch reference', async () => {
		const input = NASTY_VALUES.map((value, index) => ({ title: `Nasty ${index}`, value }));

		const run = await portal.run(
			{
				resource: 'line',
				operation: 'create',
				type: 'office',
				title: '={{ $json.title }}',
				server: 'sip.example.com',
				login: '={{ $json.value }}',
				password: '={{ $json.value }}',
			},
			input,
		);

		expect(run.failure).toBeUndefined();
		const stored = portal.sandbox.lines();
		for (const { title, value } of input) {
			const line = stored.find((candidate) => candidate.title === title);
			expect({ title, login: line?.login, password: line?.password }).toEqual({
				title,
				login: value.trim(),
				password: value.trim(),
			});
		}
		const plain = portal.sandbox.log.filter((entry) => entry.restMethod === 'voximplant.sip.add');
		const references = NASTY_VALUES.filter((value) =>
			/\$(result|error|total|next|time)/i.test(value),
		);
		expect(
			references.every((value) => plain.some((entry) => entry.params.PASSWORD === value)),
		).toBe(true);
		const batched = portal.sandbox.log.flatMap((entry) => entry.batchCommands ?? []);
		expect(
			batched.filter((command) => references.includes(String(command.params.PASSWORD))),
		).toEqual([]);
		expect(run.json.map((line) => line.TITLE)).toEqual(input.map((item) => item.title));
	});

	it('maps results and errors back to their items for any size and error positions', async () => {
		const clouds = await portal.createLines(10, 'cloud', 'Cloud');
		const random = seededRandom(20261123);
		for (const size of [1, 49, 50, 51, 101, 250]) {
			portal.sandbox.clearLog();
			const input = Array.from({ length: size }, (_, index): IDataObject => {
				const roll = random();
				if (roll < 0.1) return { kind: 'bad', regId: 'x' };
				if (roll < 0.3) return { kind: 'missing', regId: 900000 + index };
				return { kind: 'ok', regId: clouds[Math.floor(random() * clouds.length)].REG_ID };
			});

			const run = await portal.run(
				{ resource: 'registration', operation: 'getStatus', regId: '={{ $json.regId }}' },
				input,
				{ continueOnFail: true },
			);

			expect(run.items).toHaveLength(size);
			run.items.forEach((item, index) => {
				expect(item.pairedItem).toEqual({ item: index });
				const expected = input[index];
				if (expected.kind === 'ok') expect(item.json).toMatchObject({ REG_ID: expected.regId });
				if (expected.kind === 'missing')
					expect(item.json).toMatchObject({ code: 'REG_ID_NOT_FOUND', httpCode: 400 });
				if (expected.kind === 'bad')
					expect(item.json.error).toMatch(/^Registration ID must be a positive whole number/);
			});
			const sent = input.filter((item) => item.kind !== 'bad').length;
			const requests = portal.sandbox.log.length;
			expect(requests).toBe(sent === 1 ? 1 : Math.ceil(sent / 50));
		}
	});

	it('reads every page of Get Many by line id, one request per 50 lines', async () => {
		await portal.createLines(151, 'office');
		portal.sandbox.clearLog();

		const run = await portal.run({ resource: 'line', operation: 'getMany', returnAll: true });

		expect(new Set(run.json.map((line) => line.CONFIG_ID)).size).toBe(151);
		const ids = run.json.map((line) => Number(line.CONFIG_ID));
		expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual(
			Array(4).fill('voximplant.sip.get'),
		);
		// each page asks for the lines after the last one of the page before
		expect(
			portal.sandbox.log.map(
				(entry) => (entry.params.FILTER as IDataObject | undefined)?.['>CONFIG_ID'],
			),
		).toEqual([undefined, ids[49], ids[99], ids[149]]);
	});
});
