import { getExecutePollFunctions } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeExecutionData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import type { Engine } from './engine';
import { additionalData } from './engine';

/**
 * Runs a polling trigger the way n8n's ActiveWorkflows does: every poll gets a fresh Workflow
 * built from the static data as the database holds it (a JSON copy), runs the node's poll() in
 * n8n-core's real PollContext, and the static data is written back only when n8n would save it
 * (when it was marked as changed).
 */
export class PollRunner {
	private stored: string;
	/** how many polls saved changed static data */
	saves = 0;

	constructor(
		private readonly engine: Engine,
		private readonly node: INode,
		private readonly credentials: Record<string, ICredentialDataDecryptedObject>,
		staticData: IDataObject = {},
	) {
		this.stored = JSON.stringify(staticData);
	}

	/** The static data as the database holds it now. */
	get staticData(): IDataObject {
		return JSON.parse(this.stored) as IDataObject;
	}

	/** One poll; `manual` is a test run from the editor. Returns what the poll emitted (null: nothing). */
	async poll(mode: WorkflowExecuteMode = 'trigger'): Promise<INodeExecutionData[][] | null> {
		const workflow = new Workflow({
			id: 'poll-test',
			name: 'Poll test',
			// the Workflow fills in parameter defaults in place: give it a copy, as n8n loads one from the database
			nodes: [JSON.parse(JSON.stringify(this.node)) as INode],
			connections: {},
			active: true,
			nodeTypes: this.engine.nodeTypes,
			staticData: JSON.parse(this.stored) as IDataObject,
		});
		const node = workflow.getNode(this.node.name);
		if (!node) throw new Error(`No node ${this.node.name}`);
		// polls run outside an execution: n8n gives them no execution id
		const data = {
			...additionalData(this.engine.loaded, this.credentials),
			executionId: undefined,
		};
		const context = getExecutePollFunctions(
			workflow,
			node,
			data,
			mode,
			mode === 'manual' ? 'manual' : 'activate',
		);
		const type = this.engine.nodeTypes.getByNameAndVersion(node.type);
		if (!type.poll) throw new Error(`${node.type} has no poll()`);
		const result = await type.poll.call(context);
		if ((workflow.staticData as IDataObject & { __dataChanged?: boolean }).__dataChanged === true) {
			this.stored = JSON.stringify(workflow.staticData);
			this.saves++;
		}
		return result;
	}

	/** The json of the emitted items, or null when the poll emitted nothing. */
	async pollJson(mode: WorkflowExecuteMode = 'trigger'): Promise<IDataObject[] | null> {
		const result = await this.poll(mode);
		return result === null ? null : result[0].map((item) => item.json);
	}
}
