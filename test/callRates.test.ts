import type { IDataObject, INodeProperties } from 'n8n-workflow';

import {
	callStats,
	callsWords,
	failureRate,
	groupCalls,
	isOverThreshold,
	unattributedItem,
	withCallVerdict,
} from '../nodes/shared/calls/callRates';
import type { CallRecord } from '../nodes/shared/calls/statistics';
import {
	collectCalls,
	readCalls,
	readStartDate,
	STATISTICS_PERMISSION_MESSAGE,
	statisticDate,
} from '../nodes/shared/calls/statistics';
import type { Bitrix24Client } from '../nodes/shared/transport/client';
import { Bitrix24Error, REST_NEEDS_SUBSCRIPTION } from '../nodes/shared/transport/errors';
import {
	addLines,
	callSpecs,
	fetchTestEvent,
	hoursAgo,
	placeCalls,
	statisticCalls,
	TRIGGER,
	triggerRunner,
} from './helpers/health';
import { allText, NODE_TYPE, sharedEngine, TestPortal } from './helpers/portal';

let nextId = 1;

function record(
	PORTAL_NUMBER: string,
	CALL_FAILED_CODE = '200',
	CALL_START_DATE: string | null = '2026-11-24T10:00:00+03:00',
): CallRecord {
	return { ID: String(nextId++), PORTAL_NUMBER, CALL_FAILED_CODE, CALL_START_DATE };
}

describe('call rates (pure)', () => {
	const cloud: IDataObject = { CONFIG_ID: '5', TYPE: 'cloud', REG_ID: '151', TITLE: 'Cloud' };
	const office: IDataObject = {
		CONFIG_ID: '7',
		TYPE: 'office',
		INCOMING_LOGIN: 'sip7',
		TITLE: 'Office',
	};

	it('counts calls, failures, the rate with one decimal and the three most frequent failures', () => {
		const records = [
			record('reg151'),
			...['402', '402', '402', '486', '486', '603', '304'].map((code) => record('reg151', code)),
			record('reg151'),
			record('reg151'),
		];
		const stats = callStats(records, 24);
		expect(stats).toEqual({
			hours: 24,
			total: 10,
			failed: 7,
			failureRate: 70,
			topFailures: [
				{ code: '402', meaning: 'insufficient funds on the provider balance', count: 3 },
				{ code: '486', meaning: 'busy', count: 2 },
				{ code: '304', meaning: 'missed (nobody answered)', count: 1 },
			],
			summary:
				'7 of 10 calls failed in the last 24 h (70%): mostly insufficient funds on the provider balance (also busy, missed (nobody answered))',
		});
		expect(failureRate(1, 3)).toBe(33.3);
		expect(failureRate(2, 3)).toBe(66.7);
		expect(failureRate(0, 0)).toBeNull();
		expect(callStats([], 1)).toEqual({
			hours: 1,
			total: 0,
			failed: 0,
			failureRate: null,
			topFailures: [],
			summary: 'No calls in the last hour',
		});
		expect(callsWords(callStats([record('x')], 2))).toBe('1 call in the last 2 h, none failed');
	});

	it('is over the threshold only strictly above it, never without calls or without a threshold', () => {
		expect(isOverThreshold({ failureRate: 50 }, 50)).toBe(false);
		expect(isOverThreshold({ failureRate: 50.1 }, 50)).toBe(true);
		expect(isOverThreshold({ failureRate: null }, 0)).toBe(false);
		expect(isOverThreshold({ failureRate: 100 }, undefined)).toBe(false);
		expect(isOverThreshold({ failureRate: 0.1 }, 0)).toBe(true);
	});

	it('says why a registered line is unhealthy, and adds the calls to a failing registration', () => {
		const stats = callStats([record('reg151', '402'), record('reg151')], 24);
		expect(withCallVerdict({ healthy: true, summary: 'Registered' }, stats, 40)).toEqual({
			healthy: false,
			summary:
				'Registered, but 1 of 2 calls failed in the last 24 h (50%): mostly insufficient funds on the provider balance',
		});
		expect(
			withCallVerdict({ healthy: false, summary: 'SIP 403 Forbidden' }, stats, 40).summary,
		).toBe(
			'SIP 403 Forbidden; also 1 of 2 calls failed in the last 24 h (50%): mostly insufficient funds on the provider balance',
		);
		const untouched = { healthy: true, summary: 'Registered' };
		expect(withCallVerdict(untouched, stats, 50)).toBe(untouched);
		expect(withCallVerdict(untouched, stats, undefined)).toBe(untouched);
	});

	it('puts calls on cloud and office lines by their search id and the rest apart, by PORTAL_NUMBER', () => {
		const records = [
			record('reg151'),
			record('SIP7', '486'),
			record('sip7'),
			record('74951234567', '402'),
			record('74951234567'),
			record('reg999', '603'),
			record('REST_APP:12'),
			record('', 'OTHER'),
		];
		const grouped = groupCalls(records, [cloud, office]);
		expect(grouped.byLine.get(5)?.map((call) => call.PORTAL_NUMBER)).toEqual(['reg151']);
		expect(grouped.byLine.get(7)?.map((call) => call.PORTAL_NUMBER)).toEqual(['SIP7', 'sip7']);
		expect(grouped.unattributed).toHaveLength(5);
		expect(grouped.byPortalNumber).toEqual([
			{ PORTAL_NUMBER: '74951234567', kind: 'number', total: 2, failed: 1 },
			{ PORTAL_NUMBER: '', kind: 'none', total: 1, failed: 1 },
			{ PORTAL_NUMBER: 'reg999', kind: 'unknownSipLine', total: 1, failed: 1 },
			{ PORTAL_NUMBER: 'REST_APP:12', kind: 'restApp', total: 1, failed: 0 },
		]);

		const item = unattributedItem(grouped, 24, 50);
		expect(item).toMatchObject({
			itemType: 'unattributedCalls',
			hours: 24,
			total: 5,
			failed: 3,
			failureRate: 60,
			healthy: false,
			summary: expect.stringMatching(
				/^Calls not on a SIP line this webhook sees: 3 of 5 calls failed in the last 24 h \(60%\)/,
			),
			note: expect.stringContaining('DETECT_LINE_NUMBER'),
		});
		expect(unattributedItem(grouped, 24, undefined)?.healthy).toBe(true);
		expect(unattributedItem(groupCalls([record('reg151')], [cloud]), 24, 0)).toBeUndefined();
	});
});

