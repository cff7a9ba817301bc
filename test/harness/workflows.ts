import type { INodeParameters } from 'n8n-workflow';

import type { WorkflowJson } from './engine';

/** The workflows the tests and the bench run: plain data, so that loading them costs nothing. */

export const NODE_TYPE = 'n8n-nodes-bitrix24-sip.bitrix24Sip';
export const NODE = 'Bitrix24 SIP';

export interface NodeSettings {
	continueOnFail?: boolean;
	/** the node's version: 1 (what every saved workflow before version 2 holds) unless given */
	typeVersion?: number;
}

/** Manual trigger → Bitrix24 SIP, with the given parameters. */
export function sipWorkflow(
	parameters: INodeParameters,
	settings: NodeSettings = {},
): WorkflowJson {
	return {
		id: 'wf',
		name: 'Bitrix24 SIP test',
		connections: { Start: { main: [[{ node: NODE, type: 'main', index: 0 }]] } },
		nodes: [
			{
				id: 'start',
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'sip',
				name: NODE,
				type: NODE_TYPE,
				typeVersion: settings.typeVersion ?? 1,
				position: [220, 0],
				parameters,
				credentials: { bitrix24WebhookApi: { id: 'cred', name: 'Bitrix24 sandbox' } },
				...(settings.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
			},
		],
	};
}
