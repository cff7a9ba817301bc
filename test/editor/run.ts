/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling that drives a real n8n editor on the developer's machine, not code shipped to n8n */
/**
 * `npm run test:editor`: the packed package in a real n8n 2.x editor, driven in headless Chromium.
 *
 * One n8n (the 2.x target of the real-n8n test, from its cache) with the tarball installed and
 * the credentials imported, one sandbox portal with a registered cloud line, a cloud line its
 * provider refuses and an office line, and one browser signed in as the owner. For every panel of
 * every node (and each Bitrix24 SIP version n8n offers) it checks what the panel shows, then the
 * Line picker, Line → Get Many executed from its panel, Authentication as the credential slot offers
 * it, and the credential dialogs (webhook and OAuth2).
 *
 * Env: CHROMIUM_PATH (default /usr/bin/chromium); N8N_TEST_KEEP to keep n8n's files; N8N_TEST_CACHE
 * for the n8n cache; EDITOR_TEST_GROUPS (panels, picker, execute, authentication, credentials) to
 * run only some. Screenshots go to .ci/out/editor/. Prints `editor tests: N passed, M failed` and
 * writes .ci/out/editor.json.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { Checks } from '../n8n/checks';
import type { N8nInstance } from '../n8n/instance';
import { PACKAGE_ROOT } from '../n8n/workflows';
import type { Bitrix24Sandbox } from '../sandbox';
import { Editor } from './browser';
import type { EditorContext } from './context';
import { panelCases, SIP_VERSIONS } from './expected';
import { authenticationChecks } from './checks/authentication';
import { credentialChecks } from './checks/credentials';
import { executeChecks } from './checks/execute';
import { panelChecks } from './checks/panels';
import { pickerChecks } from './checks/picker';
import { OWNER, secretOf, startN8n, startSandbox, TARGET } from './setup';
import { servedNodeTypes, versionsOf } from './workflows';

async function run(checks: Checks, shots: string): Promise<void> {
	let sandbox: Bitrix24Sandbox | undefined;
	let n8n: N8nInstance | undefined;
	let editor: Editor | undefined;
	let work: string | undefined;
	try {
		const started = await startSandbox();
		sandbox = started.sandbox;
		try {
			({ n8n, work } = await startN8n(sandbox));
		} catch (error) {
			checks.that(
				`${TARGET.label} starts with the packed package and the credentials`,
				false,
				(error as Error).message,
			);
			return;
		}
		checks.that(`${TARGET.label} starts with the packed package and the credentials`, true);

		const types = await servedNodeTypes(n8n);
		const sipVersions = versionsOf(types, 'bitrix24Sip');
		checks.that(
			`Bitrix24 SIP offers versions ${SIP_VERSIONS.join(', ')}`,
			SIP_VERSIONS.every((version) => sipVersions.includes(version)),
			{ offered: sipVersions },
		);

		try {
			editor = await Editor.launch(n8n.baseUrl);
			await editor.signIn(OWNER.email, OWNER.password);
		} catch (error) {
			checks.that(
				'Chromium starts and signs in through the sign-in page',
				false,
				(error as Error).stack,
			);
			return;
		}
		checks.that('Chromium starts and signs in through the sign-in page', true);

		const context: EditorContext = {
			n8n,
			editor,
			checks,
			sandbox,
			lines: started.lines,
			secret: secretOf(sandbox.webhook.url),
			shots,
			sipVersions,
		};
		// EDITOR_TEST_GROUPS=picker,credentials runs only those groups while one works on them
		const wanted = process.env.EDITOR_TEST_GROUPS?.split(',').map((group) => group.trim());
		const groups: Array<[string, () => Promise<void>]> = [
			['panels', async () => await panelChecks(context, panelCases(sipVersions), types)],
			['picker', async () => await pickerChecks(context)],
			['execute', async () => await executeChecks(context)],
			['authentication', async () => await authenticationChecks(context)],
			['credentials', async () => await credentialChecks(context)],
		];
		for (const [name, body] of groups) if (!wanted || wanted.includes(name)) await body();
		checks.that(
			'nothing n8n logged holds the webhook secret',
			!n8n.output.includes(context.secret),
			n8n.output.slice(-1000),
		);
	} finally {
		await editor?.close();
		await n8n?.stop();
		await sandbox?.close();
		if (work) {
			if (checks.failed === 0 && !process.env.N8N_TEST_KEEP)
				rmSync(work, { recursive: true, force: true });
			else process.stdout.write(`n8n files kept in ${work}\n`);
		}
	}
}

async function main(): Promise<void> {
	const started = Date.now();
	const checks = new Checks('editor');
	const out = path.join(PACKAGE_ROOT, '.ci', 'out');
	const shots = path.join(out, 'editor');
	// screenshots of an earlier run would pass for this run's
	rmSync(shots, { recursive: true, force: true });
	mkdirSync(shots, { recursive: true });
	try {
		await run(checks, shots);
	} catch (error) {
		checks.that('the editor test ran to its end', false, (error as Error).stack ?? String(error));
	}
	writeFileSync(
		path.join(out, 'editor.json'),
		JSON.stringify(
			{ passed: checks.passed, failed: checks.failed, failures: checks.failures },
			null,
			2,
		),
	);
	if (checks.failures.length)
		process.stdout.write(`failed:\n${checks.failures.map((name) => `  ${name}`).join('\n')}\n`);
	process.stdout.write(
		`editor: ${((Date.now() - started) / 1000).toFixed(0)} s, screenshots in ${path.relative(PACKAGE_ROOT, shots)}\n`,
	);
	process.stdout.write(`editor tests: ${checks.passed} passed, ${checks.failed} failed\n`);
	process.exitCode = checks.failed === 0 ? 0 : 1;
}

main().catch((error: Error) => {
	process.stdout.write(`${error.stack ?? error.message}\neditor tests: 0 passed, 1 failed\n`);
	process.exitCode = 1;
});
