import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { Bitrix24Error } from '../transport/errors';
import type { Bitrix24Client } from '../transport/client';
import { normaliseLine } from '../helpers/mapping';

/** The two kinds of SIP line, as every PBX Type field offers them. */
export const PBX_TYPES = [
	{ name: 'Cloud PBX', value: 'cloud', description: 'Bitrix24 registers at your SIP provider' },
	{ name: 'Office PBX', value: 'office', description: 'Your own PBX connects to Bitrix24' },
];

export const lineIdField: INodeProperties = {
	displayName: 'Line ID',
	name: 'configId',
	type: 'number',
	required: true,
	default: 0,
	typeOptions: { minValue: 1, numberPrecision: 0 },
	placeholder: 'e.g. 5',
	description: 'CONFIG_ID of the SIP line, as returned by Line → Create or Line → Get Many',
};

export const includePasswordsOption: INodeProperties = {
	displayName: 'Include Passwords',
	name: 'includePasswords',
	type: 'boolean',
	default: false,
	description:
		'Whether to keep PASSWORD and INCOMING_PASSWORD in the output. Off by default so that passwords do not end up in execution logs; turn on to read the INCOMING_PASSWORD an office PBX needs.',
};

export function readIncludePasswords(ctx: IExecuteFunctions, itemIndex: number): boolean {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return options.includePasswords === true;
}

export function lineNotFound(configId: number): Bitrix24Error {
	return new Bitrix24Error(
		'api',
		'ERROR_NOT_FOUND',
		`SIP line ${configId} was not found`,
		404,
		'Check the Line ID. Bitrix24 only shows lines created through the same webhook; lines created by hand or by another webhook are invisible to it.',
	);
}

/** Reads one line of this webhook by its id; undefined when the portal shows no such line. */
export async function findLine(client: Bitrix24Client, configId: number): Promise<IDataObject | undefined> {
	const { result } = await client.call<IDataObject[]>('voximplant.sip.get', { FILTER: { CONFIG_ID: configId } });
	return Array.isArray(result) ? result.find((line) => Number(line.CONFIG_ID) === configId) : undefined;
}

/** Reads the line of this webhook that has exactly this title, if any. */
export async function findLineByTitle(client: Bitrix24Client, title: string): Promise<IDataObject | undefined> {
	const { result } = await client.call<IDataObject[]>('voximplant.sip.get', { FILTER: { TITLE: title } });
	return Array.isArray(result) ? result.find((line) => String(line.TITLE ?? '').trim() === title.trim()) : undefined;
}

export function outputLine(line: IDataObject, includePasswords: boolean): IDataObject {
	return normaliseLine(line, includePasswords);
}
