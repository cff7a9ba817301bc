import type {
	AssignmentCollectionValue,
	FieldType,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { deepCopy, NodeOperationError, validateFieldType } from 'n8n-workflow';

/**
 * The n8n base nodes the example workflows may use, at versions that n8n 1.82 and later, 2.x
 * included, all have; the stand-ins below stand in for exactly these.
 */
export const BASE_NODE_VERSIONS: Record<string, number[]> = {
	'n8n-nodes-base.manualTrigger': [1],
	'n8n-nodes-base.scheduleTrigger': [1.2],
	'n8n-nodes-base.webhook': [2],
	'n8n-nodes-base.noOp': [1],
	'n8n-nodes-base.set': [3.4],
	'n8n-nodes-base.stickyNote': [1],
};

/**
 * The few n8n-nodes-base nodes the example workflows use around the Bitrix24 SIP node, reduced
 * to what they do to items, so that the examples run through the real engine without installing
 * all of n8n's nodes. None of them stands in for code of this package. Start nodes (triggers)
 * receive the run's input items from the engine and pass them on.
 */
function describe(
	name: string,
	displayName: string,
	group: string[],
	properties: INodeProperties[] = [],
): INodeTypeDescription {
	return {
		displayName,
		name,
		group,
		version: BASE_NODE_VERSIONS[`n8n-nodes-base.${name}`],
		description: `${displayName} (test stand-in)`,
		defaults: { name: displayName },
		inputs: group.includes('trigger') ? [] : ['main'],
		outputs: ['main'],
		properties,
	} as unknown as INodeTypeDescription;
}

class PassThrough implements INodeType {
	constructor(readonly description: INodeTypeDescription) {}

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData().map((item, index) => ({ json: item.json, pairedItem: { item: index } }))];
	}
}

/**
 * n8n's NoOp node ("No Operation, do nothing"): its execute is exactly n8n's own code
 * (n8n-nodes-base/nodes/NoOp/NoOp.node.ts), items handed on untouched, so that a workflow with it
 * in place of another node measures what the engine itself costs.
 */
class NoOp implements INodeType {
	readonly description = describe('noOp', 'No Operation, do nothing', ['organization']);

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		return [items];
	}
}

/**
 * The parameters of n8n's Set node 3.4 ("Edit Fields") in its manual mode that the examples use.
 * The engine keeps only declared parameters of a node, so they are declared here as Set declares them.
 */
const SET_PROPERTIES: INodeProperties[] = [
	{ displayName: 'Fields to Set', name: 'assignments', type: 'assignmentCollection', default: {} },
	{ displayName: 'Include Other Input Fields', name: 'includeOtherFields', type: 'boolean', default: false },
	{
		displayName: 'Input Fields to Include',
		name: 'include',
		type: 'options',
		options: [{ name: 'All', value: 'all' }],
		default: 'all',
		displayOptions: { show: { includeOtherFields: [true] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		default: {},
		options: [
			{ displayName: 'Support Dot Notation', name: 'dotNotation', type: 'boolean', default: true },
			{ displayName: 'Ignore Type Conversion Errors', name: 'ignoreConversionErrors', type: 'boolean', default: false },
		],
	},
];

/** Puts a value at a dotted path ("a.b.c"), as Set does with dot notation on. */
function setPath(target: IDataObject, name: string, value: unknown, dotNotation: boolean): void {
	const keys = dotNotation ? name.split('.') : [name];
	let at = target;
	for (const key of keys.slice(0, -1)) {
		if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
		at = at[key] as IDataObject;
	}
	at[keys[keys.length - 1]] = value as IDataObject[string];
}

/**
 * A stand-in for n8n's Set node 3.4 in manual mode (n8n-nodes-base/nodes/Set/v2): per item, each
 * assignment's value (expressions resolved by the engine) converted to its type with n8n's own
 * validateFieldType; the input's fields kept only with Include Other Input Fields.
 */
class SetStandIn implements INodeType {
	readonly description = describe('set', 'Edit Fields (Set)', ['input'], SET_PROPERTIES);

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((item, itemIndex) => {
				const collection = this.getNodeParameter('assignments', itemIndex, {}) as AssignmentCollectionValue;
				const includeOtherFields = this.getNodeParameter('includeOtherFields', itemIndex, false) as boolean;
				const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
				const json: IDataObject = includeOtherFields ? deepCopy(item.json) : {};
				for (const { name, value, type } of collection.assignments ?? []) {
					setPath(json, name, convert(this, name, value, type as FieldType, itemIndex, options), options.dotNotation !== false);
				}
				return { json, pairedItem: { item: itemIndex } };
			}),
		];
	}
}

/** Set 3.2 and later: empty stays null; a string field gets text (objects as JSON); other types are validated. */
function convert(
	ctx: IExecuteFunctions,
	name: string,
	value: unknown,
	type: FieldType,
	itemIndex: number,
	options: IDataObject,
): unknown {
	if (value === undefined || value === null) return null;
	const given = type === 'string' ? (typeof value === 'object' ? JSON.stringify(value) : String(value)) : value;
	const result = validateFieldType(name, given, type);
	if (result.valid) return result.newValue ?? null;
	if (options.ignoreConversionErrors === true) return given;
	throw new NodeOperationError(ctx.getNode(), `${result.errorMessage} [item ${itemIndex}]`, { itemIndex });
}

export function standIns(): Record<string, INodeType> {
	return {
		'n8n-nodes-base.manualTrigger': new PassThrough(describe('manualTrigger', 'Manual Trigger', ['trigger'])),
		'n8n-nodes-base.scheduleTrigger': new PassThrough(describe('scheduleTrigger', 'Schedule Trigger', ['trigger', 'schedule'])),
		'n8n-nodes-base.webhook': new PassThrough(describe('webhook', 'Webhook', ['trigger'])),
		'n8n-nodes-base.noOp': new NoOp(),
		'n8n-nodes-base.set': new SetStandIn(),
		'n8n-nodes-base.stickyNote': new PassThrough(describe('stickyNote', 'Sticky Note', ['input'])),
	};
}