/** A stand-in for the client: answers statistic.get from a list of rows as Bitrix24 pages them. */
function fakeClient(answer: (params: IDataObject) => IDataObject | Error): {
	client: Bitrix24Client;
	sent: IDataObject[];
} {
	const sent: IDataObject[] = [];
	const client = {
		call: async (restMethod: string, params: IDataObject) => {
			expect(restMethod).toBe('voximplant.statistic.get');
			sent.push(params);
			const outcome = answer(params);
			if (outcome instanceof Error) throw outcome;
			return outcome;
		},
	} as unknown as Bitrix24Client;
	return { client, sent };
}

describe('readCalls (a stand-in client)', () => {
	const since = new Date('2026-11-24T04:00:00Z');
	const rows = Array.from({ length: 120 }, (_, index) => ({
		ID: String(index + 1),
		PORTAL_NUMBER: 'reg1',
		CALL_FAILED_CODE: index % 4 === 0 ? '486' : '200',
		CALL_START_DATE: '2026-11-24T08:00:00+03:00',
	}));

	it('follows `next` one page after another when the answer has no total', async () => {
		const { client, sent } = fakeClient((params) => {
			const start = Number(params.start);
			const page = rows.slice(start, start + 50);
			return { result: page, ...(start + 50 < rows.length ? { next: start + 50 } : {}) };
		});
		const calls = await readCalls(client, since);
		expect(calls.map((call) => call.ID)).toEqual(rows.map((row) => row.ID));
		expect(sent.map((params) => params.start)).toEqual([0, 50, 100]);
		expect(sent[0]).toEqual({
			FILTER: { '>=CALL_START_DATE': '2026-11-24T04:00:00+00:00' },
			SORT: 'ID',
			ORDER: 'ASC',
			start: 0,
		});
	});

	it('stops a `next` chain that does not move on', async () => {
		const { client, sent } = fakeClient(() => ({ result: rows.slice(0, 50), next: 0 }));
		expect(await readCalls(client, since)).toHaveLength(50);
		expect(sent).toHaveLength(1);
	});

	it('names ACCESS_DENIED as the statistics permission, but keeps a closed subscription and other errors as they are', async () => {
		const denied = new Bitrix24Error({
			kind: 'api',
			code: 'ACCESS_DENIED',
			message: 'any',
			delivery: 'answered',
			httpStatus: 403,
		});
		await expect(readCalls(fakeClient(() => denied).client, since)).rejects.toMatchObject({
			code: 'ACCESS_DENIED',
			message: STATISTICS_PERMISSION_MESSAGE,
			description: expect.stringContaining('A level below "Any" does not fail'),
		});
		const closed = denied.with({
			message: REST_NEEDS_SUBSCRIPTION,
			reason: 'restNeedsSubscription',
		});
		await expect(readCalls(fakeClient(() => closed).client, since)).rejects.toBe(closed);
		const other = new Error('boom');
		await expect(readCalls(fakeClient(() => other).client, since)).rejects.toBe(other);
	});
});

