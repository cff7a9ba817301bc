import type { IDataObject } from 'n8n-workflow';

import { addLines } from './helpers/health';
import { TestPortal } from './helpers/portal';

/**
 * A REST application's external line (telephony.externalLine.add) as the default outgoing line.
 * Bitrix24's GetPortalNumbers lists such a line by its plain NUMBER, so voximplant.line.outgoing.get
 * may answer a number that is neither a rented number nor a SIP line: every operation reports it
 * as kind `number`, and no line is taken for it.
 */

const V2 = { typeVersion: 2 };

describe('a number registered by a REST application as the default outgoing line', () => {
	let portal: TestPortal;
	let cloud: IDataObject;
	let office: IDataObject;

	beforeAll(async () => {
		portal = await TestPortal.start();
		[cloud, office] = await addLines(portal, [
			{ title: 'Cloud', server: 'sip.ok.example' },
			{ title: 'Desk', type: 'office' },
		]);
		portal.sandbox.advanceRegistrations(2);
	});

	afterAll(async () => {
		await portal.close();
	});

	it.each(['74951112233', '+74951112244'])(
		'Get Default Outgoing names %s a number, not a SIP line',
		async (number) => {
			portal.sandbox.setDefaultOutgoing(portal.sandbox.addRestAppNumber(12, number));
			expect(portal.sandbox.defaultOutgoing()).toBe(number);

			const run = await portal.run({ resource: 'line', operation: 'getDefaultOutgoing' });
			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				{
					defaultOutgoing: number,
					kind: 'number',
					CONFIG_ID: null,
					TITLE: null,
					TYPE: null,
					REG_ID: null,
					description: `The number ${number}, not a SIP line`,
					line: null,
				},
			]);

			const simplified = await portal.run(
				{ resource: 'line', operation: 'getDefaultOutgoing' },
				[{}],
				V2,
			);
			expect(simplified.failure).toBeUndefined();
			expect(simplified.json).toEqual([
				{ kind: 'number', description: `The number ${number}, not a SIP line`, line: null },
			]);
		},
	);

	it('flags no line as the default in Get Many (Simplify)', async () => {
		portal.sandbox.setDefaultOutgoing(portal.sandbox.addRestAppNumber(13, '74951112255'));
		const run = await portal.run(
			{ resource: 'line', operation: 'getMany', returnAll: true },
			[{}],
			V2,
		);
		expect(run.failure).toBeUndefined();
		expect(run.json.map((line) => [line.id, line.defaultOutgoing])).toEqual([
			[cloud.CONFIG_ID, false],
			[office.CONFIG_ID, false],
		]);
	});

	it('reports it as a number in the Check All Lines summary, with no health and no line marked', async () => {
		portal.sandbox.setDefaultOutgoing(portal.sandbox.addRestAppNumber(14, '74951112266'));
		const run = await portal.run({
			resource: 'registration',
			operation: 'checkAll',
			options: { includeSummary: true, includeOffice: true },
		});
		expect(run.failure).toBeUndefined();
		const [summary, ...lines] = run.json;
		expect(summary.defaultOutgoing).toEqual({
			value: '74951112266',
			kind: 'number',
			CONFIG_ID: null,
			TITLE: null,
			TYPE: null,
			REG_ID: null,
			description: 'The number 74951112266, not a SIP line',
			healthy: null,
			summary: null,
		});
		expect(summary.summary).toContain(
			'Default outgoing line: the number 74951112266, not a SIP line.',
		);
		expect(lines.map((line) => [line.TITLE, line.isDefaultOutgoing])).toEqual([
			['Cloud', false],
			['Desk', false],
		]);
	});
});
