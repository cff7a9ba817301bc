/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling, not code shipped to n8n */
/**
 * Every panel as it opens: the fields it shows, no raw expression braces or "undefined" as text,
 * short tooltips and notices, and no required field that is empty yet counts as filled.
 */
import path from 'node:path';

import type { EditorContext } from '../context';
import type { PanelCase } from '../expected';
import { NOTICE_MAX, PACKAGE, TOOLTIP_MAX } from '../expected';
import type { ServedNodeType } from '../workflows';
import { createWorkflow, NODE_ID, shownProperties } from '../workflows';

export function caseTag(panel: PanelCase): string {
	return `${panel.node} v${panel.version} ${panel.resource}/${panel.operation}`;
}

function parametersOf(panel: PanelCase): Record<string, unknown> {
	const own =
		panel.node === 'bitrix24Sip' ? { resource: panel.resource, operation: panel.operation } : {};
	return { ...own, ...panel.parameters };
}

/** What reads as a leak of code or of an unset value when it shows as plain text. */
const PLAIN_TEXT_PROBLEMS: Array<[RegExp, string]> = [
	[/\{\{|\}\}/, 'a raw {{ or }}'],
	[/\bundefined\b/, '"undefined"'],
	[/\bnull\b/, '"null"'],
	[/\[object Object\]/, '"[object Object]"'],
];

export async function panelChecks(
	context: EditorContext,
	panels: PanelCase[],
	types: ServedNodeType[],
): Promise<void> {
	const { n8n, editor, checks, shots } = context;
	for (const panel of panels) {
		const tag = caseTag(panel);
		await checks.group(tag, async () => {
			const parameters = parametersOf(panel);
			const workflowId = await createWorkflow(
				n8n,
				`editor ${tag}`,
				panel.node,
				panel.version,
				parameters,
			);
			await editor.openNode(workflowId, NODE_ID);
			await editor.screenshot(
				path.join(
					shots,
					`${panel.node}-${panel.resource}-${panel.operation}-v${panel.version}.png`,
				),
			);
			const reading = await editor.readPanel();

			const missing = panel.labels.filter((label) => !reading.labels.includes(label));
			const extra = reading.labels.filter((label) => !panel.labels.includes(label));
			checks.that(`${tag}: shows exactly its fields`, missing.length === 0 && extra.length === 0, {
				missing,
				'not belonging': extra,
				shown: reading.labels,
			});
			// n8n shows the fields in the order of the description: Authentication first, as the issue asks
			if (missing.length === 0 && extra.length === 0)
				checks.that(
					`${tag}: shows its fields in order (${panel.labels[0]} first)`,
					panel.labels.every((label, index) => reading.labels[index] === label),
					{ expected: panel.labels, shown: reading.labels },
				);

			for (const [pattern, what] of PLAIN_TEXT_PROBLEMS) {
				const lines = reading.plainText.split('\n').filter((line) => pattern.test(line));
				checks.that(`${tag}: no ${what} as plain text`, lines.length === 0, lines);
			}

			for (const label of panel.expressionFields ?? []) {
				const shown = reading.parameters.find((parameter) => parameter.label === label);
				checks.that(
					`${tag}: "${label}" opens as an expression`,
					shown?.isExpression === true,
					shown ?? `no field "${label}"`,
				);
			}

			const longNotices = reading.notices.filter((notice) => notice.length > NOTICE_MAX);
			checks.that(
				`${tag}: notices and hints at most ${NOTICE_MAX} characters`,
				longNotices.length === 0,
				longNotices.map((notice) => `${notice.length}: ${notice}`),
			);

			// required as n8n itself knows it: the node type it serves to the editor
			const type = types.find((candidate) => candidate.name === `${PACKAGE}.${panel.node}`);
			const required = new Set(
				type
					? shownProperties(type, panel.version, parameters)
							.filter((property) => property.required)
							.map((property) => property.name)
					: [],
			);
			const falselyFilled = reading.parameters
				.filter(
					(parameter) =>
						required.has(parameter.name) && !parameter.isExpression && !parameter.hasIssues,
				)
				.filter((parameter) => panel.keptDefaults?.[parameter.label] === undefined)
				.filter(
					(parameter) => parameter.value === '' || (parameter.isNumber && parameter.value === '0'),
				)
				.map(
					(parameter) =>
						`${parameter.label}: shows ${parameter.value === '' ? 'nothing' : parameter.value} and no "parameter issues" marker`,
				);
			checks.that(
				`${tag}: every empty required field is marked as unfilled`,
				falselyFilled.length === 0,
				falselyFilled,
			);

			const tooltips = await editor.tooltips();
			const silent = tooltips.filter((tip) => tip.text === '').map((tip) => tip.label);
			checks.that(`${tag}: every help icon opens its tooltip`, silent.length === 0, silent);
			const longTips = tooltips.filter((tip) => tip.text.length > TOOLTIP_MAX);
			checks.that(
				`${tag}: tooltips at most ${TOOLTIP_MAX} characters`,
				longTips.length === 0,
				longTips.map((tip) => `${tip.label} (${tip.text.length}): ${tip.text}`),
			);
			const badTips = tooltips.filter((tip) =>
				PLAIN_TEXT_PROBLEMS.some(([pattern]) => pattern.test(tip.text)),
			);
			checks.that(
				`${tag}: no tooltip shows {{, undefined, null or [object Object]`,
				badTips.length === 0,
				badTips,
			);
		});
	}
}
