import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { Bitrix24Client } from '../../shared/transport/client';

/** Runs one item's calls and returns its output items (one, or many for Get Many). */
export type ItemRun = (client: Bitrix24Client) => Promise<IDataObject[]>;

/**
 * Reads and checks one item's parameters without sending anything; a mistake throws here, so
 * that bad input never reaches the portal.
 */
export type Prepare = (this: IExecuteFunctions, itemIndex: number) => ItemRun;

export interface Operation {
	description: INodeProperties[];
	prepare: Prepare;
}
