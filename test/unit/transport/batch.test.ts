import type { IDataObject } from 'n8n-workflow';

import type { CommandOutcome } from '../../../nodes/shared/transport/batch';
import {
	buildBatchBody,
	encodeCommand,
	readBatchResult,
	statusOf,
} from '../../../nodes/shared/transport/batch';
import { Bitrix24Error } from '../../../nodes/shared/transport/errors';

const SECRET = 'k3yw0rd5ecret';

describe('encodeCommand', () => {
	it.each<[string, IDataObject, string]>([
		['no parameters', {}, ''],
		['a number and a text', { CONFIG_ID: 5, TITLE: 'Main line' }, 'CONFIG_ID=5&TITLE=Main+line'],
		['a nested filter', { FILTER: { TYPE: 'cloud' } }, 'FILTER%5BTYPE%5D=cloud'],
		['an emoji whole', { TITLE: '☎️' }, 'TITLE=%E2%98%8E%EF%B8%8F'],
	])('%s', (_name, params, query) => {
		expect(encodeCommand('c0', 'voximplant.sip.update', params)).toEqual({
			key: 'c0',
			restMethod: 'voximplant.sip.update',
			query,
		});
	});

	it('a broken character fails this call alone, unsent', () => {
		const encoded = encodeCommand('c0', 'voximplant.sip.add', { TITLE: 'Line \ud83d' });
		expect(encoded).toBeInstanceOf(Bitrix24Error);
		expect(encoded).toMatchObject({
			kind: 'input',
			code: 'INVALID_CHARACTER',
			delivery: 'notSent',
			message:
				'A value of this item contains a broken character (half of an emoji or another character cut in two)',
		});
	});
});

describe('buildBatchBody', () => {
	it('keeps going after a failed command, and names a method without parameters alone', () => {
		expect(
			buildBatchBody([
				{ key: 'c0', restMethod: 'voximplant.sip.get', query: 'FILTER%5BTYPE%5D=cloud' },
				{ key: 'c1', restMethod: 'voximplant.sip.connector.status', query: '' },
			]),
		).toEqual({
			halt: 0,
			cmd: {
				c0: 'voximplant.sip.get?FILTER%5BTYPE%5D=cloud',
				c1: 'voximplant.sip.connector.status',
			},
		});
	});
});

describe('statusOf (the status a plain call would get)', () => {
	it.each<[string, Record<string, number> | undefined, number | undefined]>([
		['ERROR_NOT_FOUND', undefined, 400],
		['ERROR_NOT_FOUND', { ERROR_NOT_FOUND: 404 }, 404],
		['ACCESS_DENIED', { ERROR_NOT_FOUND: 404 }, 403],
		['INVALID_CREDENTIALS', undefined, 401],
		['QUERY_LIMIT_EXCEEDED', undefined, 503],
		['OPERATION_TIME_LIMIT', undefined, 429],
		['ERROR_METHOD_NOT_FOUND', undefined, 404],
		['INTERNAL_SERVER_ERROR', undefined, 500],
		['TITLE_EXISTS', undefined, 400],
		['SOMETHING_NEW', undefined, undefined],
		['SOMETHING_NEW', { SOMETHING_NEW: 409 }, 409],
	])('%s with the caller’s table %o: %p', (code, table, status) => {
		expect(statusOf(code, table)).toBe(status);
	});
});

describe('readBatchResult', () => {
	const commands = [{ key: 'c0' }, { key: 'c1', statusByCode: { ERROR_NOT_FOUND: 404 } }];

	function read(result: unknown): Record<string, CommandOutcome | undefined> {
		const outcomes = readBatchResult(result, commands, SECRET);
		return { c0: outcomes.get('c0'), c1: outcomes.get('c1') };
	}

	it.each<[string, unknown, Record<string, unknown>]>([
		[
			'results as a map, with list extras',
			{
				result: { c0: [{ ID: 1 }], c1: true },
				result_total: { c0: 51 },
				result_next: { c0: 50 },
				result_time: { c0: { operating: 3 } },
			},
			{
				c0: {
					ok: true,
					envelope: { result: [{ ID: 1 }], total: 51, next: 50, time: { operating: 3 } },
				},
				c1: { ok: true, envelope: { result: true } },
			},
		],
		[
			'no errors and no extras: PHP writes the empty maps as lists',
			{ result: { c0: 1, c1: 2 }, result_error: [], result_total: [], result_time: [] },
			{ c0: { ok: true, envelope: { result: 1 } }, c1: { ok: true, envelope: { result: 2 } } },
		],
		[
			'an error per command, with the caller’s status',
			{
				result: { c0: 1 },
				result_error: {
					c1: { error: 'ERROR_NOT_FOUND', error_description: 'Line not found' },
				},
			},
			{
				c0: { ok: true, envelope: { result: 1 } },
				c1: {
					ok: false,
					error: expect.objectContaining({
						code: 'ERROR_NOT_FOUND',
						httpStatus: 404,
						delivery: 'answered',
						message: 'The SIP line was not found',
					}),
				},
			},
		],
		[
			'an error without a code',
			{ result: { c0: 1 }, result_error: { c1: { error_description: 'x' } } },
			{
				c1: {
					ok: false,
					error: expect.objectContaining({ code: 'BATCH_COMMAND_FAILED', delivery: 'answered' }),
				},
			},
		],
		[
			'a command the answer says nothing of: it may have run',
			{ result: { c0: 1 } },
			{
				c1: {
					ok: false,
					error: expect.objectContaining({
						kind: 'http',
						code: 'BATCH_RESULT_MISSING',
						delivery: 'unknown',
					}),
				},
			},
		],
		[
			'a secret echoed in an error is redacted',
			{
				result: { c1: 1 },
				result_error: { c0: { error: 'ERROR_CORE', error_description: `bad /rest/1/${SECRET}/` } },
			},
			{
				c0: {
					ok: false,
					error: expect.objectContaining({
						code: 'ERROR_CORE',
						httpStatus: 400,
						message: expect.not.stringContaining(SECRET),
					}),
				},
			},
		],
	])('%s', (_name, result, expected) => {
		expect(read(result)).toMatchObject(expected);
	});

	it('reads an empty answer as nothing for every command', () => {
		const outcomes = readBatchResult(undefined, commands, SECRET);
		expect([...outcomes.values()].map((outcome) => outcome.ok)).toEqual([false, false]);
	});
});
