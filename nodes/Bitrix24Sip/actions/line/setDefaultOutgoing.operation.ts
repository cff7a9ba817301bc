import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { requirePositiveId } from '../../helpers/validation';
import { lineIdField } from '../common';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [
	{ ...lineIdField, description: 'The SIP line that outgoing calls should use by default' },
];

export const description = updateDisplayOptions(
	{ show: { resource: ['line'], operation: ['setDefaultOutgoing'] } },
	properties,
);

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const configId = requirePositiveId(this, 'configId', 'Line ID', itemIndex);
	return async (client) => {
		await client.call(
			'voximplant.line.outgoing.sip.set',
			{ CONFIG_ID: configId },
			{ orderKey: `line ${configId}` },
		);
		return [{ CONFIG_ID: configId, defaultOutgoing: true }];
	};
}
