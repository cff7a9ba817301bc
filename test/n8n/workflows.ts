/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling that reads the shipped example files, not code shipped to n8n */
/** Workflow files for the real-n8n test: the shipped examples, and small ones for what no example covers. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
export const SIP_NODE = 'n8n-nodes-bitrix24-sip.bitrix24Sip';
export const TRIGGER_NODE = 'n8n-nodes-bitrix24-sip.bitrix24SipTrigger';
export const CALL_TRIGGER_NODE = 'n8n-nodes-bitrix24-sip.bitrix24SipCallTrigger';

/** Credential ids the examples refer to. */
export const CREDENTIAL = {
	bitrix24: '1',
	header: '2',
	wrongWebhook: '3',
	callToken: '4',
} as const;

export interface WorkflowNode {
	id?: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	webhookId?: string;
}

export interface Workflow {
	id?: string;
	name: string;
	active?: boolean;
	nodes: WorkflowNode[];
	connections: Record<
		string,
		{ main: Array<Array<{ node: string; type: string; index: number }>> }
	>;
	settings?: Record<string, unknown>;
	pinData?: Record<string, unknown>;
	[key: string]: unknown;
}

/** An example as shipped, with the id the test imports it under (n8n ids are at most 16 characters). */
export function example(file: string, id: string): Workflow {
	const workflow = JSON.parse(
		readFileSync(path.join(PACKAGE_ROOT, 'examples', file), 'utf8'),
	) as Workflow;
	return { ...workflow, id };
}

export function nodeOfType(workflow: Workflow, type: string): WorkflowNode {
	const node = workflow.nodes.find((candidate) => candidate.type === type);
	if (!node) throw new Error(`workflow "${workflow.name}" has no ${type} node`);
	return node;
}

export function sipNodes(workflow: Workflow): WorkflowNode[] {
	return workflow.nodes.filter((node) => node.type === SIP_NODE);
}

/** A copy of the workflow with one node's parameters changed, as a user would fill them in. */
export function withParameters(
	workflow: Workflow,
	nodeName: string,
	parameters: Record<string, unknown>,
	id: string,
): Workflow {
	const copy = JSON.parse(JSON.stringify(workflow)) as Workflow;
	const node = copy.nodes.find((candidate) => candidate.name === nodeName);
	if (!node) throw new Error(`workflow "${workflow.name}" has no node "${nodeName}"`);
	node.parameters = { ...node.parameters, ...parameters };
	return { ...copy, id };
}

const credentials = (id: string = CREDENTIAL.bitrix24) => ({
	bitrix24WebhookApi: {
		id,
		name: id === CREDENTIAL.wrongWebhook ? 'Bitrix24 wrong webhook' : 'Bitrix24 account',
	},
});

/** Manual Trigger → (optional item source nodes) → Bitrix24 SIP with the given parameters. */
export function sipWorkflow(
	id: string,
	name: string,
	parameters: Record<string, unknown>,
	options: {
		credentialId?: string;
		/** The node's credentials when not the webhook credential (e.g. the OAuth2 one). */
		credentials?: WorkflowNode['credentials'];
		before?: WorkflowNode[];
		typeVersion?: number;
	} = {},
): Workflow {
	const chain: WorkflowNode[] = [
		{
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		...(options.before ?? []),
		{
			name: 'Bitrix24 SIP',
			type: SIP_NODE,
			typeVersion: options.typeVersion ?? 1,
			position: [200 * ((options.before?.length ?? 0) + 1), 0],
			parameters,
			credentials: options.credentials ?? credentials(options.credentialId),
		},
	];
	const connections: Workflow['connections'] = {};
	for (let i = 0; i + 1 < chain.length; i++) {
		connections[chain[i].name] = { main: [[{ node: chain[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { id, name, active: false, nodes: chain, connections, settings: { executionOrder: 'v1' } };
}

/** Nodes that turn the one manual item into one item per value: Edit Fields (an array) → Split Out. */
export function itemsOf(field: string, values: unknown[]): WorkflowNode[] {
	return [
		{
			name: 'Values',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [200, 0],
			parameters: {
				assignments: {
					assignments: [
						{ id: 'values', name: field, value: `={{ ${JSON.stringify(values)} }}`, type: 'array' },
					],
				},
				options: {},
			},
		},
		{
			name: 'One Item Each',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [400, 0],
			parameters: { fieldToSplitOut: field, options: {} },
		},
	];
}
