/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling that serves HTTP in plain Node, not code shipped to n8n */
/**
 * A webhook trigger served the way n8n serves it, one workflow per server: a real node:http server
 * on 127.0.0.1; each request's body read and parsed as n8n's parseBody does (form bodies with
 * Node's querystring into FLAT bracket keys, JSON with jsonParse); the node's real webhook() in
 * n8n-core's WebhookContext with the request and response as additionalData.httpRequest/
 * httpResponse; then what n8n's webhook-helpers do with the result (answer unless the node did,
 * start the workflow with its items); each workflow run through n8n-core's WorkflowExecute.
 * Sources: n8n 2.40 dist/middlewares/body-parser.js and dist/webhooks/webhook-helpers.js.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse as parseQueryString } from 'node:querystring';

import { HookContext, parseIncomingMessage, WebhookContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeExecutionData,
	IWebhookData,
	IWebhookDescription,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowActivateMode,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { jsonParse, Workflow } from 'n8n-workflow';

import type { Engine, RunResult, WorkflowJson } from './engine';
import { additionalData } from './engine';

/** One request as the server saw it. */
export interface WebhookRequest {
	seq: number;
	status: number;
	/** the answer's text */
	responseText: string;
	/** when the answer was fully written, ms after the request's body was read */
	answeredMs: number;
	/** when webhook() returned, ms after the body was read */
	webhookMs: number;
	/** the items webhook() returned, when it started the workflow */
	items?: INodeExecutionData[];
	/** the error webhook() threw (n8n answers 500 and records an error run) */
	error?: Error;
	/** the run it started, once finished */
	run?: WebhookRun;
}

export interface WebhookRun {
	request: WebhookRequest;
	result: RunResult;
	/** the trigger node's items in the run */
	json: IDataObject[];
	/** when the run finished, ms after the body was read */
	finishedMs: number;
}

export interface WebhookHarnessOptions {
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** `webhook` (the Production URL) or `manual` (the Test URL while the editor listens) */
	mode?: WorkflowExecuteMode;
	/** the whole workflow the trigger starts (e.g. a shipped example); default: the trigger alone */
	workflow?: WorkflowJson;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

type ParsedRequest = IncomingMessage & {
	contentType?: string;
	encoding?: BufferEncoding;
	rawBody?: Buffer;
	body?: unknown;
	query?: IDataObject;
	params?: IDataObject;
};

/** n8n's parseBody for a webhook node of version 1 (parseRequestBody always calls it then). */
function parseBody(req: ParsedRequest, raw: Buffer): void {
	req.rawBody = raw;
	if (raw.length === 0) return;
	const text = raw.toString(req.encoding ?? 'utf8');
	const { contentType } = req;
	if (contentType === 'application/json') {
		req.body = jsonParse(stripBom(text));
	} else if (contentType === 'application/x-www-form-urlencoded') {
		req.body = parseQueryString(stripBom(text), undefined, undefined, { maxKeys: 1000 });
	} else if (contentType === 'text/plain') {
		req.body = text;
	}
}

function send(res: ServerResponse, status: number, body: unknown): void {
	if (res.headersSent || res.writableEnded) return;
	res.statusCode = status;
	res.setHeader('Content-Type', 'application/json; charset=utf-8');
	res.end(JSON.stringify(body));
}

export class WebhookHarness {
	readonly requests: WebhookRequest[] = [];
	readonly runs: WebhookRun[] = [];
	private readonly waiters: Array<() => void> = [];
	private readonly sockets = new Set<Socket>();
	private readonly pending = new Set<Promise<unknown>>();
	private seq = 0;

