import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { identityLabel, lineIdentity } from '../../../shared/lineIdentity';
import { findLine, lineNotFound, normaliseStatus } from '../../../shared/lines';
import { requirePositiveId } from '../../helpers/validation';
import { lineIdField } from '../common';
import { readForItem, toChoice } from '../../../shared/parameters';
import type { ItemRun } from '../types';

const regIdDescription = 'The registration ID of a cloud line (REG_ID in the output of Line → Get)';

const properties: INodeProperties[] = [
	{
		displayName: 'Look Up By',
		name: 'lookUpBy',
		type: 'options',
		options: [
			{ name: 'Registration ID', value: 'regId', description: regIdDescription },
			{
				name: 'Line',
				value: 'configId',
				description: 'Pick a cloud line; the node finds its registration',
			},
		],
		default: 'regId',
		displayOptions: { show: { '@version': [1] } },
	},
	// version 2 starts from the line a user knows, not from a REG_ID
	{
		displayName: 'Look Up By',
		name: 'lookUpBy',
		type: 'options',
		options: [
			{
				name: 'Line',
				value: 'configId',
				description: 'Pick a cloud line; the node finds its registration',
			},
			{ name: 'Registration ID', value: 'regId', description: regIdDescription },
		],
		default: 'configId',
		displayOptions: { show: { '@version': [2] } },
	},
	{
		displayName: 'Registration ID',
		name: 'regId',
		type: 'number',
		required: true,
		default: 0,
		typeOptions: { minValue: 1, numberPrecision: 0 },
		placeholder: 'e.g. 150907',
		description: regIdDescription,
		displayOptions: { show: { '@version': [1], lookUpBy: ['regId'] } },
	},
	// empty rather than 0, which n8n would count as filled in
	{
		displayName: 'Registration ID',
		name: 'regId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 150907',
		description: regIdDescription,
		displayOptions: { show: { '@version': [2], lookUpBy: ['regId'] } },
	},
	{ ...lineIdField, displayOptions: { show: { lookUpBy: ['configId'] } } },
];

export const description = updateDisplayOptions(
	{ show: { resource: ['registration'], operation: ['getStatus'] } },
	properties,
);

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const lookUpBy = readForItem(this.getNode(), itemIndex, () =>
		toChoice(
			this.getNodeParameter('lookUpBy', itemIndex, 'regId'),
			{ label: 'Look Up By' },
			['regId', 'configId'],
			'regId',
		),
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
					`Line ${identityLabel(lineIdentity(line))} is ${type === 'office' ? 'an office PBX line: office lines have no registration' : 'a cloud line without a registration'}`,
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
