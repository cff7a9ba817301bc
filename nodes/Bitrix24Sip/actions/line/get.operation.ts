import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { requirePositiveId } from '../../helpers/validation';
import { findLine, lineNotFound } from '../../../shared/lines';
import { lineIdField, outputLine, passwordsOnlyOptions, readIncludePasswords } from '../common';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [lineIdField, passwordsOnlyOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['line'], operation: ['get'] } },
	properties,
);

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const configId = requirePositiveId(this, 'configId', 'Line ID', itemIndex);
	const includePasswords = readIncludePasswords(this, itemIndex);
	return async (client) => {
		const line = await findLine(client, configId);
		if (!line) throw lineNotFound(configId);
		return [outputLine(line, includePasswords)];
	};
}
