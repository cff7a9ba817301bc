import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

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

/**
 * An operation that needs all items of a run at once rather than one by one: Line → Sync plans
 * the desired lines (the items) against the portal's lines before it writes anything.
 */
export interface RunOperation {
	description: INodeProperties[];
	executeRun: (this: IExecuteFunctions) => Promise<INodeExecutionData[]>;
}
