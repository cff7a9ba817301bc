/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling that loads the package from disk, not code shipped to n8n */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialType,
	IDataObject,
	IConnections,
	IExecuteData,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypes,
	IRun,
	IRunExecutionData,
	IVersionedNodeType,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	IWorkflowSettings,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { createDeferredPromise, ICredentialsHelper, Workflow } from 'n8n-workflow';

import type { LoadedPackage } from './package';
import { loadPackage } from './package';
import { standIns } from './standins';

export class NodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType>) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		const type = this.types[nodeType];
		if (!type) throw new Error(`Unknown node type ${nodeType}`);
		return type;
	}

	getByNameAndVersion(nodeType: string): INodeType {
		return this.getByName(nodeType) as INodeType;
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

/**
 * Hands out the test's credential data and applies the credential type's own authenticate(),
 * as n8n's CredentialsHelper does.
 */
export class CredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly types: Record<string, ICredentialType>,
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}

	/** What n8n reads off a credential type's `extends`: how it knows to sign with OAuth2. */
	getParentTypes(typeName: string): string[] {
		const parents = this.types[typeName]?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const type = this.types[typeName];
		if (type && typeof type.authenticate === 'function') {
			return await type.authenticate(credentials, requestOptions);
		}
		return requestOptions;
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by these tests');
	}

	/**
	 * The test's data with the type's plain defaults filled in, as n8n fills in the hidden fields
	 * (an OAuth2 credential's `authentication`, `grantType`) the user never typed.
	 */
	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const found = this.data[type];
		if (!found) throw new Error(`No credential data of type ${type} given to the test`);
		const defaults: ICredentialDataDecryptedObject = {};
		for (const property of this.types[type]?.properties ?? []) {
			const value = property.default as unknown;
			if (property.type === 'notice') continue;
			if (typeof value === 'string' && value.startsWith('=')) continue;
			defaults[property.name] = value as ICredentialDataDecryptedObject[string];
		}
		return { ...defaults, ...found };
	}

	async updateCredentials(): Promise<void> {}

	/**
	 * n8n saves a renewed OAuth2 token into the credential; here it goes into the test's own data,
	 * so the next read (and the test) sees it.
	 */
	async updateCredentialsOauthTokenData(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.data[type] = { ...this.data[type], oauthTokenData: data.oauthTokenData };
		this.savedTokens.push(type);
	}

	/** The credential types whose OAuth2 token was saved, one entry per save. */
	readonly savedTokens: string[] = [];

	getCredentialsProperties(): INodeProperties[] {
		return [];
	}
}

/** The parts of an n8n workflow file the engine needs (as exported from the n8n editor). */
export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
	staticData?: IDataObject | null;
}

export interface RunOptions {
	/** items the start node emits */
	input?: INodeExecutionData[];
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	mode?: WorkflowExecuteMode;
	executionId?: string;
	/** cancels the execution as n8n does when a user stops it (its node's cancel signal fires) */
	signal?: AbortSignal;
}

export interface RunResult {
	run: IRun;
	/** the items a node put out (first output, first run) */
	output(nodeName: string): INodeExecutionData[];
	/** the error a node stopped with, if any */
	nodeError(nodeName: string): (Error & IDataObject) | undefined;
	/** the workflow's error, if any */
	error?: Error & IDataObject;
}

let executionCounter = 0;

/** Builds what WorkflowExecute needs besides the workflow: the credentials and a few URLs. */
export function additionalData(
	loaded: LoadedPackage,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	hooks?: ExecutionLifecycleHooks,
	executionId = `test-${++executionCounter}`,
): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: new CredentialsHelper(loaded.credentials, credentials),
		hooks,
		executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1/rest',
		instanceBaseUrl: 'http://127.0.0.1/',
		formWaitingBaseUrl: 'http://127.0.0.1/form-waiting',
		webhookBaseUrl: 'http://127.0.0.1/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1/webhook-test',
		variables: {},
		executeWorkflow: async () => {
			throw new Error('sub-workflows are not used');
		},
		getRunExecutionData: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('task runners are not used');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

