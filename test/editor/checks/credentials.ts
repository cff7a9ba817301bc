/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-hardcoded-secrets -- test tooling (with a made-up wrong webhook code), not code shipped to n8n */
/**
 * The credential made through the UI (Credentials → Create → "Bitrix24 Webhook API"): the dialog's
 * connection test passes with the sandbox's webhook and fails, without showing either secret, with
 * a wrong one.
 */
import path from 'node:path';

import type { EditorContext } from '../context';
import { until } from '../../n8n/instance';

/** An element in the page, as much of it as these functions read. */
interface PageText {
	innerText: string;
	value?: string;
	checkVisibility: () => boolean;
}

const MODAL = '[data-test-id="editCredential-modal"]';
const SUCCESS = /Connection tested successfully/i;
const FAILURE = /Couldn.t connect/i;

async function createCredential(context: EditorContext, webhookUrl: string): Promise<string> {
	const { editor } = context;
	const page = editor.page;
	await page.goto(`${editor.baseUrl}/home/credentials/create`, { waitUntil: 'domcontentloaded' });
	const search = '[data-test-id="new-credential-type-select"] input';
	await page.waitForSelector(search, { visible: true });
	const option = '[data-test-id="new-credential-type-select-option"]';
	const shownOptions = async () =>
		await page.$$eval(option, (options) =>
			options
				.filter((o) => (o as PageText).checkVisibility())
				.map((o) => (o as PageText).innerText.trim()),
		);
	// the list fills in and moves while the page loads: a click can land on another entry, so
	// each attempt checks what the select took
	let chosen = '';
	for (let attempt = 0; attempt < 3 && chosen !== 'Bitrix24 Webhook API'; attempt++) {
		await page.click(search);
		await page.keyboard.down('Control');
		await page.keyboard.press('a');
		await page.keyboard.up('Control');
		await page.keyboard.press('Backspace');
		await page.type(search, 'Bitrix24 Webhook API', { delay: 20 });
		await until(async () => (await shownOptions())[0] === 'Bitrix24 Webhook API', 5_000);
		await editor.pause(300);
		const entry = await editor.byText(option, 'Bitrix24 Webhook API');
		if (!entry) continue;
		await entry.hover();
		await entry.click();
		await until(async () => (await shownOptions()).length === 0, 3_000);
		chosen = await page.$eval(search, (input) => (input as PageText).value ?? '');
	}
	if (chosen !== 'Bitrix24 Webhook API')
		throw new Error(
			`the dialog chose "${chosen}" instead of "Bitrix24 Webhook API"; the list showed ${(await shownOptions()).join(', ')}`,
		);
	await page.click('[data-test-id="new-credential-type-button"]');
	const field = `${MODAL} [data-test-id="parameter-input-webhookUrl"] input`;
	await page.waitForSelector(field, { visible: true }).catch(async (error: Error) => {
		await editor.screenshot(path.join(context.shots, 'credential-dialog-did-not-open.png'), 'body');
		throw error;
	});
	await page.click(field);
	await page.type(field, webhookUrl);
	// n8n takes the typed value after a short debounce; a Save right after the last key tests a cut-off URL
	await page.keyboard.press('Tab');
	await editor.pause(600);
	await page.click(`${MODAL} [data-test-id="credential-save-button"]`);
	await until(async () => {
		const text = await editor.textOf(MODAL);
		return SUCCESS.test(text) || FAILURE.test(text);
	}, 20_000);
	// the reason sits behind "More details"
	const details = await editor.byText(`${MODAL} a, ${MODAL} span, ${MODAL} button`, 'More details');
	if (details) {
		await details.click();
		await editor.pause(300);
	}
	return await editor.textOf(MODAL);
}

export async function credentialChecks(context: EditorContext): Promise<void> {
	const { editor, checks, shots, sandbox, secret } = context;
	const wrongSecret = 'wrongsecret12345';
	await checks.group('the credential dialog with the sandbox webhook', async () => {
		const text = await createCredential(context, sandbox.webhook.url);
		await editor.screenshot(path.join(shots, 'credential-good.png'), MODAL);
		checks.that(
			'a working webhook: the dialog says the connection was tested successfully',
			SUCCESS.test(text) && !FAILURE.test(text),
			text,
		);
		checks.that(
			'a working webhook: the dialog does not show the secret',
			!text.includes(secret),
			text,
		);
	});
	await checks.group('the credential dialog with a wrong secret', async () => {
		const text = await createCredential(context, sandbox.webhook.url.replace(secret, wrongSecret));
		await editor.screenshot(path.join(shots, 'credential-wrong-secret.png'), MODAL);
		checks.that(
			'a wrong secret: the dialog shows an error',
			FAILURE.test(text) && !SUCCESS.test(text),
			text,
		);
		checks.that(
			'a wrong secret: the dialog shows neither secret',
			!text.includes(secret) && !text.includes(wrongSecret),
			text,
		);
	});
}
