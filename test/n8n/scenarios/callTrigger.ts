/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-hardcoded-secrets -- test tooling that runs a real n8n on the developer's machine, not code shipped to n8n */
/**
 * The call trigger under `n8n start`: the shipped failed-calls example, activated, receives what the
 * sandbox portal's outgoing webhook sends, through n8n's own webhook server and body parser.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import type { Context } from '../context';
import { sleep, until } from '../instance';
import type { Workflow } from '../workflows';
import { CALL_TRIGGER_NODE, example, nodeOfType } from '../workflows';

/** Where the test copy of the example sends each item it would alert about. */
class Capture {
	readonly items: Array<Record<string, unknown>> = [];
	private constructor(
		private readonly server: Server,
		readonly url: string,
	) {}

	static async start(): Promise<Capture> {
		const server = createServer();
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
		const capture = new Capture(
			server,
			`http://127.0.0.1:${(server.address() as AddressInfo).port}/capture`,
		);
		server.on('request', (req: IncomingMessage, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				try {
					capture.items.push(
						JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
					);
				} catch {
					capture.items.push({ unparsable: Buffer.concat(chunks).toString('utf8') });
				}
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end('{"ok":true}');
			});
		});
		return capture;
	}

	async close(): Promise<void> {
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}

/** The example with its placeholder alert node swapped for an HTTP Request that posts the item to the capture server. */
function capturing(workflow: Workflow, url: string): Workflow {
	const copy = JSON.parse(JSON.stringify(workflow)) as Workflow;
	const placeholder = copy.nodes.find((node) => node.type === 'n8n-nodes-base.noOp');
	if (!placeholder) throw new Error('the failed-calls example has no placeholder node');
	placeholder.type = 'n8n-nodes-base.httpRequest';
	placeholder.typeVersion = 4.2;
	placeholder.parameters = {
		method: 'POST',
		url,
		sendBody: true,
		specifyBody: 'json',
		jsonBody: '={{ JSON.stringify($json) }}',
		options: {},
	};
	return copy;
}

/** A throwaway application token of Bitrix24's form (32 characters), for the test credential only. */
export const CALL_TOKEN = 'k3x9q2w7e5r1t8y4u6i0o2p4a6s8d0f1';

/**
 * Imports the example before `n8n start` (n8n loads active workflows when it starts); the checks
 * run once it is up. Returns the checks to run then.
 */
export async function importCallTrigger(
	context: Context,
): Promise<(() => Promise<void>) | undefined> {
	const { n8n, checks, dir } = context;
	const capture = await Capture.start();
	const workflow = capturing(example('failed-calls-alert.json', 'exFailedCalls001'), capture.url);
	const trigger = nodeOfType(workflow, CALL_TRIGGER_NODE);
	const webhookId = trigger.webhookId;
	if (
		!checks.that(
			'the failed-calls example names its webhook id',
			typeof webhookId === 'string' && webhookId !== '',
			trigger,
		)
	) {
		await capture.close();
		return undefined;
	}
	const imported = await n8n.importFolder([workflow], path.join(dir, 'calls'));
	const activated = imported.code === 0 ? await n8n.activate(workflow.id as string) : imported;
	if (
		!checks.that(
			'the failed-calls example imports and activates',
			imported.code === 0 && activated.code === 0,
			activated.output.slice(-3000),
		)
	) {
		await capture.close();
		return undefined;
	}
	return async () => {
		try {
			await callChecks(context, workflow, `${n8n.baseUrl}/webhook/${webhookId}/webhook`, capture);
		} finally {
			await capture.close();
		}
	};
}

async function callChecks(
	context: Context,
	workflow: Workflow,
	url: string,
	capture: Capture,
): Promise<void> {
	const { n8n, sandbox, checks, secret } = context;
	const workflowId = workflow.id as string;
	const trunk = sandbox.lines().find((line) => line.title === 'Trunk A');
	if (
		!checks.that(
			'the cloud line from the first half is there',
			trunk !== undefined,
			sandbox.lines(),
		)
	)
		return;
	const hook = sandbox.addOutgoingWebhook({ url, token: CALL_TOKEN });

	await checks.group(
		'a failed call through a SIP line starts one execution, answered at once',
		async () => {
			const placed = await sandbox.placeCall({ configId: trunk!.configId, code: '402', type: 1 });
			const delivery = placed.deliveries[0];
			checks.that("Bitrix24's POST was answered 200", delivery?.status === 200, delivery);
			checks.that('and answered within 2 s', (delivery?.ms ?? Infinity) < 2000, delivery?.ms);
			const arrived = await until(() => capture.items.length >= 1, 30_000);
			const item = capture.items[0] ?? {};
			const line = (item.line ?? {}) as Record<string, unknown>;
			checks.that(
				'the alert step got the call',
				arrived && item.CALL_ID === placed.callId,
				capture.items,
			);
			checks.that(
				'typed and explained: failed, code 402 in words, a number duration',
				item.failed === true &&
					item.CALL_FAILED_CODE === '402' &&
					/insufficient funds/i.test(String(item.failure)) &&
					typeof item.CALL_DURATION === 'number',
				item,
			);
			checks.that(
				'the line is resolved to its id and title',
				line.CONFIG_ID === trunk!.configId && line.TITLE === 'Trunk A',
				line,
			);
			checks.that(
				'the item holds no token and no webhook secret',
				!JSON.stringify(item).includes(CALL_TOKEN) && !JSON.stringify(item).includes(secret),
			);
		},
	);

	await checks.group('a successful call and a forged sender start nothing', async () => {
		const before = (await n8n.executions(workflowId)).length;
		const ok = await sandbox.placeCall({ configId: trunk!.configId, code: '200', duration: 30 });
		checks.that(
			'a successful call is answered 200',
			ok.deliveries[0]?.status === 200,
			ok.deliveries,
		);
		const forged = await sandbox.placeCall(
			{ configId: trunk!.configId, code: '486' },
			{ wrongToken: true },
		);
		checks.that(
			'a wrong application token is answered 401',
			forged.deliveries[0]?.status === 401,
			forged.deliveries,
		);
		await sleep(3000);
		const after = await n8n.executions(workflowId);
		checks.that('neither started an execution', after.length === before, after);
		checks.that('the alert step got nothing more', capture.items.length === 1, capture.items);
	});

	await checks.group('concurrent call ends each start their own execution', async () => {
		const placed = await Promise.all(
			Array.from(
				{ length: 5 },
				async () => await sandbox.placeCall({ configId: trunk!.configId, code: '486' }),
			),
		);
		const ids = new Set(placed.map((call) => call.callId));
		await until(() => capture.items.length >= 6, 30_000);
		const seen = capture.items.slice(1).map((item) => item.CALL_ID);
		checks.that(
			'five calls, five alerts, each its own CALL_ID',
			seen.length === 5 && seen.every((id) => ids.has(String(id))) && new Set(seen).size === 5,
			seen,
		);
	});

	sandbox.removeOutgoingWebhook(hook.id);
	checks.that('nothing n8n logged holds the application token', !n8n.output.includes(CALL_TOKEN));
}
