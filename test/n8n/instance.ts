/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-hardcoded-secrets, no-control-regex -- test tooling that runs a real n8n (with a throwaway owner password) on the developer's machine, not code shipped to n8n */
/**
 * One real n8n with its own user folder: its CLI (import, activate, execute) and, under `n8n start`,
 * its HTTP side (the REST API the editor uses, webhooks, the node list).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

import type { Installed, Target } from './install';

export interface CliResult {
	code: number | null;
	output: string;
}

/** The parts of n8n's run data (IRun) the checks read. */
export interface RunData {
	status?: string;
	data: {
		resultData: {
			error?: { message?: string; description?: string; name?: string; httpCode?: string };
			runData: Record<
				string,
				Array<{
					executionStatus?: string;
					error?: { message?: string; description?: string };
					data?: { main: Array<Array<{ json: Record<string, unknown> }> | null> };
				}>
			>;
		};
	};
}

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/** `n8n execute --rawOutput` prints the run as indented JSON among log lines; find where it parses. */
export function parseRun(output: string): RunData | undefined {
	const clean = output.replace(/\x1b\[[0-9;]*m/g, '');
	const start = clean.indexOf('{\n  "data"');
	if (start < 0) return undefined;
	let end = clean.indexOf('\n}', start);
	while (end >= 0) {
		try {
			return JSON.parse(clean.slice(start, end + 2)) as RunData;
		} catch {
			end = clean.indexOf('\n}', end + 2);
		}
	}
	return undefined;
}

export class N8nInstance {
	readonly major: number;
	private server?: ChildProcess;
	private serverOutput = '';
	/** The cookies n8n set on the REST API (the auth cookie, and any an OAuth flow sets), by name. */
	private readonly cookies = new Map<string, string>();
	port = 0;

	constructor(
		readonly target: Target,
		private readonly installed: Installed,
		readonly userFolder: string,
	) {
		this.major = Number(target.version.split('.')[0]);
	}

	private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
		return {
			...process.env,
			PATH: `${path.dirname(this.installed.node)}${path.delimiter}${process.env.PATH ?? ''}`,
			N8N_USER_FOLDER: this.userFolder,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			// `execute --rawOutput` of n8n 1.x prints its run data only at info level
			N8N_LOG_LEVEL: 'info',
			N8N_HOST: '127.0.0.1',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			...extra,
		};
	}

	/** Runs `n8n <args>` to its end. */
	async cli(args: string[], timeoutMs = 120_000): Promise<CliResult> {
		const brokerPort = String(await freePort());
		return await new Promise((resolve) => {
			const child = spawn(this.installed.node, [this.installed.n8nBin, ...args], {
				env: this.env({ N8N_RUNNERS_BROKER_PORT: brokerPort, N8N_PORT: brokerPort }),
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			let output = '';
			child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
			child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
			const timer = setTimeout(() => {
				output += `\n[test:n8n] killed after ${timeoutMs} ms`;
				child.kill('SIGKILL');
			}, timeoutMs);
			child.on('close', (code) => {
				clearTimeout(timer);
				resolve({ code, output });
			});
		});
	}

	async importCredentials(credentials: object[], file: string): Promise<CliResult> {
		writeFileSync(file, JSON.stringify(credentials, null, 2));
		return await this.cli(['import:credentials', `--input=${file}`]);
	}

	/** Imports several workflows with one CLI run (each run boots n8n, which takes seconds). */
	async importFolder(workflows: object[], folder: string): Promise<CliResult> {
		mkdirSync(folder, { recursive: true });
		workflows.forEach((workflow, index) =>
			writeFileSync(path.join(folder, `${index}.json`), JSON.stringify(workflow, null, 2)),
		);
		return await this.cli(['import:workflow', '--separate', `--input=${folder}`]);
	}

	/** n8n 2.x publishes a workflow version; 1.x sets the active flag. */
	async activate(workflowId: string): Promise<CliResult> {
		return this.major >= 2
			? await this.cli(['publish:workflow', `--id=${workflowId}`])
			: await this.cli(['update:workflow', `--id=${workflowId}`, '--active=true']);
	}

	async execute(workflowId: string): Promise<{ cli: CliResult; run?: RunData }> {
		const cli = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput']);
		return { cli, run: parseRun(cli.output) };
	}

	/** `n8n start`, ready when its health check answers. */
	async start(): Promise<void> {
		this.port = await freePort();
		const brokerPort = String(await freePort());
		this.serverOutput = '';
		this.server = spawn(this.installed.node, [this.installed.n8nBin, 'start'], {
			env: this.env({ N8N_PORT: String(this.port), N8N_RUNNERS_BROKER_PORT: brokerPort }),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		this.server.stdout?.on(
			'data',
			(chunk: Buffer) => (this.serverOutput += chunk.toString('utf8')),
		);
		this.server.stderr?.on(
			'data',
			(chunk: Buffer) => (this.serverOutput += chunk.toString('utf8')),
		);
		const deadline = Date.now() + 180_000;
		while (Date.now() < deadline) {
			if (this.server.exitCode !== null)
				throw new Error(`n8n start exited:\n${this.serverOutput.slice(-3000)}`);
			try {
				const response = await fetch(`${this.baseUrl}/healthz/readiness`);
				if (response.status === 200 && /Editor is now accessible/.test(this.serverOutput)) return;
			} catch {
				// not listening yet
			}
			await sleep(500);
		}
		throw new Error(`n8n start was not ready within 180 s:\n${this.serverOutput.slice(-3000)}`);
	}

	get output(): string {
		return this.serverOutput;
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	async stop(): Promise<void> {
		const server = this.server;
		if (!server || server.exitCode !== null) return;
		await new Promise<void>((resolve) => {
			const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
			server.on('close', () => {
				clearTimeout(timer);
				resolve();
			});
			server.kill('SIGTERM');
		});
	}

	/** The editor's REST API, signed in as the owner (set up on first use). */
	async rest(
		method: string,
		route: string,
		body?: unknown,
	): Promise<{ status: number; json: unknown; text: string }> {
		if (!this.cookies.has('n8n-auth') && route !== '/rest/owner/setup') await this.setUpOwner();
		const response = await fetch(`${this.baseUrl}${route}`, {
			method,
			headers: {
				'content-type': 'application/json',
				// n8n binds its auth cookie to the browser-id header the editor sends
				'browser-id': 'n8n-nodes-bitrix24-sip-test',
				...(this.cookies.size ? { cookie: this.cookieHeader } : {}),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		for (const setCookie of response.headers.getSetCookie()) {
			const pair = /^([^=;\s]+)=([^;]*)/.exec(setCookie);
			if (pair) this.cookies.set(pair[1], pair[2]);
		}
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			json = undefined;
		}
		return { status: response.status, json, text };
	}

	/** The session's cookies as a browser sends them back to n8n. */
	get cookieHeader(): string {
		return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
	}

	private async setUpOwner(): Promise<void> {
		const answer = await this.rest('POST', '/rest/owner/setup', {
			email: 'owner@example.com',
			firstName: 'Test',
			lastName: 'Owner',
			password: 'Passw0rd-for-tests',
		});
		if (!this.cookies.has('n8n-auth'))
			throw new Error(`owner setup failed: ${answer.status} ${answer.text.slice(0, 300)}`);
	}

	/**
	 * One credential as `n8n export:credentials --decrypted` writes it: the test reads a saved OAuth
	 * token this way, since the REST API only says whether there is one. The file is removed at once.
	 */
	async exportCredential(
		id: string,
		file: string,
	): Promise<{ cli: CliResult; data?: Record<string, unknown> }> {
		const cli = await this.cli([
			'export:credentials',
			`--id=${id}`,
			'--decrypted',
			`--output=${file}`,
		]);
		let data: Record<string, unknown> | undefined;
		try {
			const exported = JSON.parse(readFileSync(file, 'utf8')) as Array<{
				data?: Record<string, unknown>;
			}>;
			data = exported[0]?.data;
		} catch {
			data = undefined;
		} finally {
			rmSync(file, { force: true });
		}
		return { cli, data };
	}

	/** Finished executions of one workflow, as the editor's execution list shows them. */
	async executions(workflowId: string): Promise<Array<{ id: string; status: string }>> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const answer = await this.rest('GET', `/rest/executions?filter=${filter}`);
		const data = (
			answer.json as { data?: { results?: Array<{ id: string; status: string }> } } | undefined
		)?.data;
		if (!data?.results)
			throw new Error(`cannot list executions: ${answer.status} ${answer.text.slice(0, 300)}`);
		return data.results;
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `ready()` holds, checking every quarter second; false when the time runs out. */
export async function until(
	ready: () => boolean | Promise<boolean>,
	timeoutMs: number,
): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await ready()) return true;
		await sleep(250);
	}
	return await ready();
}
