/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code that reads the shipped example files, not code shipped to n8n Cloud */
import path from 'node:path';

import type { RunResult, WorkflowJson } from './harness/engine';
import { Engine } from './harness/engine';
import { PACKAGE_ROOT } from './harness/package';
import { BASE_NODE_VERSIONS } from './harness/standins';
import { allText, sharedEngine, TestPortal } from './helpers/portal';
import type { LogEntry } from './sandbox';

/** examples/sync-lines-from-sheet.json through n8n's engine, as shipped and with Dry Run turned off. */

const SIP_TYPE = 'n8n-nodes-bitrix24-sip.bitrix24Sip';
const FILE = 'sync-lines-from-sheet.json';
const SYNC = 'Sync Lines';
const SPLIT = 'One Item per Trunk';
const WRITES = new Set(['voximplant.sip.add', 'voximplant.sip.update', 'voximplant.sip.delete']);

type Example = WorkflowJson & { active?: unknown; pinData?: Record<string, unknown> };

const example = (): Example => Engine.readWorkflow(path.join(PACKAGE_ROOT, 'examples', FILE));

/** The example with Dry Run turned off, as the sticky note says to do after reading the plan. */
function applying(): Example {
	const workflow = example();
	const sync = workflow.nodes.find((node) => node.name === SYNC)!;
	sync.parameters = { ...sync.parameters, dryRun: false };
	return workflow;
}

const writesOf = (log: LogEntry[]): string[] =>
	log
		.flatMap((entry) =>
			entry.batchCommands
				? entry.batchCommands.map((command) => command.restMethod)
				: [entry.restMethod],
		)
		.filter((method) => WRITES.has(method));

const TRUNKS = [
	{
		title: 'n8n-Trunk Berlin',
		type: 'cloud',
		server: 'sip.berlin.example.net',
		login: 'berlin_100',
	},
	{ title: 'n8n-Trunk Paris', type: 'cloud', server: 'sip.paris.example.net', login: 'paris_200' },
	{
		title: 'n8n-Office Munich',
		type: 'office',
		server: 'pbx.munich.example.net',
		login: 'munich_300',
	},
];

