/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code that reads the shipped example files, not code shipped to n8n Cloud */
import path from 'node:path';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { WorkflowJson } from './harness/engine';
import { Engine } from './harness/engine';
import { PACKAGE_ROOT } from './harness/package';
import { sharedEngine, TestPortal } from './helpers/portal';

type Example = WorkflowJson & { pinData?: Record<string, INodeExecutionData[]> };

const example = (name: string): Example => Engine.readWorkflow(path.join(PACKAGE_ROOT, 'examples', name));

/** The node of the example that does the work. */
const sipNodeOf = (workflow: Example) =>
	workflow.nodes.find((node) => node.type === 'n8n-nodes-bitrix24-sip.bitrix24Sip')?.name ?? '';

describe('the line examples, run as shipped', () => {
	let portal: TestPortal;

	beforeAll(async () => {
		portal = await TestPortal.start();
	});

	afterAll(async () => {
		await portal.close();
	});

	/** Runs an example with its own pinned input (or the given items) and returns its node's output. */
	const run = async (name: string, input?: IDataObject[]): Promise<IDataObject[]> => {
		const workflow = example(name);
		const pinned = Object.values(workflow.pinData ?? {})[0];
		const result = await sharedEngine().run(workflow, {
			input: input ? input.map((json) => ({ json })) : pinned,
			credentials: { bitrix24WebhookApi: { webhookUrl: portal.webhookUrl } },
		});
		const node = sipNodeOf(workflow);
		const failure = result.nodeError(node);
		if (failure) throw failure;
		return result.output(node).map((item) => item.json);
	};

	it.each([
		'provision-cloud-line.json',
		'registration-status.json',
		'list-lines.json',
		'set-default-outgoing.json',
		'connector-status.json',
		'delete-line.json',
	])('%s is an importable workflow with the documented credential reference', (name) => {
		const workflow = example(name);
		const sip = workflow.nodes.filter((node) => node.type === 'n8n-nodes-bitrix24-sip.bitrix24Sip');
		expect(sip).toHaveLength(1);
		expect(sip[0].credentials).toEqual({ bitrix24WebhookApi: { id: '1', name: 'Bitrix24 account' } });
		expect(workflow.connections[workflow.nodes[0].name].main[0]?.[0]?.node).toBe(sip[0].name);
	});

	it('provisions, reads, lists, sets default, checks the connector and deletes, in that order', async () => {
		const [line] = await run('provision-cloud-line.json');
		const [again] = await run('provision-cloud-line.json');
		const [status] = await run('registration-status.json', [{ regId: line.REG_ID }]);
		const lines = await run('list-lines.json');
		const [defaultLine] = await run('set-default-outgoing.json', [{ configId: line.CONFIG_ID }]);
		const [connector] = await run('connector-status.json');
		const [deleted] = await run('delete-line.json', [{ configId: line.CONFIG_ID }]);

		expect(line).toMatchObject({ TITLE: 'Main SIP trunk', SERVER: 'sip.provider.com', LOGIN: 'sip_user' });
		expect(again.CONFIG_ID).toBe(line.CONFIG_ID);
		expect(status).toMatchObject({ REG_ID: line.REG_ID, STATUS_RESULT: 'wait' });
		expect(lines.map((entry) => entry.CONFIG_ID)).toEqual([line.CONFIG_ID]);
		expect(defaultLine).toEqual({ CONFIG_ID: line.CONFIG_ID, defaultOutgoing: true });
		expect(connector).toEqual({ FREE_MINUTES: 60, PAID: false });
		expect(deleted).toEqual({ CONFIG_ID: line.CONFIG_ID, deleted: true });
		expect(portal.sandbox.lines()).toEqual([]);
	});
});
