/* eslint-disable no-console, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- a developer script that runs in plain Node, not code shipped to n8n Cloud */
/**
 * `npm run demo`: runs the example workflows of examples/ through n8n's engine, against the
 * Bitrix24 sandbox (or, read-only, against the portal of BITRIX24_WEBHOOK_URL), and prints what
 * each step returned. The sandbox tour ends with Line → Sync from a table of trunks.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject, INodeParameterResourceLocator, INodeParameters } from 'n8n-workflow';

import type { ParsedWebhookUrl } from '../nodes/shared/transport/webhookUrl';
import { describeWebhook, parseWebhookUrl, redact } from '../nodes/shared/transport/webhookUrl';
import { Engine, shutdownEngine } from '../test/harness/engine';
import { Bitrix24Sandbox } from '../test/sandbox';

const NODE_TYPE = 'n8n-nodes-bitrix24-sip.bitrix24Sip';
const EXAMPLES = path.resolve(__dirname, '..', 'examples');
const HEALTH_CHECK = 'health-check.json';
const STATUS_POLL_MS = 1000;
const STATUS_POLL_TRIES = 20;

/** A step that did not go as the demo expects (as opposed to a crash of the demo itself). */
class StepFailed extends Error {}

type Column = [header: string, field: string];

const LINE_COLUMNS: Column[] = [
	['Line ID', 'CONFIG_ID'],
	['Type', 'TYPE'],
	['Title', 'TITLE'],
	['Server', 'SERVER'],
	['Login', 'LOGIN'],
	['Reg ID', 'REG_ID'],
	['Reg code', 'REGISTRATION_STATUS_CODE'],
];

const sleep = async (ms: number): Promise<void> =>
	await new Promise((resolve) => setTimeout(resolve, ms));

class Demo {
	readonly engine = new Engine();
	private passed = 0;
	private readonly failed: string[] = [];
	private readonly skipped: string[] = [];

	constructor(
		private readonly webhook: ParsedWebhookUrl,
		readonly webhookUrl: string,
	) {}

	/** Everything the demo prints goes through here, so that the webhook secret never does. */
	say(text = ''): void {
		console.log(redact(text, this.webhook.secret));
	}

	async step(title: string, run: () => Promise<void>): Promise<boolean> {
		this.say(`\n▶ ${title}`);
		const started = Date.now();
		try {
			await run();
			this.passed++;
			this.say(`  ✓ done in ${seconds(Date.now() - started)}`);
			return true;
		} catch (error) {
			this.failed.push(title);
			const message =
				error instanceof StepFailed
					? error.message
					: `the demo crashed: ${(error as Error).stack ?? String(error)}`;
			this.say(`  ✗ FAILED: ${message}`);
			return false;
		}
	}

	skip(title: string, reason: string): void {
		this.skipped.push(title);
		this.say(`\n▷ ${title}: skipped (${reason})`);
	}

	/**
	 * Runs one example workflow and returns the items its Bitrix24 SIP node(s) put out. `fill` is
	 * what a user types into the example's Bitrix24 SIP node before running it (the examples ship
	 * with the line and the provider details left empty).
	 */
	async runExample(file: string, fill: INodeParameters = {}): Promise<IDataObject[]> {
		const workflow = Engine.readWorkflow(path.join(EXAMPLES, file));
		const sipNodes = workflow.nodes.filter((node) => node.type === NODE_TYPE);
		if (Object.keys(fill).length > 0)
			sipNodes[0].parameters = { ...sipNodes[0].parameters, ...fill };
		const result = await this.engine.run(workflow, {
			input: [{ json: {} }],
			credentials: { bitrix24WebhookApi: { webhookUrl: this.webhookUrl } },
		});
		for (const node of sipNodes) {
			const error = result.nodeError(node.name);
			if (error) throw new StepFailed(`${node.name}: ${describeError(error)}`);
		}
		if (result.error) throw new StepFailed(describeError(result.error));
		return sipNodes.flatMap((node) => result.output(node.name).map((item) => item.json));
	}

