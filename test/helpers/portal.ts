import { CredentialTestContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeParameters,
} from 'n8n-workflow';

import type { RunResult } from '../harness/engine';
import { Engine } from '../harness/engine';
import type { NodeSettings } from '../harness/workflows';
import { NODE, NODE_TYPE, sipWorkflow } from '../harness/workflows';
import type { SandboxOptions, Webhook } from '../sandbox';
import { Bitrix24Sandbox } from '../sandbox';

export { NODE, NODE_TYPE, sipWorkflow } from '../harness/workflows';
export type { NodeSettings } from '../harness/workflows';

let engine: Engine | undefined;

/** One engine per test file: loading the built package is the slow part. */
export function sharedEngine(): Engine {
	engine ??= new Engine();
	return engine;
}

/**
 * A credential's Test button, as n8n calls it: the node's credentialTest method with the
 * credential's data (the webhook credential unless another type is named).
 */
export async function testCredential(
	data: ICredentialDataDecryptedObject,
	type: 'bitrix24WebhookApi' | 'bitrix24OAuth2Api' = 'bitrix24WebhookApi',
): Promise<INodeCredentialTestResult> {
	const node = sharedEngine().loaded.nodes[NODE_TYPE];
	const credentialTest = node.methods?.credentialTest?.[`${type}Test`];
	if (!credentialTest) throw new Error(`the node does not offer ${type}Test`);
	const context = new CredentialTestContext() as unknown as ICredentialTestFunctions;
	return await credentialTest.call(context, { id: '1', name: 'Bitrix24', type, data });
}

export interface NodeRun extends RunResult {
	items: INodeExecutionData[];
	json: IDataObject[];
	/** the node's error, if it stopped */
	failure?: Error & IDataObject;
}

/** A sandbox portal plus a way to run the node against it through n8n's engine. */
export class TestPortal {
	private constructor(
		readonly sandbox: Bitrix24Sandbox,
		public webhookUrl: string,
	) {}

	static async start(options: SandboxOptions = {}): Promise<TestPortal> {
		const sandbox = await Bitrix24Sandbox.start({ rateLimit: false, ...options });
		return new TestPortal(sandbox, sandbox.webhook.url);
	}

	get webhook(): Webhook {
		return this.sandbox.webhook;
	}

	async run(
		parameters: IDataObject,
		input: IDataObject[] = [{}],
		settings: NodeSettings & {
			webhookUrl?: string;
			ignoreSSLIssues?: boolean;
			signal?: AbortSignal;
		} = {},
	): Promise<NodeRun> {
		const credential: ICredentialDataDecryptedObject = {
			webhookUrl: settings.webhookUrl ?? this.webhookUrl,
		};
		if (settings.ignoreSSLIssues !== undefined)
			credential.ignoreSSLIssues = settings.ignoreSSLIssues;
		const result = await sharedEngine().run(sipWorkflow(parameters as INodeParameters, settings), {
			input: input.map((json) => ({ json })),
			credentials: { bitrix24WebhookApi: credential },
			signal: settings.signal,
		});
		const items = result.output(NODE);
		return {
			...result,
			items,
			json: items.map((item) => item.json),
			failure: result.nodeError(NODE),
		};
	}

	/** Creates lines directly through the node (cloud lines need distinct titles). */
	async createLines(
		count: number,
		type: 'cloud' | 'office' = 'office',
		prefix = 'Line',
	): Promise<IDataObject[]> {
		const input = Array.from({ length: count }, (_, index) => ({
			title: `${prefix} ${index + 1}`,
		}));
		const run = await this.run(
			{
				resource: 'line',
				operation: 'create',
				type,
				title: '={{ $json.title }}',
				server: 'sip.example.com',
				login: '={{ "user" + $itemIndex }}',
				password: 'secret-pass',
			},
			input,
		);
		if (run.failure) throw run.failure;
		return run.json;
	}

	async close(): Promise<void> {
		await this.sandbox.close();
	}
}

/** Every string reachable from a value, including the message, stack and description of errors. */
export function allText(value: unknown, seen = new Set<unknown>()): string {
	if (value === null || value === undefined) return '';
	if (typeof value !== 'object') return String(value);
	if (seen.has(value)) return '';
	seen.add(value);
	const parts: string[] = [];
	if (value instanceof Error) parts.push(value.message, value.stack ?? '');
	for (const key of Object.getOwnPropertyNames(value)) {
		parts.push(key, allText((value as Record<string, unknown>)[key], seen));
	}
	return parts.join('\n');
}

/** Line → Create of an office line (office lines have no cap of 10), with the given title. */
export const createOffice = (title: string, requestOptions: IDataObject = {}): IDataObject => ({
	resource: 'line',
	operation: 'create',
	type: 'office',
	title,
	server: 'pbx.example.com',
	login: 'office',
	password: 'secret-pass',
	requestOptions,
});