	private constructor(
		private readonly engine: Engine,
		private readonly server: Server,
		readonly node: INode,
		private readonly options: WebhookHarnessOptions,
		readonly url: string,
	) {
		server.on('connection', (socket: Socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		server.on('request', (req: IncomingMessage, res: ServerResponse) => {
			const handled = this.handle(req as ParsedRequest, res).catch((error: Error) =>
				send(res, 500, { message: error.message }),
			);
			this.pending.add(handled);
			void handled.finally(() => this.pending.delete(handled));
		});
	}

	static async start(
		engine: Engine,
		node: INode,
		options: WebhookHarnessOptions,
	): Promise<WebhookHarness> {
		const server = createServer();
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => resolve());
		});
		const { port } = server.address() as AddressInfo;
		const path = (options.mode ?? 'webhook') === 'manual' ? 'webhook-test' : 'webhook';
		return new WebhookHarness(
			engine,
			server,
			node,
			options,
			`http://127.0.0.1:${port}/${path}/${node.webhookId ?? 'test'}/webhook`,
		);
	}

	private get workflowJson(): Pick<WorkflowJson, 'nodes' | 'connections'> {
		return this.options.workflow ?? { nodes: [this.node], connections: {} };
	}

	private get mode(): WorkflowExecuteMode {
		return this.options.mode ?? 'webhook';
	}

	/** A fresh workflow per request, as n8n builds one from the stored workflow. */
	private workflow(): Workflow {
		return new Workflow({
			id: 'call-trigger',
			name: 'Call trigger test',
			// the Workflow fills in parameter defaults in place: give it a copy
			nodes: JSON.parse(JSON.stringify(this.workflowJson.nodes)) as INode[],
			connections: this.workflowJson.connections,
			active: this.mode !== 'manual',
			nodeTypes: this.engine.nodeTypes,
		});
	}

	private webhookData(workflow: Workflow, data: IWorkflowExecuteAdditionalData): IWebhookData {
		const type = this.engine.nodeTypes.getByNameAndVersion(this.node.type);
		const description = (type.description.webhooks ?? [])[0] as IWebhookDescription | undefined;
		if (!description) throw new Error(`${this.node.type} declares no webhook`);
		return {
			httpMethod: 'POST',
			node: this.node.name,
			path: `${this.node.webhookId ?? 'test'}/webhook`,
			webhookDescription: description,
			workflowId: workflow.id,
			workflowExecuteAdditionalData: data,
			webhookId: this.node.webhookId,
			isTest: this.mode === 'manual',
		};
	}

	/**
	 * What n8n does when the workflow is activated (or the editor starts listening): checkExists,
	 * and create when it answers false. Rejects with the node's error, as activation then fails.
	 */
	async activate(activation: WorkflowActivateMode = 'activate'): Promise<void> {
		const workflow = this.workflow();
		const node = workflow.getNode(this.node.name);
		if (!node) throw new Error(`No node ${this.node.name}`);
		const data = additionalData(this.engine.loaded, this.options.credentials);
		const webhookData = this.webhookData(workflow, data);
		const type = this.engine.nodeTypes.getByNameAndVersion(this.node.type);
		const methods = type.webhookMethods?.default;
		if (!methods) return;
		const context = new HookContext(workflow, node, data, this.mode, activation, webhookData);
		if (!(await methods.checkExists.call(context))) await methods.create.call(context);
	}

