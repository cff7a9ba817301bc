import type { INodeProperties } from 'n8n-workflow';

import type { Operation } from '../types';
import * as checkAll from './checkAll.operation';
import * as getStatus from './getStatus.operation';

export const operations: Record<string, Operation> = { getStatus, checkAll };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['registration'] } },
		options: [
			{
				name: 'Check All Lines',
				value: 'checkAll',
				description:
					'Check the registration of every cloud line and say which are unhealthy and why',
				action: 'Check all lines',
			},
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
	...checkAll.description,
];
