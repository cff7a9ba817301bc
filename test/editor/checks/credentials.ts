/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-hardcoded-secrets -- test tooling (with a made-up wrong webhook code), not code shipped to n8n */
/**
 * The credential made through the UI (Credentials → Create → "Bitrix24 Webhook API"): the dialog's
 * connection test passes with the sandbox's webhook and fails, without showing either secret, with
 * a wrong one. Then the "Bitrix24 OAuth2 API" dialog as it opens: the fields a user fills, the
 * redirect address to give Bitrix24, nothing of what the credential fixes itself. Connecting it
 * (the OAuth flow) is the real-n8n test's part.
 */
import path from 'node:path';

import type { EditorContext } from '../context';
import { NOTICE_MAX, OAUTH2_DIALOG, TOOLTIP_MAX } from '../expected';
import { until } from '../../n8n/instance';

/** An element in the page, as much of it as these functions read. */
interface PageText {
	innerText: string;
	value?: string;
	checkVisibility: () => boolean;
}

export const MODAL = '[data-test-id="editCredential-modal"]';
const SUCCESS = /Connection tested successfully/i;
const FAILURE = /Couldn.t connect/i;

/**
 * Credentials → Create → `typeName` → Continue; resolves once the dialog shows the field
 * `firstField` (a parameter name of that type).
 */
export async function openNewCredential(
	context: EditorContext,
	typeName: string,
	firstField: string,
): Promise<void> {
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
	for (let attempt = 0; attempt < 3 && chosen !== typeName; attempt++) {
		await page.click(search);
		await page.keyboard.down('Control');
		await page.keyboard.press('a');
		await page.keyboard.up('Control');
		await page.keyboard.press('Backspace');
		await page.type(search, typeName, { delay: 20 });
		await until(async () => (await shownOptions())[0] === typeName, 5_000);
		await editor.pause(300);
		const entry = await editor.byText(option, typeName);
		if (!entry) continue;
		await entry.hover();
		await entry.click();
		await until(async () => (await shownOptions()).length === 0, 3_000);
		chosen = await page.$eval(search, (input) => (input as PageText).value ?? '');
	}
	if (chosen !== typeName)
		throw new Error(
			`the dialog chose "${chosen}" instead of "${typeName}"; the list showed ${(await shownOptions()).join(', ')}`,
		);
	await page.click('[data-test-id="new-credential-type-button"]');
	const field = `${MODAL} [data-test-id="parameter-input-${firstField}"]`;
	await page.waitForSelector(field, { visible: true }).catch(async (error: Error) => {
		await editor.screenshot(path.join(context.shots, 'credential-dialog-did-not-open.png'), 'body');
		throw error;
	});
}

