import type { INodeProperties } from 'n8n-workflow';

import type { Operation } from '../types';
import * as getStatus from './getStatus.operation';

export const operations: Record<string, Operation> = { getStatus };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['registration'] } },
		options: [
			{
				name: 'Get Status',
				value: 'getStatus',
				description: 'Get the SIP registration status of a cloud line',
				action: 'Get registration status',
			},
		],
		default: 'getStatus',
	},
	...getStatus.description,
];
