import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { requirePositiveId } from '../../helpers/validation';
import { Bitrix24Error } from '../../../shared/transport/errors';
import { lineIdField } from '../common';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [
	{ ...lineIdField, description: 'CONFIG_ID of the SIP line to delete. A cloud line\'s registration is deleted with it.' },
];

export const description = updateDisplayOptions({ show: { resource: ['line'], operation: ['delete'] } }, properties);

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const configId = requirePositiveId(this, 'configId', 'Line ID', itemIndex);
	return async (client) => {
		const outcome = await client
			.call('voximplant.sip.delete', { CONFIG_ID: configId })
			.then(() => undefined, (error: unknown) => error);
		// A repeat after a lost answer that finds the line gone means the first attempt deleted it
		// (or it was gone already): either way the line no longer exists, which is what was asked.
		const deletedByLostAttempt =
			outcome instanceof Bitrix24Error && outcome.code === 'ERROR_NOT_FOUND' && outcome.repeatedAfterLostAnswer;
		if (outcome !== undefined && !deletedByLostAttempt) throw outcome;
		return [{ CONFIG_ID: configId, deleted: true }];
	};
}
