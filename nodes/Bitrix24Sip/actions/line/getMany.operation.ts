import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { fetchLines } from '../../../shared/lines';
import { readForItem, toBoolean, toNumber } from '../../../shared/parameters';
import { outputLine, passwordsOnlyOptions, PBX_TYPES, readIncludePasswords } from '../common';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Line IDs',
				name: 'configIds',
				type: 'string',
				default: '',
				placeholder: 'e.g. 3, 7, 9',
				description: 'Only these lines: their IDs (CONFIG_ID), separated by commas',
			},
			{
				displayName: 'PBX Type',
				name: 'type',
				type: 'options',
				options: PBX_TYPES,
				default: 'cloud',
			},
			{
				displayName: 'Server Contains',
				name: 'server',
				type: 'string',
				default: '',
				description: 'Only lines whose server contains this text',
			},
			{
				displayName: 'Title Contains',
				name: 'title',
				type: 'string',
				default: '',
				description: 'Only lines whose title contains this text (case-insensitive)',
			},
		],
	},
	{
		displayName: 'Sort',
		name: 'sort',
		type: 'collection',
		placeholder: 'Add Sort',
		default: {},
		options: [
			{
				displayName: 'Sort By',
				name: 'field',
				type: 'options',
				options: [
					{ name: 'Line ID', value: 'CONFIG_ID' },
					{ name: 'Server', value: 'SERVER' },
					{ name: 'Title', value: 'TITLE' },
					{ name: 'Type', value: 'TYPE' },
				],
				default: 'CONFIG_ID',
			},
			{
				displayName: 'Order',
				name: 'order',
				type: 'options',
				options: [
					{ name: 'Ascending', value: 'ASC' },
					{ name: 'Descending', value: 'DESC' },
				],
				default: 'ASC',
			},
		],
	},
	passwordsOnlyOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['line'], operation: ['getMany'] } },
	properties,
);

function parseIds(ctx: IExecuteFunctions, text: string, itemIndex: number): number[] {
	const parts = text.split(/[\s,;]+/).filter((part) => part !== '');
	const bad = parts.filter((part) => !/^\d+$/.test(part) || Number(part) <= 0);
	if (bad.length > 0) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Line IDs must be positive whole numbers, got "${bad[0]}"`,
			{
				itemIndex,
				description: 'Enter CONFIG_IDs separated by commas, e.g. 3, 7, 9.',
			},
		);
	}
	return parts.map(Number);
}

/** Builds the FILTER, SORT and ORDER parameters of voximplant.sip.get from the UI fields. */
export function buildQuery(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const filters = ctx.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const sort = ctx.getNodeParameter('sort', itemIndex, {}) as IDataObject;
	const filter: IDataObject = {};
	if (typeof filters.type === 'string' && filters.type) filter.TYPE = filters.type;
	if (typeof filters.title === 'string' && filters.title.trim())
		filter['%TITLE'] = filters.title.trim();
	if (typeof filters.server === 'string' && filters.server.trim())
		filter['%SERVER'] = filters.server.trim();
	if (typeof filters.configIds === 'string' && filters.configIds.trim()) {
		filter.CONFIG_ID = parseIds(ctx, filters.configIds, itemIndex);
	}
	const query: IDataObject = {};
	if (Object.keys(filter).length > 0) query.FILTER = filter;
	// Bitrix24 sorts only when both SORT and ORDER are given
	if (sort.field || sort.order) {
		query.SORT = (sort.field as string) || 'CONFIG_ID';
		query.ORDER = (sort.order as string) || 'ASC';
	}
	return query;
}

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const { limit } = readForItem(this.getNode(), itemIndex, () => {
		const returnAll = toBoolean(
			this.getNodeParameter('returnAll', itemIndex, false),
			{ label: 'Return All' },
			false,
		);
		// Limit is hidden while Return All is on: only read it when it counts
		return {
			limit: returnAll
				? undefined
				: toNumber(
						this.getNodeParameter('limit', itemIndex, 50),
						{ label: 'Limit', min: 1, whole: true },
						50,
					),
		};
	});
	const query = buildQuery(this, itemIndex);
	const includePasswords = readIncludePasswords(this, itemIndex);
	return async (client) => {
		const lines = await fetchLines(client, query, limit);
		return lines.map((line) => outputLine(line, includePasswords));
	};
}
