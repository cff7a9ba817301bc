/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code that reads the shipped example files, not code shipped to n8n Cloud */
import path from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import type { WorkflowJson } from './harness/engine';
import { Engine } from './harness/engine';
import { PACKAGE_ROOT } from './harness/package';
import { addLines } from './helpers/health';
import { sharedEngine, TestPortal } from './helpers/portal';

/** An example exactly as shipped; only the credential's data comes from the test. */
function example(name: string): WorkflowJson & { pinData?: Record<string, INodeExecutionData[]> } {
	return Engine.readWorkflow(path.join(PACKAGE_ROOT, 'examples', name));
}

const OUR_TYPES = ['n8n-nodes-bitrix24-sip.bitrix24Sip', 'n8n-nodes-bitrix24-sip.bitrix24SipTrigger'];
const BASE_TYPES = ['n8n-nodes-base.scheduleTrigger', 'n8n-nodes-base.webhook', 'n8n-nodes-base.noOp', 'n8n-nodes-base.stickyNote'];

describe('the health and provisioning examples', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	const run = async (workflow: WorkflowJson, input?: INodeExecutionData[]) =>
		await sharedEngine().run(workflow, {
			input,
			credentials: { bitrix24WebhookApi: { webhookUrl: portal.webhookUrl } },
		});

	it.each(['health-check.json', 'provision-from-webhook.json', 'trigger-alert.json'])(
		'%s uses only real node types and the documented credential reference',
		(name) => {
			const workflow = example(name);
			for (const node of workflow.nodes) {
				expect([...OUR_TYPES, ...BASE_TYPES]).toContain(node.type);
				if (OUR_TYPES.includes(node.type)) {
					expect(node.credentials).toEqual({ bitrix24WebhookApi: { id: '1', name: 'Bitrix24 account' } });
				}
			}
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
			expect.objectContaining({ TITLE: 'Bad', healthy: false, summary: 'SIP 403 Forbidden — check login and password' }),
		]);

		portal.sandbox.setServerBehaviour('sip.forbidden.example', null);
		const healthy = await run(workflow);
		expect(healthy.error).toBeUndefined();
		expect(healthy.output('Check All Lines')).toEqual([]);
		expect(healthy.run.data.resultData.runData['Send Alert (replace me)']).toBeUndefined();
	});

	it('provision-from-webhook.json creates the line once and answers with its registration status', async () => {
		const workflow = example('provision-from-webhook.json');
		const request = workflow.pinData?.Webhook ?? [];
		expect(request).toHaveLength(1);

		const first = await run(workflow, request);
		expect(first.error).toBeUndefined();
		const [line] = portal.sandbox.lines();
		expect(line).toMatchObject({ title: 'Main SIP trunk', server: 'sip.provider.com', login: 'sip_user', type: 'cloud' });
		expect(first.output('Get Registration Status').map((item) => item.json)).toEqual([
			expect.objectContaining({ CONFIG_ID: line.configId, REG_ID: line.regId, STATUS_RESULT: 'wait' }),
		]);
		expect(JSON.stringify(first.output('Create Line'))).not.toContain('change-me');

		// the same request again: the existing line is returned, no second line
		const again = await run(workflow, request);
		expect(again.error).toBeUndefined();
		expect(portal.sandbox.lines()).toHaveLength(1);
		expect(again.output('Get Registration Status').map((item) => item.json)).toEqual([
			expect.objectContaining({ CONFIG_ID: line.configId, STATUS_RESULT: 'in_progress' }),
		]);
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