	table(rows: IDataObject[], columns: Column[]): void {
		for (const line of formatTable(rows, columns)) this.say(`  ${line}`);
	}

	summary(): number {
		const parts = [
			`${this.passed} passed`,
			`${this.failed.length} failed`,
			`${this.skipped.length} skipped`,
		];
		this.say(`\nSteps: ${parts.join(', ')}`);
		for (const title of this.failed) this.say(`  failed: ${title}`);
		return this.failed.length > 0 ? 1 : 0;
	}
}

function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(1)} s`;
}

function describeError(error: Error & IDataObject): string {
	const description =
		typeof error.description === 'string' && error.description ? ` — ${error.description}` : '';
	return `${error.message}${description}`;
}

function cell(value: unknown): string {
	if (value === null || value === undefined || value === '') return '—';
	const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
	return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function formatTable(rows: IDataObject[], columns: Column[]): string[] {
	if (rows.length === 0) return ['(no items)'];
	const cells = rows.map((row) => columns.map(([, field]) => cell(row[field])));
	const widths = columns.map(([header], index) =>
		Math.max(header.length, ...cells.map((row) => row[index].length)),
	);
	const format = (values: string[]): string =>
		values
			.map((value, index) => value.padEnd(widths[index]))
			.join('  ')
			.trimEnd();
	return [
		format(columns.map(([header]) => header)),
		format(widths.map((width) => '─'.repeat(width))),
		...cells.map(format),
	];
}

function requireOne(items: IDataObject[], what: string): IDataObject {
	if (items.length !== 1)
		throw new StepFailed(`expected one item from ${what}, got ${items.length}`);
	if (typeof items[0].error === 'string') throw new StepFailed(`${what}: ${items[0].error}`);
	return items[0];
}

const HEALTH_COLUMNS: Column[] = [
	['Line ID', 'CONFIG_ID'],
	['Title', 'TITLE'],
	['Status', 'STATUS_RESULT'],
	['SIP', 'STATUS_CODE'],
	['Healthy', 'healthy'],
	['Summary', 'summary'],
];

async function checkAllLines(demo: Demo): Promise<void> {
	if (!existsSync(path.join(EXAMPLES, HEALTH_CHECK))) {
		demo.skip('Check All Lines', `examples/${HEALTH_CHECK} is not there yet`);
		return;
	}
	await demo.step(`Check All Lines (examples/${HEALTH_CHECK})`, async () => {
		const items = await demo.runExample(HEALTH_CHECK);
		if (items.length > 0) demo.table(items, HEALTH_COLUMNS);
		else
			demo.say('  no items: the workflow outputs only unhealthy lines, and every line is healthy');
	});
}

async function showConnector(demo: Demo): Promise<void> {
	await demo.step('Connector status (examples/connector-status.json)', async () => {
		const connector = requireOne(
			await demo.runExample('connector-status.json'),
			'Connector → Get Status',
		);
		const paid =
			connector.PAID === true ? `paid until ${cell(connector.PAID_DATE_END)}` : 'not paid';
		demo.say(`  SIP connector: ${paid}, ${cell(connector.FREE_MINUTES)} free minutes`);
	});
}

async function readStatus(demo: Demo, configId: number): Promise<IDataObject> {
	return requireOne(
		await demo.runExample('registration-status.json', { configId: lineById(configId) }),
		'Registration → Get Status',
	);
}

/** The Line ID picker's value for a line given "By ID". */
function lineById(configId: number): INodeParameterResourceLocator {
	return { __rl: true, mode: 'id', value: String(configId) };
}

function statusLine(status: IDataObject): string {
	const message = status.ERROR_MESSAGE ? `, ${cell(status.ERROR_MESSAGE)}` : '';
	return `${cell(status.STATUS_RESULT)} (SIP ${cell(status.STATUS_CODE)}${message}; updated ${cell(status.LAST_UPDATED)})`;
}

/** The full tour on a fresh sandbox portal: provision, watch, list, use, delete. */
async function sandboxTour(demo: Demo, sandbox: Bitrix24Sandbox): Promise<void> {
	const request = {
		title: 'Demo SIP trunk',
		server: 'https://sip.example.net',
		login: 'demo_user',
		password: 'demo-pass-7341',
	};
	let line: IDataObject | undefined;

	await demo.step('Provision a cloud line (examples/provision-cloud-line.json)', async () => {
		line = requireOne(await demo.runExample('provision-cloud-line.json', request), 'Line → Create');
		demo.table([line], LINE_COLUMNS);
		if ('PASSWORD' in line)
			throw new StepFailed('the output contains PASSWORD although Include Passwords is off');
		demo.say('  (PASSWORD is left out of the output: Include Passwords is off)');
	});
	if (!line) {
		demo.skip('the remaining steps', 'no line was created');
		return;
	}
	const configId = Number(line.CONFIG_ID);
	const regId = Number(line.REG_ID);

	await demo.step(
		'Provision the same title again (If Title Exists → Return Existing Line)',
		async () => {
			const again = requireOne(
				await demo.runExample('provision-cloud-line.json', request),
				'Line → Create',
			);
			if (Number(again.CONFIG_ID) !== configId) {
				throw new StepFailed(
					`a second line ${cell(again.CONFIG_ID)} was created instead of returning line ${configId}`,
				);
			}
			demo.say(
				`  returned the existing line ${configId}; the portal still has ${sandbox.lines().length} line(s)`,
			);
		},
	);

	await demo.step(
		`Registration status of line ${configId} until it settles (examples/registration-status.json)`,
		async () => {
			for (let attempt = 1; attempt <= STATUS_POLL_TRIES; attempt++) {
				const status = await readStatus(demo, configId);
				demo.say(`  read ${String(attempt).padStart(2)}: ${statusLine(status)}`);
				if (status.STATUS_RESULT === 'success') return;
				if (status.STATUS_RESULT === 'error')
					throw new StepFailed(`the registration failed: ${statusLine(status)}`);
				await sleep(STATUS_POLL_MS);
			}
			throw new StepFailed(`the registration did not settle after ${STATUS_POLL_TRIES} reads`);
		},
	);

	await demo.step('List lines (examples/list-lines.json)', async () => {
		const lines = await demo.runExample('list-lines.json');
		demo.table(lines, LINE_COLUMNS);
		if (!lines.some((entry) => Number(entry.CONFIG_ID) === configId)) {
			throw new StepFailed(`line ${configId} is missing from the list`);
		}
	});

	// a second line whose provider refuses the login, so that the health check has something to report
	const broken = {
		title: 'Demo broken trunk',
		server: 'sip.refuses.example',
		login: 'old_user',
		password: 'expired',
	};
	sandbox.setServerBehaviour(broken.server, { statusCode: 403, errorMessage: 'Forbidden' });
	let brokenId: number | undefined;
	await demo.step('Provision a second line at a server that refuses its login', async () => {
		const created = requireOne(
			await demo.runExample('provision-cloud-line.json', broken),
			'Line → Create',
		);
		brokenId = Number(created.CONFIG_ID);
		sandbox.advanceRegistrations(3);
		demo.say(
			`  line ${brokenId} created; sip.refuses.example answers its registration with SIP 403`,
		);
	});

	await checkAllLines(demo);

	if (brokenId !== undefined) {
		const id = brokenId;
		await demo.step('Delete the broken line (examples/delete-line.json)', async () => {
			const done = requireOne(
				await demo.runExample('delete-line.json', { configId: lineById(id) }),
				'Line → Delete',
			);
			demo.say(`  line ${cell(done.CONFIG_ID)}: deleted = ${cell(done.deleted)}`);
		});
	}

	await demo.step('Set as default outgoing line (examples/set-default-outgoing.json)', async () => {
		const done = requireOne(
			await demo.runExample('set-default-outgoing.json', { configId: lineById(configId) }),
			'Line → Set as Default Outgoing',
		);
		demo.say(`  line ${cell(done.CONFIG_ID)}: defaultOutgoing = ${cell(done.defaultOutgoing)}`);
		// Ask the portal itself, outside the node: a cloud line shows as "reg<REG_ID>".
		const answer = await fetch(`${demo.webhookUrl}voximplant.line.outgoing.get.json`, {
			method: 'POST',
		});
		const { result } = (await answer.json()) as { result?: unknown };
		demo.say(`  the portal's default outgoing line is now "${cell(result)}"`);
		if (result !== `reg${regId}`)
			throw new StepFailed(`expected "reg${regId}" as the default outgoing line`);
	});

	await showConnector(demo);

	await demo.step('Delete the line (examples/delete-line.json)', async () => {
		const done = requireOne(
			await demo.runExample('delete-line.json', { configId: lineById(configId) }),
			'Line → Delete',
		);
		demo.say(`  line ${cell(done.CONFIG_ID)}: deleted = ${cell(done.deleted)}`);
		const left = await demo.runExample('list-lines.json');
		demo.say(`  lines left on the portal: ${left.length}`);
		if (left.some((entry) => Number(entry.CONFIG_ID) === configId))
			throw new StepFailed(`line ${configId} is still listed`);
	});

	await syncFromSheet(demo, sandbox);
}