describe('statistics rows (pure)', () => {
	it('writes the filter date in UTC with an explicit offset', () => {
		expect(statisticDate(new Date('2026-11-24T04:00:00.789Z'))).toBe('2026-11-24T04:00:00+00:00');
	});

	it('reads only dates that carry an offset', () => {
		expect(readStartDate('2026-11-24T07:00:00+03:00')).toBe(Date.parse('2026-11-24T04:00:00Z'));
		expect(readStartDate('2026-11-24T07:00:00+0300')).toBe(Date.parse('2026-11-24T04:00:00Z'));
		expect(readStartDate('2026-11-24T04:00:00Z')).toBe(Date.parse('2026-11-24T04:00:00Z'));
		expect(readStartDate('2026-11-24 07:00:00')).toBeUndefined();
		expect(readStartDate(null)).toBeUndefined();
	});

	it('keeps each row once, and leaves out rows from before the window (a dropped filter)', () => {
		const since = new Date('2026-11-24T04:00:00Z');
		const row = (ID: number, CALL_START_DATE: string | null) => ({
			ID: String(ID),
			PORTAL_NUMBER: 'reg1',
			CALL_FAILED_CODE: 200,
			CALL_START_DATE,
		});
		const records = collectCalls(
			[
				{
					result: [
						row(1, '2026-11-24T06:59:59+03:00'),
						row(2, '2026-11-24T07:00:00+03:00'),
						row(3, null),
					],
				},
				{ result: [row(3, null), row(4, '2026-11-24 01:00:00')] },
				{ result: 'not a list' },
			],
			since,
		);
		expect(records.map((call) => call.ID)).toEqual(['2', '3', '4']);
		expect(records[0]).toEqual({
			ID: '2',
			PORTAL_NUMBER: 'reg1',
			CALL_FAILED_CODE: '200',
			CALL_START_DATE: '2026-11-24T07:00:00+03:00',
		});
	});
});

const STATISTICS_DENIED =
	'Bitrix24 denied access to the call statistics: the webhook\'s user lacks the "Call statistics" permission';

/** The line part of an item, read from the sandbox. */
function identity(portal: TestPortal, title: string): IDataObject {
	const line = portal.sandbox.lines().find((candidate) => candidate.title === title);
	if (!line) throw new Error(`no line ${title}`);
	return {
		CONFIG_ID: line.configId,
		TITLE: title,
		TYPE: line.type,
		SERVER: line.server,
		LOGIN: expect.any(String),
		REG_ID: line.regId,
	};
}

function configIdOf(portal: TestPortal, title: string): number {
	return identity(portal, title).CONFIG_ID as number;
}

/** Two registered cloud trunks and an office line; their line ids. */
async function twoTrunksAndAnOffice(
	portal: TestPortal,
): Promise<{ a: number; b: number; office: number }> {
	await addLines(portal, [
		{ title: 'Trunk A', server: 'sip.ok.example' },
		{ title: 'Trunk B', server: 'sip.ok.example' },
		{ title: 'Office', type: 'office' },
	]);
	portal.sandbox.advanceRegistrations(2);
	return {
		a: configIdOf(portal, 'Trunk A'),
		b: configIdOf(portal, 'Trunk B'),
		office: configIdOf(portal, 'Office'),
	};
}

function byTitle(items: IDataObject[]): Record<string, IDataObject> {
	return Object.fromEntries(
		items.filter((item) => item.itemType === 'line').map((item) => [item.TITLE as string, item]),
	);
}

