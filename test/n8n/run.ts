/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling that drives a real n8n on the developer's machine, not code shipped to n8n */
/**
 * `npm run test:n8n`: the packed package in real n8n versions, against the sandbox portal.
 *
 * For each target n8n: install it into a cache outside the repository (reused), install the packed
 * tarball into a fresh user folder as the Community Nodes feature does, import a credential and
 * the shipped examples with n8n's CLI, run them with `n8n execute`, then under `n8n start` check
 * the node list, the credential Test button, the webhook example and the polling trigger; last,
 * connect an OAuth2 credential through n8n's own OAuth flow and run the nodes with it. Every
 * check asserts on what n8n reports and on the sandbox's request log.
 *
 * Env: N8N_TEST_VERSIONS (e.g. "1.123.50") to run only some targets; N8N_TEST_CACHE for the cache;
 * N8N_TEST_SCENARIOS (e.g. "oauth", of cli, server, oauth) to run only some scenarios while
 * working on them (the default runs all).
 * Prints `n8n tests: N passed, M failed` and writes .ci/out/n8n.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Bitrix24Sandbox } from '../sandbox';
import { Checks } from './checks';
import { ensureN8n, installPackage, TARGETS, type Target } from './install';
import { N8nInstance } from './instance';
import type { Context } from './context';
import { CREDENTIAL, PACKAGE_ROOT } from './workflows';
import { cliScenarios } from './scenarios/cli';
import { CALL_TOKEN } from './scenarios/callTrigger';
import { oauthScenario } from './scenarios/oauth';
import { serverScenarios } from './scenarios/server';

const SCENARIOS = process.env.N8N_TEST_SCENARIOS?.split(',').map((name) => name.trim());
const wanted = (name: string) => !SCENARIOS || SCENARIOS.includes(name);

function tarballPath(): string {
	const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
		name: string;
		version: string;
	};
	return path.join(PACKAGE_ROOT, `${manifest.name}-${manifest.version}.tgz`);
}

async function runTarget(target: Target, tarball: string, total: Checks): Promise<void> {
	const checks = new Checks(target.label);
	const work = mkdtempSync(path.join(tmpdir(), `n8n-test-${target.version}-`));
	const sandbox = await Bitrix24Sandbox.start({ registrationStepMs: 200 });
	let n8n: N8nInstance | undefined;
	try {
		let installed;
		try {
			installed = ensureN8n(target);
			installPackage(work, tarball);
		} catch (error) {
			checks.that('n8n and the packed package install', false, (error as Error).message);
			return;
		}
		checks.that('n8n and the packed package install', true);
		n8n = new N8nInstance(target, installed, work);
		const secret = /\/rest\/\d+\/([^/]+)\//.exec(sandbox.webhook.url)?.[1] ?? '';
		const headerToken = 'provisioning-token-for-tests';
		const dir = path.join(work, 'files');
		mkdirSync(dir, { recursive: true });
		const imported = await n8n.importCredentials(
			[
				{
					id: CREDENTIAL.bitrix24,
					name: 'Bitrix24 account',
					type: 'bitrix24WebhookApi',
					data: { webhookUrl: sandbox.webhook.url },
				},
				{
					id: CREDENTIAL.header,
					name: 'Provisioning webhook header',
					type: 'httpHeaderAuth',
					data: { name: 'X-Provisioning-Token', value: headerToken },
				},
				{
					id: CREDENTIAL.wrongWebhook,
					name: 'Bitrix24 wrong webhook',
					type: 'bitrix24WebhookApi',
					data: { webhookUrl: sandbox.webhook.url.replace(secret, 'wrongcode1234567') },
				},
				{
					id: CREDENTIAL.callToken,
					name: 'Bitrix24 outgoing webhook',
					type: 'bitrix24OutgoingWebhookApi',
					data: { applicationToken: CALL_TOKEN },
				},
			],
			path.join(dir, 'credentials.json'),
		);
		if (
			!checks.that(
				'credentials import with n8n import:credentials',
				imported.code === 0,
				imported.output.slice(-2000),
			)
		)
			return;

		const context: Context = { n8n, sandbox, checks, dir, secret, headerToken };
		if (wanted('cli')) await cliScenarios(context);
		if (wanted('server')) await serverScenarios(context);
		if (wanted('oauth')) await oauthScenario(context);
	} finally {
		await n8n?.stop();
		await sandbox.close();
		total.passed += checks.passed;
		total.failed += checks.failed;
		total.failures.push(...checks.failures);
		if (checks.failed === 0 && !process.env.N8N_TEST_KEEP)
			rmSync(work, { recursive: true, force: true });
		else process.stdout.write(`${target.label}: files kept in ${work}\n`);
	}
}

async function main(): Promise<void> {
	const wanted = process.env.N8N_TEST_VERSIONS?.split(',').map((version) => version.trim());
	const targets = wanted ? TARGETS.filter((target) => wanted.includes(target.version)) : TARGETS;
	const total = new Checks('all');
	const tarball = tarballPath();
	const started = Date.now();
	for (const target of targets) {
		const targetStarted = Date.now();
		await runTarget(target, tarball, total);
		process.stdout.write(
			`${target.label}: ${((Date.now() - targetStarted) / 1000).toFixed(0)} s\n`,
		);
	}
	if (targets.length === 0)
		total.that(
			`N8N_TEST_VERSIONS names a known target (${TARGETS.map((t) => t.version).join(', ')})`,
			false,
			wanted,
		);
	const out = path.join(PACKAGE_ROOT, '.ci', 'out');
	mkdirSync(out, { recursive: true });
	writeFileSync(
		path.join(out, 'n8n.json'),
		JSON.stringify(
			{ passed: total.passed, failed: total.failed, failures: total.failures },
			null,
			2,
		),
	);
	if (total.failures.length)
		process.stdout.write(`failed:\n${total.failures.map((name) => `  ${name}`).join('\n')}\n`);
	process.stdout.write(`real n8n: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
	process.stdout.write(`n8n tests: ${total.passed} passed, ${total.failed} failed\n`);
	process.exitCode = total.failed === 0 ? 0 : 1;
}

main().catch((error: Error) => {
	process.stdout.write(`${error.stack ?? error.message}\nn8n tests: 0 passed, 1 failed\n`);
	process.exitCode = 1;
});
