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
	'n8n-nodes-base.splitOut': [1],
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
		return [
			this.getInputData().map((item, index) => ({ json: item.json, pairedItem: { item: index } })),
		];
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
	{
		displayName: 'Include Other Input Fields',
		name: 'includeOtherFields',
		type: 'boolean',
		default: false,
	},
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
			{
				displayName: 'Ignore Type Conversion Errors',
				name: 'ignoreConversionErrors',
				type: 'boolean',
				default: false,
			},
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
				const collection = this.getNodeParameter(
					'assignments',
					itemIndex,
					{},
				) as AssignmentCollectionValue;
				const includeOtherFields = this.getNodeParameter(
					'includeOtherFields',
					itemIndex,
					false,
				) as boolean;
				const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
				const json: IDataObject = includeOtherFields ? deepCopy(item.json) : {};
				for (const { name, value, type } of collection.assignments ?? []) {
					setPath(
						json,
						name,
						convert(this, name, value, type as FieldType, itemIndex, options),
						options.dotNotation !== false,
					);
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
	const given =
		type === 'string' ? (typeof value === 'object' ? JSON.stringify(value) : String(value)) : value;
	const result = validateFieldType(name, given, type);
	if (result.valid) return result.newValue ?? null;
	if (options.ignoreConversionErrors === true) return given;
	throw new NodeOperationError(ctx.getNode(), `${result.errorMessage} [item ${itemIndex}]`, {
		itemIndex,
	});
}

/**
 * The parameters of n8n's Split Out node 1 (n8n-nodes-base/nodes/Transform/SplitOut), names,
 * defaults and display rules as n8n 1.123 and 2.40 declare them.
 */
const SPLIT_OUT_PROPERTIES: INodeProperties[] = [
	{
		displayName: 'Fields To Split Out',
		name: 'fieldToSplitOut',
		type: 'string',
		default: '',
		required: true,
	},
	{
		displayName: 'Include',
		name: 'include',
		type: 'options',
		options: [
			{ name: 'No Other Fields', value: 'noOtherFields' },
			{ name: 'All Other Fields', value: 'allOtherFields' },
			{ name: 'Selected Other Fields', value: 'selectedOtherFields' },
		],
		default: 'noOtherFields',
	},
	{
		displayName: 'Fields To Include',
		name: 'fieldsToInclude',
		type: 'string',
		default: '',
		displayOptions: { show: { include: ['selectedOtherFields'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		default: {},
		options: [
			{
				displayName: 'Disable Dot Notation',
				name: 'disableDotNotation',
				type: 'boolean',
				default: false,
			},
			{
				displayName: 'Destination Field Name',
				name: 'destinationFieldName',
				type: 'string',
				default: '',
			},
			{ displayName: 'Include Binary', name: 'includeBinary', type: 'boolean', default: false },
		],
	},
];

/** A field by dotted path ("a.b.c"); n8n uses lodash's get, which also reads "a[0]" — no example needs that. */
function getPath(source: IDataObject, name: string, dotNotation: boolean): unknown {
	if (!dotNotation) return source[name];
	let at: unknown = source;
	for (const key of name.split('.')) {
		if (typeof at !== 'object' || at === null) return undefined;
		at = (at as IDataObject)[key];
	}
	return at;
}

/**
 * A stand-in for n8n's Split Out node 1 with what the examples use: the listed fields of each item
 * (commas between names, "$json." dropped) become one item per element, paired to the item they came
 * from. An element that is an object becomes the new item's fields when one field is split without a
 * destination name; otherwise it is put under the field's (or destination's) name. A missing field
 * gives no items, a single value one, an object its values. Include "All Other Fields" copies the
 * rest of the item. $binary, "Selected Other Fields" and Include Binary are not stood in for.
 */
class SplitOutStandIn implements INodeType {
	readonly description = describe('splitOut', 'Split Out', ['transform'], SPLIT_OUT_PROPERTIES);

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const output: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const fields = String(this.getNodeParameter('fieldToSplitOut', itemIndex))
				.split(',')
				.map((field) => field.trim().replace(/^\$json\./, ''))
				.filter((field) => field !== '');
			const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
			const include = this.getNodeParameter('include', itemIndex, 'noOtherFields') as string;
			if (
				fields.includes('$binary') ||
				include === 'selectedOtherFields' ||
				options.includeBinary === true
			) {
				throw new NodeOperationError(
					this.getNode(),
					'The Split Out stand-in does not do $binary, Selected Other Fields or Include Binary',
				);
			}
			const dotNotation = options.disableDotNotation !== true;
			const destinations = String(options.destinationFieldName ?? '')
				.split(',')
				.map((field) => field.trim())
				.filter((field) => field !== '');
			if (destinations.length > 0 && destinations.length !== fields.length) {
				throw new NodeOperationError(
					this.getNode(),
					'If multiple fields to split out are given, the same number of destination fields must be given',
				);
			}
			const item = { ...items[itemIndex].json };
			const split: INodeExecutionData[] = [];
			for (const [fieldIndex, field] of fields.entries()) {
				const destination = destinations[fieldIndex] ?? '';
				let entity = getPath(item, field, dotNotation) ?? [];
				if (typeof entity !== 'object' || entity === null) entity = [entity];
				const elements = Array.isArray(entity)
					? (entity as unknown[])
					: Object.values(entity as IDataObject);
				for (const [elementIndex, element] of elements.entries()) {
					split[elementIndex] ??= { json: {}, pairedItem: { item: itemIndex } };
					const spreads =
						typeof element === 'object' &&
						element !== null &&
						include === 'noOtherFields' &&
						destination === '' &&
						fields.length === 1;
					if (spreads)
						split[elementIndex] = {
							json: { ...split[elementIndex].json, ...(element as IDataObject) },
							pairedItem: { item: itemIndex },
						};
					else split[elementIndex].json[destination || field] = element as IDataObject[string];
				}
			}
			for (const entry of split) {
				if (include === 'allOtherFields') {
					const rest = deepCopy(item);
					for (const field of fields) unsetPath(rest, field, dotNotation);
					entry.json = { ...rest, ...entry.json };
				}
				output.push(entry);
			}
		}
		return [output];
	}
}

function unsetPath(target: IDataObject, name: string, dotNotation: boolean): void {
	const keys = dotNotation ? name.split('.') : [name];
	const parent = keys.length > 1 ? getPath(target, keys.slice(0, -1).join('.'), true) : target;
	if (typeof parent === 'object' && parent !== null)
		delete (parent as IDataObject)[keys[keys.length - 1]];
}

export function standIns(): Record<string, INodeType> {
	return {
		'n8n-nodes-base.manualTrigger': new PassThrough(
			describe('manualTrigger', 'Manual Trigger', ['trigger']),
		),
		'n8n-nodes-base.scheduleTrigger': new PassThrough(
			describe('scheduleTrigger', 'Schedule Trigger', ['trigger', 'schedule']),
		),
		'n8n-nodes-base.webhook': new PassThrough(describe('webhook', 'Webhook', ['trigger'])),
		'n8n-nodes-base.noOp': new NoOp(),
		'n8n-nodes-base.set': new SetStandIn(),
		'n8n-nodes-base.splitOut': new SplitOutStandIn(),
		'n8n-nodes-base.stickyNote': new PassThrough(describe('stickyNote', 'Sticky Note', ['input'])),
	};
}