describe('Registration → Check All Lines with calls', () => {
	let portal: TestPortal;
	let detectedNumber: string;

	/*
	 * Trunk A: 70 calls in the window, 49 failed (70%), and 5 failed ones 30 h ago; Trunk B: 90
	 * calls, 3 failed, none of them the webhook user's; Office: 15 calls, 5 missed; 7 calls on no
	 * seen line: a rented number (3), a REST app (2), a deleted line (1), a number Trunk B read
	 * from the SIP headers (1). 182 calls in the last 24 h: four pages.
	 */
	beforeAll(async () => {
		portal = await TestPortal.start();
		const { a, b } = await twoTrunksAndAnOffice(portal);
		const rented = portal.sandbox.addRentedNumber('74951234567', 'Moscow office');
		await placeCalls(portal, [
			...callSpecs({ configId: a, startedAt: hoursAgo(30) }, 5, [['402', 5]]),
			...callSpecs({ configId: a }, 70, [
				['402', 30],
				['486', 15],
				['603', 4],
			]),
			...callSpecs({ configId: b, userId: null }, 90, [['486', 3]]),
			...callSpecs({ configId: configIdOf(portal, 'Office') }, 15, [['304', 5]]),
			...callSpecs({ configId: rented.configId }, 3, [['480', 1]]),
			...callSpecs({ portalNumber: 'REST_APP:7' }, 2),
			...callSpecs({ portalNumber: 'reg99999' }, 1, [['OTHER', 1]]),
		]);
		portal.sandbox.setDetectLineNumber(b, true);
		const detected = await portal.sandbox.placeCall({
			configId: b,
			type: 2,
			detectedNumber: '+74957654321',
			code: '486',
		});
		detectedNumber = String(detected.row.PORTAL_NUMBER);
		expect(portal.sandbox.calls()).toHaveLength(187);
	});

	beforeEach(() => {
		portal.sandbox.clearLog();
	});

	afterAll(async () => {
		await portal.close();
	});

	const check = async (
		options: IDataObject,
		settings: { webhookUrl?: string; continueOnFail?: boolean } = {},
	) =>
		await portal.run({ resource: 'registration', operation: 'checkAll', options }, [{}], settings);

	const TRUNK_A_CALLS = {
		hours: 24,
		total: 70,
		failed: 49,
		failureRate: 70,
		topFailures: [
			{ code: '402', meaning: 'insufficient funds on the provider balance', count: 30 },
			{ code: '486', meaning: 'busy', count: 15 },
			{ code: '603', meaning: 'declined', count: 4 },
		],
		summary:
			'49 of 70 calls failed in the last 24 h (70%): mostly insufficient funds on the provider balance (also busy, declined)',
	};

	it('adds each line its calls, reads all pages at once in one batch, and reports the calls of no seen line once', async () => {
		const run = await check({ callWindowHours: 24 });

		expect(run.failure).toBeUndefined();
		expect(run.json.map((item) => item.TITLE ?? item.itemType)).toEqual([
			'Trunk A',
			'Trunk B',
			'unattributedCalls',
		]);
		const lines = byTitle(run.json);
		expect(lines['Trunk A']).toEqual({
			itemType: 'line',
			...identity(portal, 'Trunk A'),
			isDefaultOutgoing: true,
			hasRegistration: true,
			STATUS_RESULT: 'success',
			STATUS_CODE: 200,
			ERROR_MESSAGE: '',
			LAST_UPDATED: expect.any(String),
			// no threshold: the calls are shown, the verdict is the registration's
			healthy: true,
			summary: 'Registered',
			calls: TRUNK_A_CALLS,
		});
		expect(lines['Trunk B'].calls).toEqual({
			hours: 24,
			total: 90,
			failed: 3,
			failureRate: 3.3,
			topFailures: [{ code: '486', meaning: 'busy', count: 3 }],
			summary: '3 of 90 calls failed in the last 24 h (3.3%): mostly busy',
		});
		// the office line is not listed, yet its 15 calls are known to be its own: not unattributed
		expect(run.json[2]).toEqual({
			itemType: 'unattributedCalls',
			hours: 24,
			total: 7,
			failed: 3,
			failureRate: 42.9,
			topFailures: [
				{ code: '480', meaning: 'temporarily unavailable', count: 1 },
				{ code: '486', meaning: 'busy', count: 1 },
				{ code: 'OTHER', meaning: 'undefined failure', count: 1 },
			],
			byPortalNumber: [
				{ PORTAL_NUMBER: '74951234567', kind: 'number', total: 3, failed: 1 },
				{ PORTAL_NUMBER: 'REST_APP:7', kind: 'restApp', total: 2, failed: 0 },
				...[
					{ PORTAL_NUMBER: detectedNumber, kind: 'number', total: 1, failed: 1 },
					{ PORTAL_NUMBER: 'reg99999', kind: 'unknownSipLine', total: 1, failed: 1 },
				].sort((x, y) => x.PORTAL_NUMBER.localeCompare(y.PORTAL_NUMBER)),
			],
			healthy: true,
			summary:
				'Calls not on a SIP line this webhook sees: 3 of 7 calls failed in the last 24 h (42.9%): mostly temporarily unavailable (also busy, undefined failure)',
			note: expect.stringMatching(/rented in Bitrix24.*DETECT_LINE_NUMBER/),
		});
		expect(run.items.every((item) => JSON.stringify(item.pairedItem) === '{"item":0}')).toBe(true);
		expect(allText(run.json)).not.toMatch(new RegExp(`${portal.webhook.secret}|secret-pass`));

		// all lines (office too, to know its calls), then the first page with the status calls, then the other three pages in one batch
		const { log } = portal.sandbox;
		expect(log.map((entry) => entry.restMethod)).toEqual(['voximplant.sip.get', 'batch', 'batch']);
		expect(log[0].params.FILTER).toBeUndefined();
		expect(log[1].batchCommands?.map((command) => command.restMethod)).toEqual([
			'voximplant.sip.status',
			'voximplant.sip.status',
			'voximplant.line.outgoing.get',
			'voximplant.statistic.get',
		]);
		expect(log[2].batchCommands?.map((command) => command.restMethod)).toEqual(
			Array(3).fill('voximplant.statistic.get'),
		);

		// exactly the filter Bitrix24 knows, with an explicit offset; sorted by ID; `start` in lower case
		const sent = statisticCalls(portal);
		expect(sent.map((call) => call.params.start)).toEqual(['0', '50', '100', '150']);
		for (const { params } of sent) {
			expect(Object.keys(params).sort()).toEqual(['FILTER', 'ORDER', 'SORT', 'start']);
			expect([params.SORT, params.ORDER]).toEqual(['ID', 'ASC']);
			expect(Object.keys(params.FILTER as IDataObject)).toEqual(['>=CALL_START_DATE']);
		}
		const since = String((sent[0].params.FILTER as IDataObject)['>=CALL_START_DATE']);
		expect(since).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
		expect(Math.abs(Date.parse(since) - hoursAgo(24).getTime())).toBeLessThan(60_000);
	});

	it('makes a line over the failure rate unhealthy, saying why; only strictly above the threshold', async () => {
		const unhealthy = await check({
			callWindowHours: 24,
			failureRateAbove: 50,
			onlyUnhealthy: true,
		});
		expect(unhealthy.json).toEqual([
			expect.objectContaining({
				TITLE: 'Trunk A',
				STATUS_RESULT: 'success',
				healthy: false,
				summary:
					'Registered, but 49 of 70 calls failed in the last 24 h (70%): mostly insufficient funds on the provider balance (also busy, declined)',
				calls: TRUNK_A_CALLS,
			}),
		]);

		// the unattributed calls (42.9%) are kept by Only Unhealthy Lines once they are over the threshold
		const lower = await check({ callWindowHours: 24, failureRateAbove: 40, onlyUnhealthy: true });
		expect(lower.json.map((item) => item.TITLE ?? item.itemType)).toEqual([
			'Trunk A',
			'unattributedCalls',
		]);
		expect(lower.json[1].healthy).toBe(false);

		const exactly = await check({ callWindowHours: 24, failureRateAbove: 70 });
		expect(byTitle(exactly.json)['Trunk A']).toMatchObject({
			healthy: true,
			summary: 'Registered',
		});

		// the threshold alone reads the last 24 hours
		const alone = await check({ failureRateAbove: 50, onlyUnhealthy: true });
		expect(alone.json).toEqual(unhealthy.json);
	});

	it('includes office lines and counts every call in the summary item', async () => {
		const run = await check({
			callWindowHours: 24,
			failureRateAbove: 30,
			includeOffice: true,
			includeSummary: true,
		});

		expect(run.json.map((item) => item.TITLE ?? item.itemType)).toEqual([
			'summary',
			'Trunk A',
			'Trunk B',
			'Office',
			'unattributedCalls',
		]);
		expect(byTitle(run.json).Office).toMatchObject({
			TYPE: 'office',
			hasRegistration: false,
			healthy: false,
			summary:
				'Office PBX — no registration to check (your PBX connects to Bitrix24), but 5 of 15 calls failed in the last 24 h (33.3%): mostly missed (nobody answered)',
			calls: expect.objectContaining({ total: 15, failed: 5, failureRate: 33.3 }),
		});
		const [summary] = run.json;
		expect(summary.lines).toEqual({ total: 3, healthy: 1, unhealthy: 2, pending: 0 });
		expect(summary.calls).toEqual({
			hours: 24,
			total: 182,
			failed: 60,
			failureRate: 33,
			topFailures: [
				{ code: '402', meaning: 'insufficient funds on the provider balance', count: 30 },
				{ code: '486', meaning: 'busy', count: 19 },
				{ code: '304', meaning: 'missed (nobody answered)', count: 5 },
			],
			summary:
				'60 of 182 calls failed in the last 24 h (33%): mostly insufficient funds on the provider balance (also busy, missed (nobody answered))',
			unattributed: 7,
			failureRateAbove: 30,
			linesOverThreshold: 2,
		});
		expect(summary.defaultOutgoing).toMatchObject({ TITLE: 'Trunk A', healthy: false });
		expect(summary.summary).toMatch(
			/^3 lines: 1 healthy, 2 unhealthy\. Default outgoing line: "Trunk A" \(\d+\), unhealthy \(Registered, but 49 of 70 calls failed.*\. SIP connector: .*\. 60 of 182 calls failed in the last 24 h \(33%\): mostly insufficient funds on the provider balance \(also busy, missed \(nobody answered\)\)\.$/,
		);
	});

	it('reads only the chosen window, and nothing at all with 0 hours', async () => {
		const longer = await check({ callWindowHours: 48 });
		expect(byTitle(longer.json)['Trunk A'].calls).toMatchObject({
			total: 75,
			failed: 54,
			failureRate: 72,
		});

		const plain = await check({});
		portal.sandbox.clearLog();
		const off = await check({ callWindowHours: 0 });
		expect(off.json).toEqual(plain.json);
		expect(statisticCalls(portal)).toEqual([]);
		expect(portal.sandbox.log[0].params.FILTER).toEqual({ TYPE: 'cloud' });
	});

	it('silently gets fewer calls with "own" or "department" statistics access, as the option warns, and explains a refusal as the statistics permission', async () => {
		const own = portal.sandbox.addWebhook({ callStatistics: 'own' });
		const run = await check({ callWindowHours: 24 }, { webhookUrl: own.url });
		// Trunk B's calls are no user's: the portal leaves them out without a word
		expect(byTitle(run.json)['Trunk B'].calls).toMatchObject({
			total: 0,
			failed: 0,
			failureRate: null,
			summary: 'No calls in the last 24 h',
		});
		expect(byTitle(run.json)['Trunk A'].calls).toMatchObject({ total: 70 });

		// "department": the calls of the user's colleagues only (Trunk A's are user 1's)
		const colleague = portal.sandbox.addWebhook({ userId: 2, callStatistics: 'department' });
		portal.sandbox.setUserDepartments(1, [10]);
		portal.sandbox.setUserDepartments(2, [20]);
		const apart = await check({ callWindowHours: 24 }, { webhookUrl: colleague.url });
		expect(byTitle(apart.json)['Trunk A'].calls).toMatchObject({ total: 0, failureRate: null });
		portal.sandbox.setUserDepartments(2, [20, 10]);
		const together = await check({ callWindowHours: 24 }, { webhookUrl: colleague.url });
		expect(byTitle(together.json)['Trunk A'].calls).toMatchObject({ total: 70 });
		expect(byTitle(together.json)['Trunk B'].calls).toMatchObject({ total: 0 });

		// both node versions' Options warn in the field itself (the README explains each level)
		const checkAlls = sharedEngine().loaded.nodes[NODE_TYPE].description.properties.filter(
			(property) =>
				property.name === 'options' &&
				property.displayOptions?.show?.operation?.includes('checkAll'),
		);
		expect(checkAlls).toHaveLength(2);
		for (const checkAll of checkAlls) {
			const windowOption = (checkAll.options as INodeProperties[]).find(
				(option) => option.name === 'callWindowHours',
			);
			expect(windowOption?.description).toMatch(
				/"Call statistics" → View set to "Any": a lower level silently counts fewer calls/,
			);
		}

		portal.sandbox.setCallStatistics(own.id, 'none');
		const denied = await check({ callWindowHours: 24 }, { webhookUrl: own.url });
		expect(denied.failure?.name).toBe('NodeApiError');
		expect(denied.failure?.message).toBe(STATISTICS_DENIED);
		expect(denied.failure?.description).toMatch(
			/"Call statistics" → View, set to "Any".*not the line permission "Manage numbers"/,
		);
		expect(allText(denied.failure)).not.toContain(own.secret);

		const tolerant = await check(
			{ callWindowHours: 24 },
			{ webhookUrl: own.url, continueOnFail: true },
		);
		expect(tolerant.json).toEqual([
			{
				error: STATISTICS_DENIED,
				code: 'ACCESS_DENIED',
				httpCode: 403,
				description: expect.stringContaining('"Call statistics"'),
			},
		]);
		expect(allText(tolerant.json)).not.toContain(own.secret);
	});

	it.each([
		[
			{ callWindowHours: -1 },
			'Include Calls of the Last (Hours) must be a whole number from 0 to 720, got -1',
		],
		[
			{ callWindowHours: 1.5 },
			'Include Calls of the Last (Hours) must be a whole number from 0 to 720, got 1.5',
		],
		[
			{ callWindowHours: 721 },
			'Include Calls of the Last (Hours) must be a whole number from 0 to 720, got 721',
		],
		[
			{ callWindowHours: '={{ Number("soon") }}' },
			'Include Calls of the Last (Hours) must be a whole number from 0 to 720, got NaN',
		],
		[
			{ failureRateAbove: 101 },
			'Unhealthy Above Failure Rate (%) must be a number from 0 to 100, got 101',
		],
		[
			{ failureRateAbove: -5 },
			'Unhealthy Above Failure Rate (%) must be a number from 0 to 100, got -5',
		],
		[
			{ failureRateAbove: '={{ "lots" }}' },
			'Unhealthy Above Failure Rate (%) must be a number from 0 to 100, got "lots"',
		],
		[
			{ callWindowHours: 0, failureRateAbove: 10 },
			'Unhealthy Above Failure Rate (%) needs calls, but Include Calls of the Last (Hours) is 0',
		],
	])('refuses %j before sending anything', async (options, message) => {
		const run = await check(options);
		expect(run.failure?.name).toBe('NodeOperationError');
		expect(run.failure?.message).toBe(message);
		expect(portal.sandbox.log).toHaveLength(0);
	});

	it('leaves out calls from before the window when the portal drops the filter', async () => {
		// the portal ignores a filter it does not understand: all 187 rows come back, the 5 old ones too
		portal.sandbox.setBeforeCall((restMethod, params) => {
			if (restMethod.toLowerCase() === 'voximplant.statistic.get') delete params.FILTER;
		});
		try {
			const run = await check({ callWindowHours: 24 });
			expect(byTitle(run.json)['Trunk A'].calls).toEqual(TRUNK_A_CALLS);
			expect(statisticCalls(portal)).toHaveLength(4);
		} finally {
			portal.sandbox.setBeforeCall(null);
		}
	});

	it('sends a page batch again after its answer was lost, counting every call once', async () => {
		// the answer to the batch of later pages is lost after the portal ran it
		let armed = true;
		portal.sandbox.setBeforeCall((restMethod, params) => {
			if (
				armed &&
				restMethod.toLowerCase() === 'voximplant.statistic.get' &&
				String(params.start) === '0'
			) {
				armed = false;
				portal.sandbox.injectFault('lostAfterRun', 1, {
					restMethods: ['voximplant.statistic.get'],
				});
			}
		});
		try {
			const run = await check({ callWindowHours: 24 });
			expect(run.failure).toBeUndefined();
			expect(byTitle(run.json)['Trunk A'].calls).toEqual(TRUNK_A_CALLS);
			expect(byTitle(run.json)['Trunk B'].calls).toMatchObject({ total: 90 });
			const pages = portal.sandbox.log.filter((entry) =>
				entry.batchCommands?.every((command) => command.restMethod === 'voximplant.statistic.get'),
			);
			expect(pages.map((entry) => entry.fault ?? 'answered')).toEqual(['lostAfterRun', 'answered']);
		} finally {
			portal.sandbox.setBeforeCall(null);
		}
	});

	it('reports a statistics page that keeps failing as the proxy error, after the transport retried it', async () => {
		// as many as the transport's attempts: all are used up, none is left for the next test
		portal.sandbox.injectFault('html502', 4, { restMethods: ['voximplant.statistic.get'] });
		const run = await check({ callWindowHours: 24 }, { continueOnFail: true });
		expect(run.json).toEqual([
			{
				error: 'The portal answered with a web page instead of data (HTTP 502: 502 Bad Gateway)',
				code: 'HTTP_502',
				httpCode: 502,
				description: 'A proxy or web server in front of Bitrix24 failed; try again later.',
			},
		]);
		// four attempts in all, then the error
		expect(statisticCalls(portal)).toHaveLength(4);
		expect(allText(run.json)).not.toContain(portal.webhook.secret);
	});
});

describe('Bitrix24 SIP Trigger: Line Calls Failing', () => {
	let portal: TestPortal;
	let a: number;
	let b: number;
	let office: number;

	beforeEach(async () => {
		portal = await TestPortal.start();
		({ a, b, office } = await twoTrunksAndAnOffice(portal));
		// Trunk A fails before the trigger starts: 3 of 4 calls busy
		await placeCalls(portal, callSpecs({ configId: a }, 4, [['486', 3]]));
		portal.sandbox.clearLog();
	});

	afterEach(async () => {
		await portal.close();
	});

	const PARAMETERS = { events: ['lineCallsFailing'], callWindowHours: 1, callFailureRateAbove: 50 };
	const detectedAt = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/);

	it('remembers the first poll, fires once when a line goes over, stays quiet, re-arms at or below, forgets a removed line', async () => {
		const trigger = triggerRunner(portal, PARAMETERS);

		// Trunk A is over already: the first poll only remembers it
		expect(await trigger.pollJson()).toBeNull();
		const saved = () => trigger.staticData[`node:${TRIGGER}`] as IDataObject;
		expect(saved().callsFailing).toEqual({ [a]: true, [b]: false, [office]: false });
		// the calls event alone needs the lines and the calls, not the registrations
		expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual([
			'voximplant.sip.get',
			'voximplant.statistic.get',
		]);
		expect(await trigger.pollJson()).toBeNull();
		expect(trigger.saves).toBe(1);

		await placeCalls(portal, callSpecs({ configId: b }, 4, [['402', 3]]));
		expect(await trigger.pollJson()).toEqual([
			{
				event: 'lineCallsFailing',
				message: `Calls on line "Trunk B" (${b}) are failing: 3 of 4 calls failed in the last hour (75%), above the threshold of 50%: mostly insufficient funds on the provider balance`,
				line: identity(portal, 'Trunk B'),
				calls: {
					hours: 1,
					total: 4,
					failed: 3,
					failureRate: 75,
					topFailures: [
						{ code: '402', meaning: 'insufficient funds on the provider balance', count: 3 },
					],
					summary:
						'3 of 4 calls failed in the last hour (75%): mostly insufficient funds on the provider balance',
				},
				failureRateAbove: 50,
				detectedAt,
			},
		]);
		// still failing: no repeat
		expect(await trigger.pollJson()).toBeNull();

		// ten good calls bring it to 3 of 14 (21.4%): re-armed, nothing to say
		await placeCalls(portal, callSpecs({ configId: b }, 10));
		expect(await trigger.pollJson()).toBeNull();
		expect(saved().callsFailing).toEqual({ [a]: true, [b]: false, [office]: false });
		await placeCalls(portal, callSpecs({ configId: b }, 20, [['603', 20]]));
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({
				event: 'lineCallsFailing',
				message: `Calls on line "Trunk B" (${b}) are failing: 23 of 34 calls failed in the last hour (67.6%), above the threshold of 50%: mostly declined (also insufficient funds on the provider balance)`,
			}),
		]);

		// an office line is judged by its calls too
		await placeCalls(portal, callSpecs({ configId: office }, 2, [['304', 2]]));
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({
				event: 'lineCallsFailing',
				line: identity(portal, 'Office'),
				calls: expect.objectContaining({ total: 2, failureRate: 100 }),
			}),
		]);

		const removed = await portal.run({ resource: 'line', operation: 'delete', configId: a });
		expect(removed.failure).toBeUndefined();
		expect(await trigger.pollJson()).toBeNull();
		expect(saved().callsFailing).toEqual({ [b]: true, [office]: true });
		expect(allText(trigger.staticData)).not.toContain(portal.webhook.secret);
	});

	it('emits the current calls of every line on the first run when asked, and in a manual run, leaving the state alone', async () => {
		const first = await triggerRunner(portal, {
			...PARAMETERS,
			options: { emitOnFirstRun: true },
		}).pollJson();
		expect(first).toEqual([
			{
				event: 'currentState',
				message: `Line "Trunk A" (${a}): 3 of 4 calls failed in the last hour (75%): mostly busy`,
				line: identity(portal, 'Trunk A'),
				calls: expect.objectContaining({ total: 4, failed: 3, failureRate: 75 }),
				failureRateAbove: 50,
				detectedAt,
			},
			expect.objectContaining({
				event: 'currentState',
				message: `Line "Trunk B" (${b}): No calls in the last hour`,
			}),
			expect.objectContaining({ event: 'currentState', line: identity(portal, 'Office') }),
		]);

		const trigger = triggerRunner(portal, PARAMETERS);
		expect(await trigger.pollJson()).toBeNull();
		const saved = trigger.staticData;
		await placeCalls(portal, callSpecs({ configId: b }, 2, [['486', 2]]));
		expect(await fetchTestEvent(portal, PARAMETERS)).toEqual([
			expect.objectContaining({ event: 'currentState', line: identity(portal, 'Trunk A') }),
			expect.objectContaining({
				event: 'currentState',
				calls: expect.objectContaining({ total: 2, failed: 2 }),
			}),
			expect.objectContaining({ event: 'currentState', line: identity(portal, 'Office') }),
		]);
		expect(await trigger.pollJson('manual')).toHaveLength(3);
		expect(trigger.staticData).toEqual(saved);
		// the active trigger still sees the change
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({ event: 'lineCallsFailing', line: identity(portal, 'Trunk B') }),
		]);
	});

	it('starts by remembering when older state has no calls part, and reads the calls with the status calls in one batch', async () => {
		const older = triggerRunner(portal, { events: ['lineUnhealthy'] });
		expect(await older.pollJson()).toBeNull();
		expect(older.staticData[`node:${TRIGGER}`]).not.toHaveProperty('callsFailing');

		const parameters = { ...PARAMETERS, events: ['lineUnhealthy', 'lineCallsFailing'] };
		const trigger = triggerRunner(portal, parameters, older.staticData);
		portal.sandbox.clearLog();
		expect(await trigger.pollJson()).toBeNull();
		expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual([
			'voximplant.sip.get',
			'batch',
		]);
		expect(portal.sandbox.log[1].batchCommands?.map((command) => command.restMethod)).toEqual([
			'voximplant.sip.status',
			'voximplant.sip.status',
			'voximplant.statistic.get',
		]);

		await placeCalls(portal, callSpecs({ configId: b }, 1, [['486', 1]]));
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({ event: 'lineCallsFailing', line: identity(portal, 'Trunk B') }),
		]);
	});

	it('fails with the statistics permission explained, keeping its state and without the secret', async () => {
		const trigger = triggerRunner(portal, PARAMETERS);
		expect(await trigger.pollJson()).toBeNull();
		const saved = trigger.staticData;

		const denied = portal.sandbox.addWebhook({ callStatistics: 'none' });
		const refused = triggerRunner(portal, PARAMETERS, saved, denied.url);
		const error = (await refused.poll().catch((caught: unknown) => caught)) as Error & IDataObject;
		expect(error).toMatchObject({ name: 'NodeApiError', message: STATISTICS_DENIED });
		expect(String(error.description)).toContain('not the line permission "Manage numbers"');
		expect(allText(error)).not.toContain(denied.secret);
		expect(refused.staticData).toEqual(saved);
	});

	it.each([
		[
			{ callWindowHours: 0 },
			'Calls of the Last (Hours) must be a whole number from 1 to 720, got 0',
		],
		[
			{ callWindowHours: 2.5 },
			'Calls of the Last (Hours) must be a whole number from 1 to 720, got 2.5',
		],
		[
			{ callFailureRateAbove: 101 },
			'Failure Rate Above (%) must be a number from 0 to 100, got 101',
		],
	])('refuses %j before calling the portal', async (parameters, message) => {
		const trigger = triggerRunner(portal, { ...PARAMETERS, ...parameters });
		await expect(trigger.poll()).rejects.toMatchObject({ name: 'NodeOperationError', message });
		expect(portal.sandbox.log).toHaveLength(0);
	});
});
