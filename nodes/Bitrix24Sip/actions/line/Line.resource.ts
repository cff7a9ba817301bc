import type { INodeProperties } from 'n8n-workflow';

import type { Operation, RunOperation } from '../types';
import * as create from './create.operation';
import * as del from './delete.operation';
import * as get from './get.operation';
import * as getDefaultOutgoing from './getDefaultOutgoing.operation';
import * as getMany from './getMany.operation';
import * as setDefaultOutgoing from './setDefaultOutgoing.operation';
import * as sync from './sync.operation';
import * as update from './update.operation';

export const operations: Record<string, Operation | RunOperation> = {
	create,
	update,
	delete: del,
	get,
	getMany,
	setDefaultOutgoing,
	getDefaultOutgoing,
	sync,
};

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['line'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Create a SIP line',
				action: 'Create a line',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Delete a SIP line',
				action: 'Delete a line',
			},
			{ name: 'Get', value: 'get', description: 'Get a SIP line by its ID', action: 'Get a line' },
			{
				name: 'Get Default Outgoing',
				value: 'getDefaultOutgoing',
				description: "Get the portal's default line for outgoing calls",
				action: 'Get the default outgoing line',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description:
					"List the portal's SIP lines, also those made in Bitrix24 or by other webhooks",
				action: 'Get many lines',
			},
			{
				name: 'Set as Default Outgoing',
				value: 'setDefaultOutgoing',
				description: "Make a SIP line the portal's default line for outgoing calls",
				action: 'Set a line as default outgoing',
			},
			{
				name: 'Sync',
				value: 'sync',
				description:
					"Make the portal's lines match a list: create, update and (if asked) delete lines by title",
				action: 'Sync lines to a desired list',
			},
			{
				name: 'Update',
				value: 'update',
				description: 'Change a SIP line',
				action: 'Update a line',
			},
		],
		default: 'create',
	},
	...create.description,
	...update.description,
	...del.description,
	...get.description,
	...getMany.description,
	...setDefaultOutgoing.description,
	...getDefaultOutgoing.description,
	...sync.description,
];