async function createCredential(context: EditorContext, webhookUrl: string): Promise<string> {
	const { editor } = context;
	const page = editor.page;
	await openNewCredential(context, 'Bitrix24 Webhook API', 'webhookUrl');
	const field = `${MODAL} [data-test-id="parameter-input-webhookUrl"] input`;
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
	await oAuth2DialogChecks(context);
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

async function oAuth2DialogChecks(context: EditorContext): Promise<void> {
	const { editor, checks, shots } = context;
	const tag = `the ${OAUTH2_DIALOG.type} credential dialog`;
	await checks.group(tag, async () => {
		await openNewCredential(context, OAUTH2_DIALOG.type, 'portal');
		await editor.pause(500);
		await editor.screenshot(path.join(shots, 'credential-oauth2.png'), MODAL);
		const dialog = await editor.readDialog(MODAL);
		checks.that(
			`${tag}: shows the notice that an application sees only its own lines`,
			dialog.notices.some((notice) => OAUTH2_DIALOG.notice.test(notice)),
			dialog.notices,
		);
		const missing = OAUTH2_DIALOG.labels.filter((label) => !dialog.labels.includes(label));
		checks.that(`${tag}: shows ${OAUTH2_DIALOG.labels.join(', ')}`, missing.length === 0, {
			missing,
			shown: dialog.labels,
		});
		checks.that(
			`${tag}: Token URL opens with ${OAUTH2_DIALOG.tokenUrl}`,
			dialog.fields.accessTokenUrl === OAUTH2_DIALOG.tokenUrl,
			dialog.fields,
		);
		const hiddenShown = [
			...OAUTH2_DIALOG.hiddenFields.filter((name) => name in dialog.fields),
			...OAUTH2_DIALOG.hiddenLabels.filter((label) => dialog.labels.includes(label)),
		];
		checks.that(
			`${tag}: shows no ${OAUTH2_DIALOG.hiddenLabels.join(', ')}`,
			hiddenShown.length === 0,
			{ shown: hiddenShown, labels: dialog.labels, fields: Object.keys(dialog.fields) },
		);
		// the address Bitrix24 must redirect to is n8n's own: what its settings say it is
		const settings = await editor.rest('GET', '/rest/settings');
		const callback = (settings.json as { data?: { oauthCallbackUrls?: { oauth2?: string } } }).data
			?.oauthCallbackUrls?.oauth2;
		const redirect = dialog.copyFields.find((field) => field.label === 'OAuth Redirect URL');
		checks.that(
			`${tag}: shows the OAuth Redirect URL n8n takes the code at (${callback})`,
			callback !== undefined && redirect?.value === callback,
			{ shown: dialog.copyFields, settings: callback },
		);
		const longNotices = dialog.notices.filter((notice) => notice.length > NOTICE_MAX);
		checks.that(
			`${tag}: notices at most ${NOTICE_MAX} characters`,
			longNotices.length === 0,
			longNotices.map((notice) => `${notice.length}: ${notice}`),
		);
		const tooltips = await editor.labelTooltips(MODAL);
		const undescribed = OAUTH2_DIALOG.withTooltip.filter(
			(label) => !tooltips.some((tip) => tip.label === label && tip.text !== ''),
		);
		checks.that(
			`${tag}: ${OAUTH2_DIALOG.withTooltip.join(', ')} explain themselves in a tooltip`,
			undescribed.length === 0,
			{ undescribed, read: tooltips },
		);
		const silent = tooltips.filter((tip) => tip.text === '').map((tip) => tip.label);
		checks.that(`${tag}: every help icon opens its tooltip`, silent.length === 0, silent);
		const longTips = tooltips.filter((tip) => tip.text.length > TOOLTIP_MAX);
		checks.that(
			`${tag}: tooltips at most ${TOOLTIP_MAX} characters`,
			longTips.length === 0,
			longTips.map((tip) => `${tip.label} (${tip.text.length}): ${tip.text}`),
		);
		// n8n offers its Connect button once what the authorize address needs is filled in
		await fill(context, 'portal', context.sandbox.baseUrl);
		await fill(context, 'clientId', 'local.editor.test');
		await fill(context, 'clientSecret', 'editor-test-client-secret');
		const connect = await until(
			async () =>
				(await editor.byText(
					`${MODAL} [data-test-id="oauth-not-connected-banner"] button, ${MODAL} [data-test-id="quick-connect-button"]`,
					(text: string) => /connect/i.test(text),
				)) !== undefined,
			5_000,
		);
		await editor.screenshot(path.join(shots, 'credential-oauth2-filled.png'), MODAL);
		checks.that(
			`${tag}: offers a Connect button once Portal Address, Client ID and Client Secret are filled`,
			connect,
			await editor.textOf(MODAL),
		);
	});
}

async function fill(context: EditorContext, name: string, value: string): Promise<void> {
	const page = context.editor.page;
	const field = `${MODAL} [data-test-id="parameter-input-${name}"] input`;
	await page.click(field);
	await page.type(field, value);
	await page.keyboard.press('Tab');
	await context.editor.pause(600);
}
