/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code that reads the shipped example files, not code shipped to n8n Cloud */
import path from 'node:path';

import type { INode } from 'n8n-workflow';

import { Engine } from './harness/engine';
import { PACKAGE_ROOT } from './harness/package';
import { WebhookHarness } from './harness/webhook';
import { APP_TOKEN, CALL_TRIGGER_TYPE } from './helpers/calls';
import { allText, sharedEngine, TestPortal } from './helpers/portal';

const ALERT = 'Send Alert (replace me)';

/** examples/failed-calls-alert.json exactly as shipped, served as n8n serves an active workflow. */
async function serveExample(portal: TestPortal): Promise<WebhookHarness> {
	const workflow = Engine.readWorkflow(
		path.join(PACKAGE_ROOT, 'examples', 'failed-calls-alert.json'),
	);
	const trigger = workflow.nodes.find((node) => node.type === CALL_TRIGGER_TYPE) as INode;
	const harness = await WebhookHarness.start(sharedEngine(), trigger, {
		workflow,
		credentials: {
			bitrix24OutgoingWebhookApi: { applicationToken: APP_TOKEN },
			bitrix24WebhookApi: { webhookUrl: portal.webhookUrl },
		},
	});
	await harness.activate();
	return harness;
}

describe('examples/failed-calls-alert.json', () => {
	let portal: TestPortal;
	let harness: WebhookHarness;

	beforeEach(async () => {
		portal = await TestPortal.start();
		harness = await serveExample(portal);
		portal.sandbox.addOutgoingWebhook({ url: harness.url, token: APP_TOKEN });
	});

	afterEach(async () => {
		await harness.close();
		await portal.close();
	});

	it('passes a failed call through a SIP line on to the alert step, with the line named', async () => {
		const trunk = portal.sandbox.addLineByHand({
			type: 'cloud',
			title: 'Main SIP trunk',
			server: 'sip.provider.com',
			login: '100',
			password: 'pw',
		});
		const placed = await portal.sandbox.placeCall({ configId: trunk.configId, code: '402' });
		expect(placed.deliveries.map((delivery) => delivery.status)).toEqual([200]);
		const [run] = await harness.waitForRuns(1);
		const alerts = run.result.output(ALERT).map((item) => item.json);
		expect(alerts).toHaveLength(1);
		expect(alerts[0]).toMatchObject({
			event: 'callEnd',
			CALL_ID: placed.callId,
			CALL_FAILED_CODE: '402',
			failed: true,
			failure: 'insufficient funds on the provider balance',
			line: {
				identified: true,
				kind: 'sipLine',
				type: 'cloud',
				CONFIG_ID: trunk.configId,
				TITLE: 'Main SIP trunk',
				REG_ID: trunk.regId,
			},
		});
		expect(allText(alerts)).not.toContain(APP_TOKEN);
	});

	it('starts nothing for a successful call, a REST-app call or a forged sender', async () => {
		const trunk = portal.sandbox.addLineByHand({
			type: 'cloud',
			title: 'Main SIP trunk',
			server: 'sip.provider.com',
			login: '100',
			password: 'pw',
		});
		const ok = await portal.sandbox.placeCall({
			configId: trunk.configId,
			code: '200',
			duration: 42,
		});
		const app = await portal.sandbox.placeCall({ portalNumber: 'REST_APP:7', code: '486' });
		const forged = await portal.sandbox.placeCall(
			{ configId: trunk.configId, code: '486' },
			{ wrongToken: true },
		);
		await harness.settled();
		expect([ok, app, forged].map((call) => call.deliveries[0].status)).toEqual([200, 200, 401]);
		expect(harness.runs).toHaveLength(0);
	});

	it('keeps a failed call whose number a SIP line detected from the SIP headers, as "line not identified"', async () => {
		const trunk = portal.sandbox.addLineByHand({
			type: 'cloud',
			title: 'Detecting trunk',
			server: 'sip.provider.com',
			login: '100',
			password: 'pw',
		});
		portal.sandbox.setDetectLineNumber(trunk.configId, true);
		await portal.sandbox.placeCall({
			configId: trunk.configId,
			type: 2,
			code: '480',
			detectedNumber: '+74957654321',
		});
		const [run] = await harness.waitForRuns(1);
		const [alert] = run.result.output(ALERT).map((item) => item.json);
		expect(alert).toMatchObject({
			PORTAL_NUMBER: '+74957654321',
			failed: true,
			line: { identified: false, kind: 'number', CONFIG_ID: null, TITLE: null },
		});
	});
});
