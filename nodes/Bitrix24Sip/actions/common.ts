import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { normaliseLine } from '../../shared/lines';

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

export function outputLine(line: IDataObject, includePasswords: boolean): IDataObject {
	return normaliseLine(line, includePasswords);
}