const SYNC_EXAMPLE = 'sync-lines-from-sheet.json';
const SYNC_WRITES = new Set([
	'voximplant.sip.add',
	'voximplant.sip.update',
	'voximplant.sip.delete',
]);

const SYNC_COLUMNS: Column[] = [
	['Action', 'action'],
	['Title', 'TITLE'],
	['Type', 'TYPE'],
	['Line ID', 'CONFIG_ID'],
	['Changes', 'changes'],
	['Reason', 'reason'],
];

/** The write calls the sandbox received since `from`, batch commands counted one by one. */
function writesSince(sandbox: Bitrix24Sandbox, from: number): string[] {
	return sandbox.log
		.slice(from)
		.flatMap((entry) =>
			entry.batchCommands
				? entry.batchCommands.map((command) => command.restMethod)
				: [entry.restMethod],
		)
		.filter((method) => SYNC_WRITES.has(method));
}

/** Runs the sync example and prints its items; fails the step unless every item has the expected action. */
async function runSync(
	demo: Demo,
	sandbox: Bitrix24Sandbox,
	dryRun: boolean,
	expected: string,
): Promise<{ items: IDataObject[]; writes: string[] }> {
	const from = sandbox.log.length;
	const items = await demo.runExample(SYNC_EXAMPLE, dryRun ? {} : { dryRun: false });
	const writes = writesSince(sandbox, from);
	demo.table(
		items.map((item) => ({
			...item,
			changes: Array.isArray(item.changes) ? item.changes.join(', ') : item.changes,
		})),
		SYNC_COLUMNS,
	);
	demo.say(`  write calls sent: ${writes.length === 0 ? 'none' : writes.join(', ')}`);
	const wrong = items.filter((item) => item.action !== expected || item.dryRun !== dryRun);
	if (items.length !== 3 || wrong.length > 0) {
		throw new StepFailed(
			`expected 3 items with action "${expected}" and dryRun ${String(dryRun)}, got ${items.map((item) => `${cell(item.action)} (${cell(item.TITLE)})`).join(', ') || 'none'}`,
		);
	}
	return { items, writes };
}

