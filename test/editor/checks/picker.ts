/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling, not code shipped to n8n */
/** The Line picker of Line → Get: its entries say each line's type and registration, and a click picks the line. */
import path from 'node:path';

import type { EditorContext } from '../context';
import { until } from '../../n8n/instance';
import { createWorkflow, NODE_ID } from '../workflows';

export async function pickerChecks(context: EditorContext): Promise<void> {
	const { n8n, editor, checks, shots, sandbox, lines } = context;
	const version = Math.max(...context.sipVersions);
	const tag = `Line picker (Line → Get, v${version})`;
	await checks.group(tag, async () => {
		const workflowId = await createWorkflow(n8n, `editor ${tag}`, 'bitrix24Sip', version, {
			resource: 'line',
			operation: 'get',
		});
		await editor.openNode(workflowId, NODE_ID);
		const page = editor.page;
		const input = '[data-test-id="resource-locator-configId"] [data-test-id="rlc-input"]';
		await page.click(input);
		const listed = await until(
			async () => (await page.$$('[data-test-id="rlc-item"]')).length >= sandbox.lines().length,
			15_000,
		);
		await editor.screenshot(
			path.join(shots, `bitrix24Sip-line-get-picker-v${version}.png`),
			'body',
		);
		const entries = await page.$$eval('[data-test-id="rlc-item"]', (items) =>
			items.map((item) => (item as unknown as { innerText: string }).innerText.trim()),
		);
		checks.that(
			`${tag}: lists one entry per line of the portal`,
			listed && entries.length === sandbox.lines().length,
			entries,
		);

		for (const line of [lines.registered, lines.failing, lines.office]) {
			const entry = entries.find((text) => text.startsWith(line.title));
			const type = line.type === 'office' ? 'Office PBX' : 'Cloud PBX';
			checks.that(
				`${tag}: "${line.title}" shows its type (${type})`,
				entry?.includes(type) === true,
				entry ?? entries,
			);
			if (line.type === 'cloud') {
				const registered = line === lines.registered;
				const ok = registered
					? /\bregistered\b/.test(entry ?? '') && !/not registered/.test(entry ?? '')
					: /not registered/.test(entry ?? '');
				checks.that(
					`${tag}: "${line.title}" shows its registration (${registered ? 'registered' : 'not registered'})`,
					ok,
					entry ?? entries,
				);
			}
		}

		const wanted = lines.registered;
		const item = await editor.byText('[data-test-id="rlc-item"]', (text: string) =>
			text.startsWith(wanted.title),
		);
		if (
			!checks.that(
				`${tag}: the entry of "${wanted.title}" can be clicked`,
				item !== undefined,
				entries,
			)
		)
			return;
		await item!.click();
		const shown = await until(
			async () =>
				(
					await page.$eval(input, (field) => (field as unknown as { value: string }).value)
				).startsWith(wanted.title),
			5_000,
		);
		const value = await page.$eval(input, (field) => (field as unknown as { value: string }).value);
		checks.that(`${tag}: the field shows the picked line`, shown, value);
		// what the field holds is what gets saved: save as a user does (Ctrl+S) and read the workflow back
		await page.keyboard.down('Control');
		await page.keyboard.press('s');
		await page.keyboard.up('Control');
		let saved: unknown;
		await until(async () => {
			const answer = await n8n.rest('GET', `/rest/workflows/${workflowId}`);
			saved = (answer.json as { data?: { nodes?: Array<{ parameters: Record<string, unknown> }> } })
				.data?.nodes?.[0]?.parameters.configId;
			return (saved as { value?: string } | undefined)?.value === String(wanted.configId);
		}, 10_000);
		checks.that(
			`${tag}: the saved node holds the picked line's id (${wanted.configId})`,
			(saved as { value?: string } | undefined)?.value === String(wanted.configId),
			saved,
		);
	});
}
