import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ItemRun } from '../types';

export const description: INodeProperties[] = [];

export function prepare(this: IExecuteFunctions): ItemRun {
	return async (client) => {
		const { result } = await client.call<IDataObject>('voximplant.sip.connector.status');
		return [result];
	};
}
