import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { requirePositiveId } from '../../helpers/validation';
import { deleteLine } from '../../helpers/deleteLine';
import { lineIdField } from '../common';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [
	{
		...lineIdField,
		description: "The SIP line to delete. A cloud line's registration goes with it.",
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['line'], operation: ['delete'] } },
	properties,
);

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const configId = requirePositiveId(this, 'configId', 'Line ID', itemIndex);
	return async (client) => {
		await deleteLine(client, configId);
		return [{ CONFIG_ID: configId, deleted: true }];
	};
}
