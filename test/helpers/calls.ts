/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling, not code shipped to n8n */
import path from 'node:path';

import { CredentialTestContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	IDataObject,
	INode,
	INodeCredentialTestResult,
	INodeParameters,
} from 'n8n-workflow';

import type { WebhookHarnessOptions } from '../harness/webhook';
import { WebhookHarness } from '../harness/webhook';
import { buildQuery } from '../sandbox';
import type { TestPortal } from './portal';
import { sharedEngine } from './portal';

export const CALL_TRIGGER_TYPE = 'n8n-nodes-bitrix24-sip.bitrix24SipCallTrigger';
export const CALL_TRIGGER = 'Bitrix24 SIP Call Trigger';

/** An application token of the form Bitrix24 issues (32 lower-case letters and digits); "dummy" tells the secrets lint it is none. */
export const APP_TOKEN = 'dummyq8w2e4r6t8y0u1i3o5p7a9s2d4f';

export function callTriggerNode(parameters: INodeParameters, withLookupCredential = true): INode {
	return {
		id: 'call-trigger',
		name: CALL_TRIGGER,
		type: CALL_TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId: 'c0ffee00-0000-4000-8000-000000000001',
		parameters,
		credentials: {
			bitrix24OutgoingWebhookApi: { id: 'token', name: 'Bitrix24 outgoing webhook' },
			...(withLookupCredential
				? { bitrix24WebhookApi: { id: 'cred', name: 'Bitrix24 sandbox' } }
				: {}),
		},
	};
}

export interface CallTriggerOptions {
	token?: string;
	/** the inbound webhook URL for Look Up Lines; default the portal's */
	webhookUrl?: string;
	mode?: WebhookHarnessOptions['mode'];
}

/** The call trigger served on its own HTTP server, against the portal for its line lookups. */
export async function startCallTrigger(
	portal: TestPortal,
	parameters: INodeParameters,
	options: CallTriggerOptions = {},
): Promise<WebhookHarness> {
	const credentials: Record<string, ICredentialDataDecryptedObject> = {
		bitrix24OutgoingWebhookApi: { applicationToken: options.token ?? APP_TOKEN },
		bitrix24WebhookApi: { webhookUrl: options.webhookUrl ?? portal.webhookUrl },
	};
	return await WebhookHarness.start(sharedEngine(), callTriggerNode(parameters), {
		credentials,
		mode: options.mode,
	});
}

export interface EventEnvelope {
	event?: string;
	token?: string | null;
	ts?: number | string;
	handlerId?: number;
	domain?: string;
}

/**
 * A delivery's body as Bitrix24 builds it: http_build_query of event, event_handler_id, data, ts
 * and auth (docs/bitrix24-behaviour.md#delivery-format); null values are left out, as PHP does.
 */
export function eventBody(data: Record<string, unknown>, envelope: EventEnvelope = {}): string {
	const token = envelope.token === undefined ? APP_TOKEN : envelope.token;
	return buildQuery({
		event: envelope.event ?? 'ONVOXIMPLANTCALLEND',
		event_handler_id: envelope.handlerId ?? 17,
		data,
		ts: envelope.ts ?? 1773239326,
		auth: {
			domain: envelope.domain ?? 'portal.example.bitrix24.com',
			client_endpoint: 'https://portal.example.bitrix24.com/rest/',
			server_endpoint: 'https://oauth.bitrix.info/rest/',
			member_id: 'a223c6b3710f85df22e9377d6c4f7553',
			...(token === null ? {} : { application_token: token }),
		},
	});
}

let callCounter = 0;

/** CallEnd data as CVoxImplantHistory::sendCallEndEvent builds it (docs/bitrix24-behaviour.md#call-end); overrides win, null drops a key. */
export function callEndData(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	callCounter++;
	return {
		CALL_ID: `externalCall.${String(callCounter).padStart(4, '0')}d3f1a2b4c5e6f7a8b9c0.1773239326`,
		CALL_TYPE: 1,
		PHONE_NUMBER: '+74951112233',
		PORTAL_NUMBER: 'reg151082',
		PORTAL_USER_ID: 1,
		CALL_DURATION: 65,
		CALL_START_DATE: '2026-03-11T17:28:46+03:00',
		COST: 0.52,
		COST_CURRENCY: 'RUB',
		CALL_FAILED_CODE: '200',
		CALL_FAILED_REASON: 'The call was successful',
		CRM_ACTIVITY_ID: 4711,
		...overrides,
	};
}

/** The credential's Test button for the outgoing-webhook token, as n8n calls it. */
export async function testTokenCredential(
	data: ICredentialDataDecryptedObject,
): Promise<INodeCredentialTestResult> {
	const node = sharedEngine().loaded.nodes[CALL_TRIGGER_TYPE];
	const credentialTest = node.methods?.credentialTest?.bitrix24OutgoingWebhookTokenTest;
	if (!credentialTest)
		throw new Error('the call trigger does not offer bitrix24OutgoingWebhookTokenTest');
	const context = new CredentialTestContext() as unknown as ICredentialTestFunctions;
	return await credentialTest.call(context, {
		id: '1',
		name: 'Bitrix24 outgoing webhook',
		type: 'bitrix24OutgoingWebhookApi',
		data,
	});
}

/** The json of every run's items, in the order the runs finished. */
export function runItems(harness: WebhookHarness): IDataObject[] {
	return harness.runs.flatMap((run) => run.json);
}

/**
 * Everything n8n's Logger (what `this.logger` is in n8n-core's contexts) writes, as text, until
 * stop() is called. Levels below the configured one are no-ops n8n never writes (debug by default).
 */
export function captureLogs(): { lines: string[]; stop(): void } {
	const corePath = path.dirname(require.resolve('n8n-core/package.json'));
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Container } = require(require.resolve('@n8n/di', { paths: [corePath] })) as {
		Container: { get<T>(type: new (...args: never[]) => T): T };
	};
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Logger } = require(require.resolve('@n8n/backend-common', { paths: [corePath] })) as {
		Logger: new (...args: never[]) => { log(level: string, message: string, meta?: object): void };
	};
	const logger = Container.get(Logger);
	const lines: string[] = [];
	const spy = jest
		.spyOn(logger, 'log')
		.mockImplementation((level: string, message: string, meta?: object) => {
			lines.push(`${level}: ${message} ${meta ? JSON.stringify(meta) : ''}`);
		});
	return { lines, stop: () => spy.mockRestore() };
}
