/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code that reads the shipped example files, not code shipped to n8n Cloud */
import path from 'node:path';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { RunOptions, WorkflowJson } from './harness/engine';
import { Engine } from './harness/engine';
import { PACKAGE_ROOT } from './harness/package';
import { BASE_NODE_VERSIONS } from './harness/standins';
import { addLines } from './helpers/health';
import { sharedEngine, TestPortal } from './helpers/portal';
import type { SandboxOptions } from './sandbox';

type Example = WorkflowJson & { active?: unknown; pinData?: Record<string, unknown> };

/** An example exactly as shipped; only the credential's data comes from the test. */
function example(name: string): Example {
	return Engine.readWorkflow(path.join(PACKAGE_ROOT, 'examples', name));
}

const OUR_TYPES = [
	'n8n-nodes-bitrix24-sip.bitrix24Sip',
	'n8n-nodes-bitrix24-sip.bitrix24SipTrigger',
];
const PROVISION = 'provision-from-webhook.json';
const SETTLING = (status: string) =>
	`still settling (status ${status}); ask again with Registration → Get Status in a minute`;

/** What n8n's Webhook node 2 puts out for a POST with a JSON body. */
function postedItem(body: IDataObject): INodeExecutionData {
	return {
		json: {
			headers: {
				'content-type': 'application/json',
				'x-provisioning-token': 'a-long-random-secret',
			},
			params: {},
			query: {},
			body,
			webhookUrl: 'http://127.0.0.1/webhook/bitrix24-sip-provision',
			executionMode: 'production',
		},
	};
}

const TRUNK = {
	title: 'Main SIP trunk',
	server: 'sip.provider.com',
	login: 'sip_user',
	password: 'change-me',
};

