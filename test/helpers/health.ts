import type { IDataObject, INode, INodeParameters } from 'n8n-workflow';

import { PollRunner } from '../harness/poll';
import type { CallSpec } from '../sandbox';
import type { TestPortal } from './portal';
import { sharedEngine } from './portal';

export const TRIGGER_TYPE = 'n8n-nodes-bitrix24-sip.bitrix24SipTrigger';
export const TRIGGER = 'Bitrix24 SIP Trigger';

export interface LineSpec {
	title: string;
	type?: 'cloud' | 'office';
	server?: string;
	password?: string;
}

/** Creates lines through the node (Line → Create), in one run, and returns them as it output them. */
export async function addLines(portal: TestPortal, specs: LineSpec[]): Promise<IDataObject[]> {
	const run = await portal.run(
		{
			resource: 'line',
			operation: 'create',
			type: '={{ $json.type }}',
			title: '={{ $json.title }}',
			server: '={{ $json.server }}',
			login: '={{ "user" + $itemIndex }}',
			password: '={{ $json.password }}',
		},
		specs.map((spec) => ({
			type: spec.type ?? 'cloud',
			title: spec.title,
			server: spec.server ?? 'sip.example.com',
			password: spec.password ?? 'secret-pass',
		})),
	);
	if (run.failure) throw run.failure;
	return run.json;
}

export function triggerNode(parameters: INodeParameters, name = TRIGGER): INode {
	return {
		id: 'trigger',
		name,
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { bitrix24WebhookApi: { id: 'cred', name: 'Bitrix24 sandbox' } },
	};
}

/** A poll runner for the trigger against the portal, starting from the given static data. */
export function triggerRunner(
	portal: TestPortal,
	parameters: INodeParameters,
	staticData: IDataObject = {},
	webhookUrl = portal.webhookUrl,
): PollRunner {
	return new PollRunner(
		sharedEngine(),
		triggerNode(parameters),
		{ bitrix24WebhookApi: { webhookUrl } },
		staticData,
	);
}

/**
 * The trigger run through the engine as the editor's Fetch Test Event runs it (manual mode, a
 * one-node workflow), returning its items as JSON; the run's error fails the caller's test.
 */
export async function fetchTestEvent(
	portal: TestPortal,
	parameters: INodeParameters,
): Promise<IDataObject[]> {
	const run = await sharedEngine().run(
		{ id: 'wf', nodes: [triggerNode(parameters)], connections: {} },
		{ credentials: { bitrix24WebhookApi: { webhookUrl: portal.webhookUrl } } },
	);
	if (run.error) throw run.error;
	return run.output(TRIGGER).map((item) => item.json);
}

/** A date `days` from today (UTC) as Bitrix24 writes PAID_DATE_END. */
export function dateInDays(days: number): string {
	const now = new Date();
	return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days))
		.toISOString()
		.slice(0, 10);
}

/** A moment `hours` ago. */
export function hoursAgo(hours: number): Date {
	return new Date(Date.now() - hours * 3_600_000);
}

/**
 * `count` finished calls of one kind: the first `failures` entries' codes (each [code, how many])
 * in turn, then successful calls for the rest. Each starts a little earlier than the one before,
 * within the last half hour unless `startedAt` says otherwise.
 */
export function callSpecs(
	base: CallSpec,
	count: number,
	failures: Array<[string, number]> = [],
): CallSpec[] {
	const codes = failures.flatMap(([code, times]) => Array<string>(times).fill(code));
	if (codes.length > count) throw new Error('more failures than calls');
	return Array.from({ length: count }, (_, index) => ({
		startedAt: hoursAgo(0.5 * (index / Math.max(count, 1))),
		...base,
		code: codes[index] ?? '200',
	}));
}

/** Puts the calls into the sandbox's history, one after another (their IDs in this order). */
export async function placeCalls(portal: TestPortal, specs: CallSpec[]): Promise<void> {
	for (const spec of specs) await portal.sandbox.placeCall(spec);
}

/** One voximplant.statistic.get the node sent: its parameters and which request (log index) carried it. */
export interface StatisticCall {
	request: number;
	inBatch: boolean;
	params: Record<string, unknown>;
}

/** Every voximplant.statistic.get in the sandbox's log, plain or inside a batch, in order. */
export function statisticCalls(portal: TestPortal): StatisticCall[] {
	return portal.sandbox.log.flatMap((entry, request): StatisticCall[] => {
		if (entry.batchCommands) {
			return entry.batchCommands
				.filter((command) => command.restMethod === 'voximplant.statistic.get')
				.map((command) => ({ request, inBatch: true, params: command.params }));
		}
		return entry.restMethod === 'voximplant.statistic.get'
			? [{ request, inBatch: false, params: entry.params }]
			: [];
	});
}
