import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { lineLabel, lineIdentity } from '../../../shared/health';
import { findLine, lineNotFound, normaliseStatus } from '../../../shared/lines';
import { requirePositiveId } from '../../helpers/validation';
import { lineIdField } from '../common';
import { readForItem, toChoice } from '../../../shared/parameters';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [
	{
		displayName: 'Look Up By',
		name: 'lookUpBy',
		type: 'options',
		options: [
			{ name: 'Registration ID', value: 'regId', description: 'The REG_ID of a cloud line' },
			{
				name: 'Line ID',
				value: 'configId',
				description: "The CONFIG_ID of a cloud line; the node looks up the line's REG_ID first",
			},
		],
		default: 'regId',
	},
	{
		displayName: 'Registration ID',
		name: 'regId',
		type: 'number',
		required: true,
		default: 0,
		typeOptions: { minValue: 1, numberPrecision: 0 },
		placeholder: 'e.g. 150907',
		description: 'REG_ID of a cloud line, as returned by Line → Create or Line → Get Many. Office PBX lines have none.',
		displayOptions: { show: { lookUpBy: ['regId'] } },
	},
	{ ...lineIdField, displayOptions: { show: { lookUpBy: ['configId'] } } },
];

export const description = updateDisplayOptions(
	{ show: { resource: ['registration'], operation: ['getStatus'] } },
	properties,
);

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const lookUpBy = readForItem(this.getNode(), itemIndex, () =>
		toChoice(this.getNodeParameter('lookUpBy', itemIndex, 'regId'), { label: 'Look Up By' }, ['regId', 'configId'], 'regId'),
	);
	if (lookUpBy === 'configId') {
		const configId = requirePositiveId(this, 'configId', 'Line ID', itemIndex);
		return async (client) => {
			const line = await findLine(client, configId);
			if (!line) throw lineNotFound(configId);
			const { REG_ID: regId, TYPE: type } = lineIdentity(line);
			if (regId === null) {
				throw new NodeOperationError(
					this.getNode(),
					`Line ${lineLabel(lineIdentity(line))} is ${type === 'office' ? 'an office PBX line: office lines have no registration' : 'a cloud line without a registration'}`,
					{
						itemIndex,
						description:
							type === 'office'
								? 'Only cloud PBX lines register at a SIP server; an office PBX connects to Bitrix24 itself. Choose a cloud line, or use Line → Get to read the office line.'
								: 'Open the line in Bitrix24 and save its settings again so that Bitrix24 registers it.',
					},
				);
			}
			const { result } = await client.call<IDataObject>('voximplant.sip.status', { REG_ID: regId });
			return [{ CONFIG_ID: configId, ...normaliseStatus(result) }];
		};
	}
	const regId = requirePositiveId(this, 'regId', 'Registration ID', itemIndex);
	return async (client) => {
		const { result } = await client.call<IDataObject>('voximplant.sip.status', { REG_ID: regId });
		return [normaliseStatus(result)];
	};
}