/** Line → Sync from a table of three trunks: the plan, its application, and a second plan that is empty. */
async function syncFromSheet(demo: Demo, sandbox: Bitrix24Sandbox): Promise<void> {
	if (!existsSync(path.join(EXAMPLES, SYNC_EXAMPLE))) {
		demo.skip('Line → Sync', `examples/${SYNC_EXAMPLE} is not there yet`);
		return;
	}
	const linesBefore = sandbox.lines().length;
	const planned = await demo.step(
		`Sync lines from a table: the plan (examples/${SYNC_EXAMPLE} as shipped, Dry Run on)`,
		async () => {
			const { writes } = await runSync(demo, sandbox, true, 'create');
			if (writes.length > 0 || sandbox.lines().length !== linesBefore)
				throw new StepFailed('the dry run changed the portal');
		},
	);
	if (!planned) {
		demo.skip('applying the sync', 'the plan was not as expected');
		return;
	}
	const applied = await demo.step(
		'Sync lines from a table: apply the plan (Dry Run off)',
		async () => {
			const { items, writes } = await runSync(demo, sandbox, false, 'create');
			const made = items.filter((item) =>
				sandbox
					.lines()
					.some((line) => line.configId === Number(item.CONFIG_ID) && line.title === item.TITLE),
			);
			demo.say(`  the portal now has ${sandbox.lines().length} line(s)`);
			if (
				made.length !== 3 ||
				writes.filter((method) => method === 'voximplant.sip.add').length !== 3
			) {
				throw new StepFailed(
					`expected the three lines on the portal, created with 3 voximplant.sip.add calls; found ${made.length}, sent ${writes.join(', ') || 'nothing'}`,
				);
			}
		},
	);
	if (!applied) {
		demo.skip('the second sync plan', 'the sync was not applied');
		return;
	}
	await demo.step('Sync lines from a table again: the plan is empty (Dry Run on)', async () => {
		const { writes } = await runSync(demo, sandbox, true, 'unchanged');
		if (writes.length > 0) throw new StepFailed('the dry run changed the portal');
	});
}

