/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling, not code shipped to n8n */
/** Line → Get Many run from its panel ("Execute step"): one row per line of the portal, no cell reading "undefined". */
import path from 'node:path';

import type { EditorContext } from '../context';
import { SIMPLIFIED_LINE_COLUMNS } from '../expected';
import { createWorkflow, NODE_ID } from '../workflows';

export async function executeChecks(context: EditorContext): Promise<void> {
	const { n8n, editor, checks, shots, sandbox } = context;
	for (const version of context.sipVersions) {
		const tag = `Line → Get Many executed in the editor (v${version})`;
		await checks.group(tag, async () => {
			const workflowId = await createWorkflow(n8n, `editor ${tag}`, 'bitrix24Sip', version, {
				resource: 'line',
				operation: 'getMany',
			});
			await editor.openNode(workflowId, NODE_ID);
			const page = editor.page;
			await page.click('[data-test-id="node-execute-button"]');
			const table = '[data-test-id="output-panel"] table';
			await page.waitForSelector(table, { visible: true, timeout: 30_000 });
			await editor.screenshot(
				path.join(shots, `bitrix24Sip-line-getMany-executed-v${version}.png`),
			);
			const { headers, rows } = await page.$eval(table, (element) => {
				const text = (cell: unknown) => (cell as { innerText: string }).innerText.trim();
				const root = element as unknown as {
					querySelectorAll: (selector: string) => ArrayLike<unknown>;
				};
				const rows = Array.from(root.querySelectorAll('tbody tr')).map((row) =>
					Array.from((row as typeof root).querySelectorAll('td')).map(text),
				);
				return { headers: Array.from(root.querySelectorAll('thead th')).map(text), rows };
			});
			const expected = sandbox.lines().length;
			checks.that(
				`${tag}: one row per line of the portal (${expected})`,
				rows.length === expected,
				{ headers, rows },
			);
			// n8n's table writes "undefined" where a row lacks a key that other rows have
			const undefinedCells = rows.flatMap((row, index) =>
				row.flatMap((cell, column) =>
					/\bundefined\b/.test(cell)
						? [{ row, index, header: headers[column] || `column ${column + 1}`, cell }]
						: [],
				),
			);
			const describe = (found: typeof undefinedCells) =>
				found.map(({ index, header, cell }) => `row ${index + 1}, ${header}: ${cell}`);
			if (version >= 2) {
				checks.that(
					`${tag}: no cell reads "undefined"`,
					undefinedCells.length === 0,
					describe(undefinedCells),
				);
			} else {
				// version 1 keeps Bitrix24's rows byte for byte, and a cloud row has no INCOMING_* while an
				// office row has no REG_ID: n8n shows those gaps as "undefined" (why version 2 simplifies).
				// Anything else reading "undefined" would be a value the node put out.
				const typeColumn = headers.indexOf('TYPE');
				const lacks: Record<string, string[]> = {
					cloud: ['INCOMING_SERVER', 'INCOMING_LOGIN'],
					office: ['REG_ID'],
				};
				const unexplained = undefinedCells.filter(
					({ row, header }) => !(lacks[row[typeColumn]] ?? []).includes(header),
				);
				checks.that(
					`${tag}: "undefined" only where a row lacks a field another row has`,
					unexplained.length === 0,
					describe(unexplained),
				);
			}
			if (version >= 2) {
				const named = headers.filter((header) => header !== '');
				const same =
					named.length === SIMPLIFIED_LINE_COLUMNS.length &&
					SIMPLIFIED_LINE_COLUMNS.every((column) => named.includes(column));
				checks.that(
					`${tag}: the simplified columns are ${SIMPLIFIED_LINE_COLUMNS.join(', ')}`,
					same,
					named,
				);
			}
		});
	}
}
