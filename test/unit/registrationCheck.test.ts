import type { IDataObject } from 'n8n-workflow';

import type { Registration } from '../../nodes/shared/registration';
import { readLinesToCheck, readRegistration } from '../../nodes/shared/registrationCheck';
import type { Bitrix24Client } from '../../nodes/shared/transport/client';
import { Bitrix24Error } from '../../nodes/shared/transport/errors';

function portalError(code: string): Bitrix24Error {
	return new Bitrix24Error({ kind: 'api', code, message: code, delivery: 'answered' });
}

/** A client that answers every call with `answer` and records what it was asked. */
function fakeClient(answer: IDataObject | IDataObject[] | Error) {
	const asked: Array<[string, IDataObject]> = [];
	const client = {
		call: async (method: string, params: IDataObject = {}) => {
			asked.push([method, params]);
			if (answer instanceof Error) throw answer;
			return { result: answer };
		},
	} as unknown as Bitrix24Client;
	return { client, asked };
}

const WAITING = { STATUS_RESULT: 'wait', STATUS_CODE: null, ERROR_MESSAGE: '', LAST_UPDATED: null };

describe('readRegistration', () => {
	it.each<[string, IDataObject, IDataObject | Error, Registration, number[]]>([
		// name, line row, what voximplant.sip.status answers, registration, REG_IDs asked
		['an office line', { TYPE: 'office', REG_ID: '5' }, {}, null, []],
		['a row without a type', { REG_ID: '5' }, {}, null, []],
		['a cloud line without REG_ID', { TYPE: 'cloud', REG_ID: '' }, {}, 'missing', []],
		['a cloud line with REG_ID 0', { TYPE: 'cloud', REG_ID: 0 }, {}, 'missing', []],
		['a cloud line', { TYPE: 'cloud', REG_ID: '42' }, { STATUS_RESULT: 'wait' }, WAITING, [42]],
		[
			'a registration the portal does not know',
			{ TYPE: 'cloud', REG_ID: 42 },
			portalError('REG_ID_NOT_FOUND'),
			'missing',
			[42],
		],
	])('%s', async (_name, row, answer, registration, regIds) => {
		const fake = fakeClient(answer);
		expect(await readRegistration(fake.client, row)).toEqual(registration);
		expect(fake.asked).toEqual(regIds.map((regId) => ['voximplant.sip.status', { REG_ID: regId }]));
	});

	it('lets any other failure through', async () => {
		const failure = portalError('ACCESS_DENIED');
		const fake = fakeClient(failure);
		await expect(readRegistration(fake.client, { TYPE: 'cloud', REG_ID: 42 })).rejects.toBe(
			failure,
		);
	});
});

describe('readLinesToCheck', () => {
	const rows = [{ CONFIG_ID: '12' }, { CONFIG_ID: 3 }, { CONFIG_ID: '7' }];

	it.each<[boolean, IDataObject]>([
		[true, { SORT: 'CONFIG_ID', ORDER: 'ASC' }],
		[false, { FILTER: { TYPE: 'cloud' }, SORT: 'CONFIG_ID', ORDER: 'ASC' }],
	])('with office lines: %p, in line id order', async (includeOffice, params) => {
		const fake = fakeClient(rows);
		const lines = await readLinesToCheck(fake.client, includeOffice);
		expect(lines.map((line) => line.CONFIG_ID)).toEqual([3, '7', '12']);
		expect(fake.asked).toEqual([['voximplant.sip.get', params]]);
	});
});
