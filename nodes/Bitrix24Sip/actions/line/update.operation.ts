import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { checkText, normaliseServer, requirePositiveId } from '../../helpers/validation';
import { findLine, lineIdField, lineNotFound, PBX_TYPES } from '../common';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [
	lineIdField,
	{
		displayName: 'PBX Type',
		name: 'type',
		type: 'options',
		options: [
			{
				name: 'Look Up',
				value: 'lookUp',
				description: "Read the line's type from Bitrix24 first (one extra call, batched)",
			},
			...PBX_TYPES,
		],
		default: 'lookUp',
		description:
			'The type of the line being changed. Bitrix24 treats an update without a type as a cloud line, so the node always sends one; set it when you know it to save a call.',
	},
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Login',
				name: 'login',
				type: 'string',
				default: '',
				description: 'New login at the SIP server (not empty, at most 100 characters). Restarts the registration of a cloud line.',
			},
			{
				displayName: 'Password',
				name: 'password',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description: 'New password at the SIP server (at most 100 characters). Restarts the registration of a cloud line.',
			},
			{
				displayName: 'Server',
				name: 'server',
				type: 'string',
				default: '',
				placeholder: 'e.g. sip.provider.com',
				description: 'New SIP server (not empty, at most 100 characters; http:// or https:// is removed). Restarts the registration of a cloud line.',
			},
			{
				displayName: 'Title',
				name: 'title',
				type: 'string',
				default: '',
				description: 'New connection name, unique on the portal',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['line'], operation: ['update'] } }, properties);

const LABELS: Record<string, string> = { title: 'Title', server: 'Server', login: 'Login', password: 'Password' };

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const configId = requirePositiveId(this, 'configId', 'Line ID', itemIndex);
	const type = this.getNodeParameter('type', itemIndex, 'lookUp') as string;
	const updateFields = this.getNodeParameter('updateFields', itemIndex, {}) as IDataObject;

	const changes: IDataObject = {};
	for (const name of Object.keys(LABELS)) {
		const raw = updateFields[name];
		if (raw === undefined || raw === null) continue;
		const label = LABELS[name];
		let value = String(raw);
		if (name === 'server') value = normaliseServer(value);
		else if (name === 'title') value = value.trim();
		// Server and login may not be emptied; an empty title or password is simply not sent
		if (value === '' && (name === 'title' || name === 'password')) continue;
		changes[name.toUpperCase()] = checkText(this, value, { label, required: true }, itemIndex);
	}
	if (Object.keys(changes).length === 0) {
		throw new NodeOperationError(this.getNode(), 'Nothing to update: no field to change was given', {
			itemIndex,
			description:
				'Add at least one of Title, Server, Login or Password under "Update Fields". (Bitrix24 would accept the empty call and change nothing.)',
		});
	}

	return async (client) => {
		let lineType = type;
		if (lineType === 'lookUp') {
			const line = await findLine(client, configId);
			if (!line) throw lineNotFound(configId);
			lineType = String(line.TYPE);
		}
		await client.call('voximplant.sip.update', { CONFIG_ID: configId, TYPE: lineType, ...changes });
		return [{ CONFIG_ID: configId, updated: true, updatedFields: Object.keys(changes) }];
	};
}