/** Against a real portal only what reads: nothing is created, changed or deleted. */
async function readOnlyTour(demo: Demo): Promise<void> {
	let lines: IDataObject[] = [];
	await demo.step('List lines (examples/list-lines.json)', async () => {
		lines = await demo.runExample('list-lines.json');
		demo.table(lines, LINE_COLUMNS);
	});

	const cloud = lines.find((line) => line.TYPE === 'cloud' && Number(line.REG_ID) > 0);
	if (cloud) {
		await demo.step(
			`Registration status of line ${cell(cloud.CONFIG_ID)} (examples/registration-status.json)`,
			async () => {
				demo.say(`  ${statusLine(await readStatus(demo, Number(cloud.CONFIG_ID)))}`);
			},
		);
	} else {
		demo.skip('Registration status', 'this webhook sees no cloud line');
	}

	await showConnector(demo);
	await checkAllLines(demo);
}

function knownSecret(): string | undefined {
	try {
		return parseWebhookUrl(process.env.BITRIX24_WEBHOOK_URL).secret;
	} catch {
		return undefined;
	}
}

async function main(): Promise<number> {
	const portalUrl = process.env.BITRIX24_WEBHOOK_URL?.trim();
	let sandbox: Bitrix24Sandbox | undefined;
	try {
		let webhookUrl: string;
		if (portalUrl) {
			webhookUrl = portalUrl;
		} else {
			sandbox = await Bitrix24Sandbox.start({
				rateLimit: { burst: 50, perSecond: 2 },
				latencyMs: 30,
				registrationStepMs: 700,
			});
			webhookUrl = sandbox.webhook.url;
		}
		let webhook: ParsedWebhookUrl;
		try {
			webhook = parseWebhookUrl(webhookUrl);
		} catch (error) {
			console.error(`BITRIX24_WEBHOOK_URL: ${(error as Error).message}`);
			return 2;
		}
		const demo = new Demo(webhook, webhook.baseUrl);
		if (sandbox) {
			demo.say(
				`Bitrix24 sandbox portal (rate limit 50 / 2 per s, registration steps of 0.7 s): ${redact(webhookUrl, webhook.secret)}`,
			);
			await sandboxTour(demo, sandbox);
		} else {
			demo.say(
				`Real portal ${describeWebhook(webhook)} from BITRIX24_WEBHOOK_URL: read-only steps only`,
			);
			await readOnlyTour(demo);
		}
		return demo.summary();
	} finally {
		shutdownEngine();
		await sandbox?.close();
	}
}

main().then(
	(code) => {
		process.exitCode = code;
	},
	(error: Error) => {
		console.error(redact(error.stack ?? String(error), knownSecret()));
		process.exitCode = 1;
	},
);