describe('the health and provisioning examples', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	/** Replaces the test's portal by one with other sandbox settings. */
	const restartPortal = async (options: SandboxOptions): Promise<void> => {
		await portal.close();
		portal = await TestPortal.start(options);
	};

	const run = async (workflow: WorkflowJson, options: RunOptions = {}) =>
		await sharedEngine().run(workflow, {
			...options,
			credentials: { bitrix24WebhookApi: { webhookUrl: portal.webhookUrl } },
		});

	/** Posts a body to provision-from-webhook.json; returns the run and what n8n answers (Respond: Last Node). */
	const post = async (body: IDataObject) => {
		const result = await run(example(PROVISION), { input: [postedItem(body)], mode: 'webhook' });
		const lastNode = result.run.data.resultData.lastNodeExecuted ?? '';
		return { result, lastNode, reply: result.output(lastNode)[0]?.json };
	};

	it.each(['health-check.json', PROVISION, 'trigger-alert.json'])(
		'%s imports cleanly: inactive, nothing pinned, a sticky note, real node types and versions, the documented credential',
		(name) => {
			const workflow = example(name);
			expect(workflow.active).toBe(false);
			expect(workflow.pinData ?? {}).toEqual({});
			for (const node of workflow.nodes) {
				if (OUR_TYPES.includes(node.type)) {
					expect(node.typeVersion).toBe(1);
					expect(node.credentials).toEqual({
						bitrix24WebhookApi: { id: '1', name: 'Bitrix24 account' },
					});
				} else {
					expect(BASE_NODE_VERSIONS[node.type]).toContain(node.typeVersion);
				}
			}
			const notes = workflow.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
			expect(notes).toHaveLength(1);
			expect(notes[0].parameters.content).toMatch(/^## .+\n/);
			expect(new Set(workflow.nodes.map((node) => node.name)).size).toBe(workflow.nodes.length);
		},
	);

	it('health-check.json alerts once per failing line, and not at all when every line is registered', async () => {
		portal.sandbox.setServerBehaviour('sip.forbidden.example', { statusCode: 403 });
		await addLines(portal, [
			{ title: 'Good', server: 'sip.ok.example' },
			{ title: 'Bad', server: 'sip.forbidden.example' },
			{ title: 'Office', type: 'office' },
		]);
		portal.sandbox.advanceRegistrations(2);
		const workflow = example('health-check.json');

		const failing = await run(workflow);
		expect(failing.error).toBeUndefined();
		expect(failing.output('Send Alert (replace me)').map((item) => item.json)).toEqual([
			expect.objectContaining({
				TITLE: 'Bad',
				healthy: false,
				summary: 'SIP 403 Forbidden — check login and password',
			}),
		]);

		portal.sandbox.setServerBehaviour('sip.forbidden.example', null);
		const healthy = await run(workflow);
		expect(healthy.error).toBeUndefined();
		expect(healthy.output('Check All Lines')).toEqual([]);
		expect(healthy.run.data.resultData.runData['Send Alert (replace me)']).toBeUndefined();
	});

	it('provision-from-webhook.json takes POSTs only with the Header Auth credential the sticky note explains', () => {
		const workflow = example(PROVISION);
		const webhook = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.webhook')!;
		expect(webhook.parameters).toMatchObject({
			httpMethod: 'POST',
			path: 'bitrix24-sip-provision',
			authentication: 'headerAuth',
			responseMode: 'lastNode',
		});
		expect(webhook.credentials).toEqual({
			httpHeaderAuth: { id: '2', name: 'Provisioning webhook header' },
		});
		const note = String(
			workflow.nodes.find((node) => node.type === 'n8n-nodes-base.stickyNote')!.parameters.content,
		);
		expect(note).toContain('Header Auth');
		expect(note).toContain('X-Provisioning-Token');
	});

	it('provision-from-webhook.json creates the line once and says when its registration is still settling', async () => {
		const first = await post(TRUNK);

		expect(first.result.error).toBeUndefined();
		const [line] = portal.sandbox.lines();
		expect(line).toMatchObject({
			title: 'Main SIP trunk',
			server: 'sip.provider.com',
			login: 'sip_user',
			type: 'cloud',
		});
		expect(first.lastNode).toBe('Reply');
		expect(first.reply).toEqual({
			CONFIG_ID: line.configId,
			TITLE: 'Main SIP trunk',
			SERVER: 'sip.provider.com',
			LOGIN: 'sip_user',
			REG_ID: line.regId,
			STATUS_RESULT: 'wait',
			STATUS_CODE: null,
			registration: SETTLING('wait'),
		});
		for (const node of ['Create Line', 'Get Registration Status', 'Reply']) {
			expect(JSON.stringify(first.result.output(node))).not.toContain('change-me');
		}

		// the same request again: the existing line is returned, no second line
		const again = await post(TRUNK);
		expect(again.result.error).toBeUndefined();
		expect(portal.sandbox.lines()).toHaveLength(1);
		expect(again.reply).toMatchObject({
			CONFIG_ID: line.configId,
			STATUS_RESULT: 'in_progress',
			registration: SETTLING('in_progress'),
		});
	});

	it('provision-from-webhook.json answers "registered" when the registration has settled', async () => {
		await restartPortal({ registrationStepMs: 0 });

		const { result, reply } = await post(TRUNK);

		expect(result.error).toBeUndefined();
		const [line] = portal.sandbox.lines();
		expect(reply).toEqual(
			expect.objectContaining({
				CONFIG_ID: line.configId,
				STATUS_RESULT: 'success',
				STATUS_CODE: 200,
				registration: 'registered',
			}),
		);
	});

	it('provision-from-webhook.json answers with the SIP code and message when the registration failed', async () => {
		await restartPortal({ registrationStepMs: 0 });
		portal.sandbox.setServerBehaviour('sip.provider.com', { statusCode: 403 });

		const { result, reply } = await post(TRUNK);

		expect(result.error).toBeUndefined();
		expect(reply).toEqual(
			expect.objectContaining({
				TITLE: 'Main SIP trunk',
				STATUS_RESULT: 'error',
				STATUS_CODE: 403,
				registration: 'failed: 403 Forbidden',
			}),
		);
	});

	it('provision-from-webhook.json refuses a body without a server and sends nothing', async () => {
		const { result } = await post({
			title: 'Main SIP trunk',
			login: 'sip_user',
			password: 'change-me',
		});

		expect(result.nodeError('Create Line')?.message).toBe('Server is required');
		expect(portal.sandbox.log).toEqual([]);
		expect(portal.sandbox.lines()).toEqual([]);
	});

	it("trigger-alert.json's test run shows the current state of each line to the alert step", async () => {
		await addLines(portal, [{ title: 'Trunk', server: 'sip.ok.example' }]);
		portal.sandbox.advanceRegistrations(2);

		const result = await run(example('trigger-alert.json'));

		expect(result.error).toBeUndefined();
		expect(result.output('Send Alert (replace me)').map((item) => item.json)).toEqual([
			expect.objectContaining({
				event: 'currentState',
				line: expect.objectContaining({ TITLE: 'Trunk' }),
				current: expect.objectContaining({ STATUS_RESULT: 'success', healthy: true }),
			}),
		]);
	});
});
