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
		displayOptions: { show: { resource: ['connector'] } },
		options: [
			{
				name: 'Get Status',
				value: 'getStatus',
				description: 'Get the free minutes and paid period of the SIP connector',
				action: 'Get connector status',
			},
		],
		default: 'getStatus',
	},
	...getStatus.description,
];