/**
 * Runs workflows through n8n-core's real WorkflowExecute, with this package's node and
 * credential loaded from the build as n8n loads them, and n8n's real HTTP helpers.
 */
export class Engine {
	readonly loaded: LoadedPackage;
	readonly nodeTypes: NodeTypes;

	constructor(loaded: LoadedPackage = loadPackage()) {
		this.loaded = loaded;
		this.nodeTypes = new NodeTypes({ ...standIns(), ...loaded.nodes });
	}

	static readWorkflow(file: string): WorkflowJson {
		return JSON.parse(readFileSync(file, 'utf8')) as WorkflowJson;
	}

	async run(workflowData: WorkflowJson, options: RunOptions = {}): Promise<RunResult> {
		const workflow = new Workflow({
			id: workflowData.id ?? 'test',
			name: workflowData.name,
			nodes: workflowData.nodes,
			connections: workflowData.connections,
			active: false,
			nodeTypes: this.nodeTypes,
			settings: workflowData.settings,
			staticData: workflowData.staticData ?? undefined,
		});
		const startNode =
			workflowData.nodes.find(
				(node) => this.nodeTypes.getByNameAndVersion(node.type).description.inputs.length === 0,
			) ?? workflowData.nodes[0];

		const executionId = options.executionId ?? `test-${++executionCounter}`;
		const hooks = new ExecutionLifecycleHooks(
			options.mode ?? 'manual',
			executionId,
			workflowData as IWorkflowBase,
		);
		const done = createDeferredPromise<IRun>();
		hooks.addHandler('workflowExecuteAfter', (fullRunData) => done.resolve(fullRunData));

		const data = additionalData(this.loaded, options.credentials ?? {}, hooks, executionId);
		const stack: IExecuteData[] = [
			{ node: startNode, data: { main: [options.input ?? [{ json: {} }]] }, source: null },
		];
		const runExecutionData: IRunExecutionData = {
			startData: {},
			resultData: { runData: {} },
			executionData: {
				contextData: {},
				metadata: {},
				nodeExecutionStack: stack,
				waitingExecution: {},
				waitingExecutionSource: {},
			},
		} as IRunExecutionData;

		const execute = new WorkflowExecute(data, options.mode ?? 'manual', runExecutionData);
		const running = execute.processRunExecutionData(workflow);
		if (options.signal?.aborted) running.cancel();
		else options.signal?.addEventListener('abort', () => running.cancel(), { once: true });
		// a cancelled run never settles its promise (n8n sets shouldReject false); its hook still reports the run
		const run = await Promise.race([running.then(async () => await done.promise), done.promise]);
		const runData = run.data.resultData.runData;
		return {
			run,
			output: (nodeName) => runData[nodeName]?.[0]?.data?.main?.[0] ?? [],
			nodeError: (nodeName) => runData[nodeName]?.[0]?.error as (Error & IDataObject) | undefined,
			error: run.data.resultData.error as (Error & IDataObject) | undefined,
		};
	}
}

/**
 * n8n-core starts a 60-second clean-up interval for SSH tunnels the first time a node runs and
 * only clears it when n8n shuts down; tests and scripts end their runs the same way.
 */
export function shutdownEngine(): void {
	const corePath = path.dirname(require.resolve('n8n-core/package.json'));
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Container } = require(require.resolve('@n8n/di', { paths: [corePath] })) as {
		Container: { has(type: unknown): boolean; get<T>(type: new (...args: never[]) => T): T };
	};
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { SSHClientsManager } = require('n8n-core/dist/execution-engine/ssh-clients-manager') as {
		SSHClientsManager: new (...args: never[]) => { onShutdown(): void };
	};
	if (Container.has(SSHClientsManager)) Container.get(SSHClientsManager).onShutdown();
}
