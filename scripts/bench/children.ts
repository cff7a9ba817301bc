/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-dangerous-functions -- a developer script that runs in plain Node, not code shipped to n8n Cloud; it starts its own measurement processes */
/**
 * Measurements run in child processes of their own, so that one process's CPU time and peak RSS
 * are one measurement's, and the sandbox portal's work is not counted as the node's. A child
 * answers requests over Node's IPC channel: { id, type, payload } in, { id, result | error } out.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import path from 'node:path';

interface Request {
	id: number;
	type: string;
	payload: unknown;
}

interface Reply {
	id: number;
	result?: unknown;
	error?: string;
}

export class Child {
	private nextId = 0;
	private readonly pending = new Map<
		number,
		{ resolve(value: unknown): void; reject(error: Error): void }
	>();
	private exited?: Error;

	private constructor(private readonly process: ChildProcess) {
		process.on('message', (message: Reply) => {
			const waiting = this.pending.get(message.id);
			if (!waiting) return;
			this.pending.delete(message.id);
			if (message.error !== undefined) waiting.reject(new Error(message.error));
			else waiting.resolve(message.result);
		});
		process.on('exit', (code, signal) => {
			this.exited = new Error(
				`child ${path.basename(String(process.spawnfile))} exited (code ${code}, signal ${signal})`,
			);
			for (const waiting of this.pending.values()) waiting.reject(this.exited);
			this.pending.clear();
		});
	}

	/** Starts a TypeScript file of this folder in a fresh Node process (ts-node, transpile only). */
	static start(file: string, options: { exposeGc?: boolean } = {}): Child {
		const execArgv = ['-r', 'ts-node/register/transpile-only'];
		if (options.exposeGc) execArgv.push('--expose-gc');
		const child = fork(path.join(__dirname, file), [], {
			execArgv,
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		return new Child(child);
	}

	async call<T>(type: string, payload: unknown = {}): Promise<T> {
		if (this.exited) throw this.exited;
		const id = ++this.nextId;
		return await new Promise<T>((resolve, reject) => {
			this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
			this.process.send({ id, type, payload } satisfies Request);
		});
	}

	/** Asks the child to end and waits until it has. */
	async stop(): Promise<void> {
		if (this.exited) return;
		const ended = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
		this.process.disconnect();
		await ended;
	}
}

type Handlers = Record<string, (payload: never) => Promise<unknown>>;

/** The child's side: answers each request with its handler; ends when the parent disconnects. */
export function serve(
	handlers: Handlers,
	onEnd: () => Promise<void> | void = () => undefined,
): void {
	process.on('message', (message: Request) => {
		const handler = handlers[message.type];
		const answer = handler
			? handler(message.payload as never)
			: Promise.reject(new Error(`unknown request ${message.type}`));
		answer.then(
			(result) => process.send?.({ id: message.id, result } satisfies Reply),
			(error: Error) =>
				process.send?.({ id: message.id, error: error.stack ?? String(error) } satisfies Reply),
		);
	});
	process.on('disconnect', () => {
		void Promise.resolve(onEnd()).finally(() => process.exit(0));
	});
}