describe('examples/sync-lines-from-sheet.json', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	/** Runs the example from its manual trigger (one empty item, as `n8n execute` does). */
	const run = async (workflow: WorkflowJson): Promise<RunResult> =>
		await sharedEngine().run(workflow, {
			credentials: { bitrix24WebhookApi: { webhookUrl: portal.webhookUrl } },
		});

	const syncOutput = async (workflow: WorkflowJson) => {
		const result = await run(workflow);
		const failure = result.nodeError(SYNC);
		if (failure) throw failure;
		expect(result.error).toBeUndefined();
		return {
			result,
			items: result.output(SYNC),
			json: result.output(SYNC).map((item) => item.json),
		};
	};

	const stored = () =>
		portal.sandbox
			.lines()
			.map(({ title, type, server, login }) => ({ title, type, server, login }))
			.sort((a, b) => a.title.localeCompare(b.title));

	it('imports cleanly: inactive, nothing pinned, one sticky note, node versions n8n 1.82+ and 2.x have, Dry Run on, deleting off', () => {
		const workflow = example();
		expect(workflow.active).toBe(false);
		expect(workflow.pinData ?? {}).toEqual({});
		const sip = workflow.nodes.filter((node) => node.type === SIP_TYPE);
		expect(sip).toHaveLength(1);
		expect(sip[0]).toMatchObject({
			name: SYNC,
			typeVersion: 1,
			credentials: { bitrix24WebhookApi: { id: '1', name: 'Bitrix24 account' } },
		});
		expect(sip[0].parameters).toMatchObject({
			resource: 'line',
			operation: 'sync',
			dryRun: true,
			deleteUnlisted: false,
		});
		for (const node of workflow.nodes.filter((other) => other.type !== SIP_TYPE)) {
			expect(BASE_NODE_VERSIONS[node.type]).toContain(node.typeVersion);
		}
		const notes = workflow.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
		expect(notes).toHaveLength(1);
		expect(notes[0].parameters.content).toMatch(/^## .+\n/);
		expect(notes[0].parameters.content).toContain('Managed Title Prefix');
		expect(new Set(workflow.nodes.map((node) => node.name)).size).toBe(workflow.nodes.length);
		// only fake passwords ship
		const passwords = JSON.stringify(workflow).match(/\\"password\\": \\"[^\\]*\\"/g) ?? [];
		expect(passwords).toHaveLength(3);
		for (const password of passwords) expect(password).toMatch(/fake-pass-/);
	});

	it('as shipped plans three creates on an empty portal, paired to the table rows, and writes nothing', async () => {
		const { result, items, json } = await syncOutput(example());

		// the Split Out step: one item per row of the table, each paired to the table's one item
		expect(result.output(SPLIT).map((item) => [item.json.title, item.pairedItem])).toEqual(
			TRUNKS.map(({ title }) => [title, { item: 0 }]),
		);
		expect(
			json.map((item) => [
				item.action,
				item.dryRun,
				item.TITLE,
				item.TYPE,
				item.CONFIG_ID,
				item.inputItem,
			]),
		).toEqual(TRUNKS.map(({ title, type }, index) => ['create', true, title, type, null, index]));
		expect(json[0].changes).toEqual(['TYPE', 'TITLE', 'SERVER', 'LOGIN', 'PASSWORD']);
		expect(json[0].reason).toBe('no line has this title');
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(allText(json)).not.toContain('fake-pass');
		expect(writesOf(portal.sandbox.log)).toEqual([]);
		expect(portal.sandbox.lines()).toEqual([]);
	});

	it('with Dry Run off creates the three lines; run again it plans nothing and writes nothing', async () => {
		const applied = await syncOutput(applying());

		expect(applied.json.map((item) => [item.action, item.dryRun, item.TITLE])).toEqual(
			TRUNKS.map(({ title }) => ['create', false, title]),
		);
		expect(stored()).toEqual([...TRUNKS].sort((a, b) => a.title.localeCompare(b.title)));
		const byTitle = new Map(portal.sandbox.lines().map((line) => [line.title, line]));
		for (const item of applied.json)
			expect(item.CONFIG_ID).toBe(byTitle.get(String(item.TITLE))?.configId);
		expect(
			portal.sandbox
				.lines()
				.map((line) => line.password)
				.sort(),
		).toEqual(['fake-pass-berlin', 'fake-pass-munich', 'fake-pass-paris']);
		expect(allText(applied.json)).not.toContain('fake-pass');

		portal.sandbox.clearLog();
		const again = await syncOutput(applying());
		expect(again.json.map((item) => [item.action, item.TITLE, item.changes])).toEqual(
			TRUNKS.map(({ title }) => ['unchanged', title, []]),
		);
		expect(writesOf(portal.sandbox.log)).toEqual([]);

		const plan = await syncOutput(example());
		expect(plan.json.map((item) => item.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
		expect(portal.sandbox.lines()).toHaveLength(3);
	});

	it("leaves lines the table does not list alone, the UI's and its own, while deleting is off", async () => {
		const byHand = portal.sandbox.addLineByHand({
			title: 'Reception',
			server: 'sip.b.example',
			login: 'r',
			password: 'r',
		});
		const stale = portal.sandbox.addLineByHand({
			title: 'n8n-Trunk Rome',
			server: 'sip.rome.example.net',
			login: 'rome',
			password: 'x',
		});

		const applied = await syncOutput(applying());

		expect(applied.json.map((item) => item.action)).toEqual(['create', 'create', 'create']);
		const ids = portal.sandbox.lines().map((line) => line.configId);
		expect(ids).toEqual(expect.arrayContaining([byHand.configId, stale.configId]));
		expect(ids).toHaveLength(5);
	});
});
