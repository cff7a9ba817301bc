import type { IDataObject } from 'n8n-workflow';

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
import { collectCalls, readStartDate, statisticDate } from '../nodes/shared/calls/statistics';

let nextId = 1;

function record(PORTAL_NUMBER: string, CALL_FAILED_CODE = '200', CALL_START_DATE: string | null = '2026-11-24T10:00:00+03:00'): CallRecord {
	return { ID: String(nextId++), PORTAL_NUMBER, CALL_FAILED_CODE, CALL_START_DATE };
}

describe('call rates (pure)', () => {
	const cloud: IDataObject = { CONFIG_ID: '5', TYPE: 'cloud', REG_ID: '151', TITLE: 'Cloud' };
	const office: IDataObject = { CONFIG_ID: '7', TYPE: 'office', INCOMING_LOGIN: 'sip7', TITLE: 'Office' };

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
		expect(callStats([], 1)).toEqual({ hours: 1, total: 0, failed: 0, failureRate: null, topFailures: [], summary: 'No calls in the last hour' });
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
			summary: 'Registered, but 1 of 2 calls failed in the last 24 h (50%): mostly insufficient funds on the provider balance',
		});
		expect(withCallVerdict({ healthy: false, summary: 'SIP 403 Forbidden' }, stats, 40).summary).toBe(
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
			summary: expect.stringMatching(/^Calls not on a SIP line this webhook sees: 3 of 5 calls failed in the last 24 h \(60%\)/),
			note: expect.stringContaining('DETECT_LINE_NUMBER'),
		});
		expect(unattributedItem(grouped, 24, undefined)?.healthy).toBe(true);
		expect(unattributedItem(groupCalls([record('reg151')], [cloud]), 24, 0)).toBeUndefined();
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
		const row = (ID: number, CALL_START_DATE: string | null) => ({ ID: String(ID), PORTAL_NUMBER: 'reg1', CALL_FAILED_CODE: 200, CALL_START_DATE });
		const records = collectCalls(
			[
				{ result: [row(1, '2026-11-24T06:59:59+03:00'), row(2, '2026-11-24T07:00:00+03:00'), row(3, null)] },
				{ result: [row(3, null), row(4, '2026-11-24 01:00:00')] },
				{ result: 'not a list' },
			],
			since,
		);
		expect(records.map((call) => call.ID)).toEqual(['2', '3', '4']);
		expect(records[0]).toEqual({ ID: '2', PORTAL_NUMBER: 'reg1', CALL_FAILED_CODE: '200', CALL_START_DATE: '2026-11-24T07:00:00+03:00' });
	});
});
