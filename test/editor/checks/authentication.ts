/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling, not code shipped to n8n */
/**
 * Authentication as n8n 2.x offers it. n8n takes a node's "authentication" parameter (the one its
 * credentials' displayOptions name) out of the Parameters list and into the credential slot: the
 * slot lists credentials of both types, picking one sets Authentication, and "Create new
 * credential" asks which one to make. So "switch Authentication to OAuth2 Application" is, for a
 * user, choosing it there, after which the node asks for a Bitrix24 OAuth2 API credential.
 */
import path from 'node:path';

import type { EditorContext } from '../context';
import { AUTHENTICATION_OPTIONS, OAUTH2_DIALOG } from '../expected';
import { until } from '../../n8n/instance';
import { CREDENTIAL, CREDENTIAL_NAME } from '../setup';
import { createWorkflow, NODE_ID } from '../workflows';
import { MODAL } from './credentials';

const SLOT = '[data-test-id="node-credentials-select"]';
const SLOT_ITEM = '[data-test-id^="node-credentials-select-item-"]';
const MODE = `${MODAL} [data-test-id="credential-mode-dropdown-trigger"]`;

interface SavedNode {
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
}

export async function authenticationChecks(context: EditorContext): Promise<void> {
	const { n8n, editor, checks, shots } = context;
	const page = editor.page;
	const version = Math.max(...context.sipVersions);
	const open = async (title: string): Promise<string> => {
		const workflowId = await createWorkflow(n8n, `editor ${title}`, 'bitrix24Sip', version, {
			resource: 'line',
			operation: 'getMany',
		});
		await editor.openNode(workflowId, NODE_ID);
		return workflowId;
	};
	const slotItems = async (): Promise<string[]> =>
		await page.$$eval(SLOT_ITEM, (items) =>
			items
				.filter((item) => (item as unknown as { checkVisibility: () => boolean }).checkVisibility())
				.map((item) => (item as unknown as { innerText: string }).innerText.trim()),
		);

	const made = `Bitrix24 SIP v${version}: a new credential from the slot, as OAuth2 Application`;
	await checks.group(made, async () => {
		await open(made);
		await page.click(`${SLOT} input`);
		await until(async () => (await slotItems()).length > 0, 5_000);
		await page.click('[data-test-id="node-credentials-select-item-new"]');
		await page.waitForSelector(`${MODAL} [data-test-id="parameter-input-webhookUrl"]`, {
			visible: true,
		});
		const trigger = await page.$(MODE);
		if (!checks.that(`${made}: the new credential dialog asks which Authentication`, !!trigger))
			return;
		await trigger!.click();
		const choices = await until(
			async () =>
				(
					await Promise.all(
						AUTHENTICATION_OPTIONS.map(
							async (name) => await editor.byText('[role^="menuitem"]', name),
						),
					)
				).every((found) => found !== undefined),
			5_000,
		);
		await editor.screenshot(path.join(shots, 'authentication-choices.png'), 'body');
		checks.that(
			`${made}: it offers ${AUTHENTICATION_OPTIONS.join(' and ')}`,
			choices,
			await editor.textOf('body'),
		);
		const oAuth2 = await editor.byText('[role^="menuitem"]', AUTHENTICATION_OPTIONS[1]);
		if (!oAuth2) return;
		await oAuth2.click();
		const asked = await until(
			async () => (await page.$(`${MODAL} [data-test-id="parameter-input-portal"]`)) !== null,
			10_000,
		);
		await editor.screenshot(path.join(shots, 'authentication-oauth2-dialog.png'), MODAL);
		const dialog = await editor.readDialog(MODAL);
		checks.that(
			`${made}: choosing ${AUTHENTICATION_OPTIONS[1]} asks for a ${OAUTH2_DIALOG.type} credential`,
			asked && dialog.text.includes(OAUTH2_DIALOG.type) && 'portal' in dialog.fields,
			dialog,
		);
		checks.that(
			`${made}: and no longer for the webhook (no Webhook URL)`,
			!('webhookUrl' in dialog.fields) && !dialog.labels.includes('Webhook URL'),
			dialog.labels,
		);
	});

	const picked = `Bitrix24 SIP v${version}: picking the OAuth2 credential in the slot`;
	await checks.group(picked, async () => {
		const workflowId = await open(picked);
		await page.click(`${SLOT} input`);
		await until(async () => (await slotItems()).length > 0, 5_000);
		const items = await slotItems();
		await editor.screenshot(path.join(shots, 'authentication-slot.png'), 'body');
		const listed = [CREDENTIAL_NAME.bitrix24, CREDENTIAL_NAME.oAuth2];
		checks.that(
			`${picked}: the slot lists the webhook and the OAuth2 credential`,
			listed.every((name) => items.some((item) => item.startsWith(name))),
			items,
		);
		const item = await editor.byText(SLOT_ITEM, (text: string) =>
			text.startsWith(CREDENTIAL_NAME.oAuth2),
		);
		if (!item) return;
		await item.click();
		await editor.pause(500);
		await page.keyboard.down('Control');
		await page.keyboard.press('s');
		await page.keyboard.up('Control');
		let node: SavedNode | undefined;
		await until(async () => {
			const answer = await n8n.rest('GET', `/rest/workflows/${workflowId}`);
			node = (answer.json as { data?: { nodes?: SavedNode[] } }).data?.nodes?.[0];
			return node?.parameters.authentication === 'oAuth2';
		}, 10_000);
		checks.that(
			`${picked}: the saved node has Authentication OAuth2 Application and only that credential`,
			node?.parameters.authentication === 'oAuth2' &&
				node.credentials?.bitrix24OAuth2Api?.id === CREDENTIAL.oAuth2 &&
				node.credentials.bitrix24WebhookApi === undefined,
			node,
		);
	});
}