	private async handle(req: ParsedRequest, res: ServerResponse): Promise<void> {
		const raw = await readBody(req);
		const start = performance.now();
		const request: WebhookRequest = {
			seq: ++this.seq,
			status: 0,
			responseText: '',
			answeredMs: -1,
			webhookMs: -1,
		};
		this.requests.push(request);
		const chunks: Buffer[] = [];
		const end = res.end.bind(res);
		// records what is answered, whoever answers (the node itself, or the harness as n8n would)
		res.end = ((chunk?: unknown, ...rest: unknown[]) => {
			if (typeof chunk === 'string' || Buffer.isBuffer(chunk))
				chunks.push(Buffer.from(chunk as string));
			return (end as (...args: unknown[]) => ServerResponse)(chunk, ...rest);
		}) as ServerResponse['end'];
		res.on('finish', () => {
			request.status = res.statusCode;
			request.responseText = Buffer.concat(chunks).toString('utf8');
			request.answeredMs = performance.now() - start;
		});

		parseIncomingMessage(req);
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		req.query = Object.fromEntries(url.searchParams);
		req.params = {};
		try {
			parseBody(req, raw);
		} catch (error) {
			// n8n: UnprocessableRequestError "Failed to parse request body", before the node sees anything
			request.webhookMs = performance.now() - start;
			send(res, 422, {
				code: 422,
				message: 'Failed to parse request body',
				hint: (error as Error).message,
			});
			return;
		}

		const workflow = this.workflow();
		const node = workflow.getNode(this.node.name);
		if (!node) throw new Error(`No node ${this.node.name}`);
		const data = additionalData(this.engine.loaded, this.options.credentials);
		data.httpRequest = req as unknown as IWorkflowExecuteAdditionalData['httpRequest'];
		data.httpResponse = res as unknown as IWorkflowExecuteAdditionalData['httpResponse'];
		const context = new WebhookContext(
			workflow,
			node,
			data,
			this.mode,
			this.webhookData(workflow, data),
			[],
			null,
		);
		const type = this.engine.nodeTypes.getByNameAndVersion(this.node.type);
		if (!type.webhook) throw new Error(`${this.node.type} has no webhook()`);

		let result: IWebhookResponseData;
		try {
			result = await type.webhook.call(context);
		} catch (error) {
			// n8n reports it, answers 500 with the error's message and records an error run
			request.webhookMs = performance.now() - start;
			request.error = error as Error;
			send(res, 500, { code: 0, message: (error as Error).message });
			this.notify();
			return;
		}
		request.webhookMs = performance.now() - start;
		const items = result.workflowData?.[0];
		if (result.noWebhookResponse !== true) {
			if (result.workflowData === undefined) {
				send(res, 200, result.webhookResponse ?? { message: 'Webhook call received' });
			} else {
				// responseMode onReceived: answered once the execution is started
				send(res, 200, { message: 'Workflow was started' });
			}
		}
		if (!items) {
			this.notify();
			return;
		}
		request.items = items;
		const runResult = await this.engine.run(
			{ id: 'call-trigger', name: 'Call trigger test', ...this.workflowJson },
			{ input: items, mode: this.mode, credentials: this.options.credentials },
		);
		const run: WebhookRun = {
			request,
			result: runResult,
			json: runResult.output(this.node.name).map((item) => item.json),
			finishedMs: performance.now() - start,
		};
		request.run = run;
		this.runs.push(run);
		this.notify();
	}

	private notify(): void {
		for (const waiter of this.waiters.splice(0)) waiter();
	}

	/** Resolves once `count` runs finished; rejects after `timeoutMs`. */
	async waitForRuns(count: number, timeoutMs = 10_000): Promise<WebhookRun[]> {
		const deadline = Date.now() + timeoutMs;
		while (this.runs.length < count) {
			const left = deadline - Date.now();
			if (left <= 0)
				throw new Error(`waited ${timeoutMs} ms for ${count} runs, got ${this.runs.length}`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, left);
				this.waiters.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
		return this.runs.slice(0, count);
	}

	/** Resolves once every request received so far was handled to its end (its run included). */
	async settled(): Promise<void> {
		while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
	}

	async close(): Promise<void> {
		await this.settled();
		await new Promise<void>((resolve) => {
			this.server.close(() => resolve());
			for (const socket of this.sockets) socket.destroy();
		});
	}
}

export interface PostResult {
	status: number;
	text: string;
	/** parsed JSON answer, or undefined */
	json?: IDataObject;
	/** from sending to the full answer, ms */
	ms: number;
}

/** Posts a body as Bitrix24 does (a form), or JSON / anything else when asked. */
export async function post(
	url: string,
	body: string | Buffer,
	contentType = 'application/x-www-form-urlencoded',
): Promise<PostResult> {
	const start = performance.now();
	const response = await fetch(url, {
		method: 'POST',
		headers: contentType === '' ? {} : { 'Content-Type': contentType },
		body,
	});
	const text = await response.text();
	let json: IDataObject | undefined;
	try {
		json = JSON.parse(text) as IDataObject;
	} catch {
		json = undefined;
	}
	return { status: response.status, text, json, ms: performance.now() - start };
}
