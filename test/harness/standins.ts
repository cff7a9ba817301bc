import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

/**
 * The few n8n-nodes-base nodes the example workflows use around the Bitrix24 SIP node, reduced
 * to what they do to items, so that the examples run through the real engine without installing
 * all of n8n's nodes. None of them stands in for code of this package. Start nodes (triggers)
 * receive the run's input items from the engine and pass them on.
 */
function describe(name: string, displayName: string, group: string[]): INodeTypeDescription {
	return {
		displayName,
		name,
		group,
		version: [1, 1.1, 1.2, 2, 3, 3.1, 3.2, 3.3, 3.4],
		description: `${displayName} (test stand-in)`,
		defaults: { name: displayName },
		inputs: group.includes('trigger') ? [] : ['main'],
		outputs: ['main'],
		properties: [],
	} as unknown as INodeTypeDescription;
}

class PassThrough implements INodeType {
	constructor(readonly description: INodeTypeDescription) {}

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData().map((item, index) => ({ json: item.json, pairedItem: { item: index } }))];
	}
}

export function standIns(): Record<string, INodeType> {
	return {
		'n8n-nodes-base.manualTrigger': new PassThrough(describe('manualTrigger', 'Manual Trigger', ['trigger'])),
		'n8n-nodes-base.scheduleTrigger': new PassThrough(describe('scheduleTrigger', 'Schedule Trigger', ['trigger', 'schedule'])),
		'n8n-nodes-base.webhook': new PassThrough(describe('webhook', 'Webhook', ['trigger'])),
		'n8n-nodes-base.noOp': new PassThrough(describe('noOp', 'No Operation, do nothing', ['organization'])),
		'n8n-nodes-base.stickyNote': new PassThrough(describe('stickyNote', 'Sticky Note', ['input'])),
	};
}
