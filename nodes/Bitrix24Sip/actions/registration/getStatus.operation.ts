import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { normaliseStatus } from '../../helpers/mapping';
import { requirePositiveId } from '../../helpers/validation';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [
	{
		displayName: 'Registration ID',
		name: 'regId',
		type: 'number',
		required: true,
		default: 0,
		typeOptions: { minValue: 1, numberPrecision: 0 },
		placeholder: 'e.g. 150907',
		description: 'REG_ID of a cloud line, as returned by Line → Create or Line → Get Many. Office PBX lines have none.',
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['registration'], operation: ['getStatus'] } },
	properties,
);

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const regId = requirePositiveId(this, 'regId', 'Registration ID', itemIndex);
	return async (client) => {
		const { result } = await client.call<IDataObject>('voximplant.sip.status', { REG_ID: regId });
		return [normaliseStatus(result)];
	};
}
