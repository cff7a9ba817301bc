/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code that reads the shipped example files, not code shipped to n8n Cloud */
import path from 'node:path';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import type { RunResult, WorkflowJson } from './harness/engine';
import { Engine } from './harness/engine';
import { PACKAGE_ROOT } from './harness/package';
import { BASE_NODE_VERSIONS } from './harness/standins';
import { sharedEngine, TestPortal } from './helpers/portal';

const SIP_TYPE = 'n8n-nodes-bitrix24-sip.bitrix24Sip';
const NO_LINE = 'Line ID is empty';

type Example = WorkflowJson & { active?: unknown; pinData?: Record<string, unknown> };

/** An example exactly as shipped. */
const example = (name: string): Example =>
	Engine.readWorkflow(path.join(PACKAGE_ROOT, 'examples', name));

/** The node of the example that does the work. */
const sipNodeOf = (workflow: WorkflowJson) =>
	workflow.nodes.find((node) => node.type === SIP_TYPE)!;

/** The example with some parameters of its Bitrix24 SIP node filled in, as a user does after importing it. */
function filledIn(name: string, parameters: INodeParameters): Example {
	const workflow = example(name);
	const sip = sipNodeOf(workflow);
	sip.parameters = { ...sip.parameters, ...parameters };
	return workflow;
}

/** Line ID set By ID, as a user does by picking the line from the list. */
const lineId = (configId: unknown): INodeParameters => ({
	configId: { __rl: true, mode: 'id', value: String(configId) },
});

describe('the line examples', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	/** Runs an example from its manual trigger (one empty item, as `n8n execute` does: it ignores pinned data). */
	const run = async (workflow: WorkflowJson): Promise<RunResult> =>
		await sharedEngine().run(workflow, {
			credentials: { bitrix24WebhookApi: { webhookUrl: portal.webhookUrl } },
		});

	/** The items the Bitrix24 SIP node put out; its error, if it stopped, fails the test. */
	const output = async (workflow: WorkflowJson): Promise<IDataObject[]> => {
		const result = await run(workflow);
		const failure = result.nodeError(sipNodeOf(workflow).name);
		if (failure) throw failure;
		return result.output(sipNodeOf(workflow).name).map((item) => item.json);
	};

	it.each([
		'provision-cloud-line.json',
		'registration-status.json',
		'list-lines.json',
		'set-default-outgoing.json',
		'connector-status.json',
		'delete-line.json',
	])(
		'%s imports cleanly: inactive, nothing pinned, a sticky note, node versions n8n 1.82+ and 2.x have',
		(name) => {
			const workflow = example(name);
			expect(workflow.active).toBe(false);
			expect(workflow.pinData ?? {}).toEqual({});
			const sip = workflow.nodes.filter((node) => node.type === SIP_TYPE);
			expect(sip).toHaveLength(1);
			expect(sip[0].typeVersion).toBe(1);
			expect(sip[0].credentials).toEqual({
				bitrix24WebhookApi: { id: '1', name: 'Bitrix24 account' },
			});
			for (const node of workflow.nodes.filter((other) => other.type !== SIP_TYPE)) {
				expect(BASE_NODE_VERSIONS[node.type]).toContain(node.typeVersion);
			}
			const notes = workflow.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
			expect(notes).toHaveLength(1);
			expect(notes[0].parameters.content).toMatch(/^## .+\n/);
			expect(workflow.connections[workflow.nodes[0].name].main[0]?.[0]?.node).toBe(sip[0].name);
		},
	);

	it.each([
		['delete-line.json', 'Delete Line'],
		['set-default-outgoing.json', 'Set Default Outgoing Line'],
		['registration-status.json', 'Get Registration Status'],
	])('%s names no line: its Line ID is an empty pick from the list', (name, nodeName) => {
		const sip = sipNodeOf(example(name));
		expect(sip.name).toBe(nodeName);
		expect(sip.parameters.configId).toEqual({ __rl: true, mode: 'list', value: '' });
	});

	it.each(['delete-line.json', 'set-default-outgoing.json', 'registration-status.json'])(
		'%s run as shipped refuses clearly and sends nothing to Bitrix24',
		async (name) => {
			const [line] = await portal.createLines(1, 'cloud');
			const defaultBefore = portal.sandbox.defaultOutgoing();
			portal.sandbox.clearLog();

			const result = await run(example(name));

			const failure = result.nodeError(sipNodeOf(example(name)).name);
			expect(failure?.message).toBe(NO_LINE);
			expect(portal.sandbox.log).toEqual([]);
			expect(portal.sandbox.lines().map((entry) => entry.configId)).toEqual([line.CONFIG_ID]);
			expect(portal.sandbox.defaultOutgoing()).toBe(defaultBefore);
		},
	);

	it('provision-cloud-line.json run as shipped is refused by n8n for its empty required fields, and creates nothing', async () => {
		await expect(run(example('provision-cloud-line.json'))).rejects.toThrow(
			'The workflow has issues and cannot be executed',
		);

		expect(portal.sandbox.log).toEqual([]);
		expect(portal.sandbox.lines()).toEqual([]);
	});

	it('filled in, they provision, read, list, set default, check the connector and delete, in that order', async () => {
		const provider = { server: 'sip.provider.com', login: 'sip_user', password: 'change-me' };
		const [line] = await output(filledIn('provision-cloud-line.json', provider));
		const [again] = await output(filledIn('provision-cloud-line.json', provider));
		const [status] = await output(filledIn('registration-status.json', lineId(line.CONFIG_ID)));
		const lines = await output(example('list-lines.json'));
		const [defaultLine] = await output(
			filledIn('set-default-outgoing.json', lineId(line.CONFIG_ID)),
		);
		const defaultOutgoing = portal.sandbox.defaultOutgoing();
		const [connector] = await output(example('connector-status.json'));
		const [deleted] = await output(filledIn('delete-line.json', lineId(line.CONFIG_ID)));

		expect(line).toMatchObject({
			TITLE: 'Main SIP trunk',
			SERVER: 'sip.provider.com',
			LOGIN: 'sip_user',
		});
		expect(line).not.toHaveProperty('PASSWORD');
		expect(again.CONFIG_ID).toBe(line.CONFIG_ID);
		expect(status).toMatchObject({
			CONFIG_ID: line.CONFIG_ID,
			REG_ID: line.REG_ID,
			STATUS_RESULT: 'wait',
		});
		expect(lines.map((entry) => entry.CONFIG_ID)).toEqual([line.CONFIG_ID]);
		expect(defaultLine).toEqual({ CONFIG_ID: line.CONFIG_ID, defaultOutgoing: true });
		expect(defaultOutgoing).toBe(`reg${String(line.REG_ID)}`);
		expect(connector).toEqual({ FREE_MINUTES: 60, PAID: false });
		expect(deleted).toEqual({ CONFIG_ID: line.CONFIG_ID, deleted: true });
		expect(portal.sandbox.lines()).toEqual([]);
	});

	it('a destructive example with Line ID as a plain number works too', async () => {
		const [line] = await portal.createLines(1, 'office');

		const [deleted] = await output(
			filledIn('delete-line.json', { configId: Number(line.CONFIG_ID) }),
		);

		expect(deleted).toEqual({ CONFIG_ID: line.CONFIG_ID, deleted: true });
		expect(portal.sandbox.lines()).toEqual([]);
	});
});
