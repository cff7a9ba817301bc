/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-hardcoded-secrets -- test tooling that drives a real n8n on the developer's machine, not code shipped to n8n */
/**
 * The one n8n and the one sandbox portal the editor test drives: the packed package installed into
 * a fresh user folder of the n8n 2.x target (the editor under test), the credentials imported with
 * n8n's CLI, then `n8n start` with the owner set up through the REST API.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Bitrix24Sandbox } from '../sandbox';
import type { SandboxLine } from '../sandbox';
import { ensureN8n, installPackage, TARGETS, type Target } from '../n8n/install';
import { N8nInstance } from '../n8n/instance';
import { PACKAGE_ROOT } from '../n8n/workflows';

/** The editor of n8n 2.x is the one users meet now; the 1.x editor differs in its DOM. */
export const TARGET: Target = TARGETS.find((target) => target.version.startsWith('2.')) as Target;

export const CREDENTIAL = { bitrix24: '1', outgoing: '2', oAuth2: '3' } as const;
export const CREDENTIAL_NAME = {
	bitrix24: 'Bitrix24 account',
	outgoing: 'Bitrix24 outgoing webhook',
	oAuth2: 'Bitrix24 OAuth2 application',
} as const;
/** The owner N8nInstance.rest sets up; the browser signs in with the same. */
export const OWNER = { email: 'owner@example.com', password: 'Passw0rd-for-tests' } as const;

export interface SandboxLines {
	registered: SandboxLine;
	failing: SandboxLine;
	office: SandboxLine;
}

export interface Setup {
	n8n: N8nInstance;
	sandbox: Bitrix24Sandbox;
	lines: SandboxLines;
	/** The webhook secret of the sandbox URL: it must never show in the editor. */
	secret: string;
	work: string;
}

/**
 * The imported OAuth2 credential: an application of the sandbox portal, not connected (no token).
 * The panels only need it to exist; connecting it is the real-n8n test's part.
 */
function oAuth2CredentialData(sandbox: Bitrix24Sandbox): Record<string, unknown> {
	const app = sandbox.addOAuthApp();
	return {
		portal: sandbox.baseUrl,
		clientId: app.clientId,
		clientSecret: app.clientSecret,
		accessTokenUrl: sandbox.tokenUrl,
	};
}

export function tarballPath(): string {
	const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
		name: string;
		version: string;
	};
	return path.join(PACKAGE_ROOT, `${manifest.name}-${manifest.version}.tgz`);
}

/** The portal before the run: a registered cloud line, one refused by its provider, an office line. */
export async function startSandbox(): Promise<{ sandbox: Bitrix24Sandbox; lines: SandboxLines }> {
	// no rate limit: the editor asks for the line list often, and pacing is not what is tested here
	const sandbox = await Bitrix24Sandbox.start({ rateLimit: false });
	const registered = sandbox.addLineByHand({
		type: 'cloud',
		title: 'Main trunk',
		server: 'sip.provider.com',
		login: '100',
		password: 'pa55-main',
	});
	const failing = sandbox.addLineByHand({
		type: 'cloud',
		title: 'Backup trunk',
		server: 'sip.backup.example',
		login: '300',
		password: 'pa55-backup',
	});
	const office = sandbox.addLineByHand({
		type: 'office',
		title: 'Branch office',
		server: 'pbx.branch.example',
		login: '200',
	});
	sandbox.setRegistration(registered.regId as number, {
		STATUS_RESULT: 'success',
		STATUS_CODE: 200,
	});
	sandbox.setRegistration(failing.regId as number, {
		STATUS_RESULT: 'error',
		STATUS_CODE: 401,
		ERROR_MESSAGE: 'Unauthorized',
	});
	return { sandbox, lines: { registered, failing, office } };
}

/** Installs, imports the credentials and starts n8n; throws with n8n's output when a step fails. */
export async function startN8n(
	sandbox: Bitrix24Sandbox,
): Promise<{ n8n: N8nInstance; work: string }> {
	const work = mkdtempSync(path.join(tmpdir(), `n8n-editor-${TARGET.version}-`));
	const installed = ensureN8n(TARGET);
	installPackage(work, tarballPath());
	const n8n = new N8nInstance(TARGET, installed, work);
	const dir = path.join(work, 'files');
	mkdirSync(dir, { recursive: true });
	const imported = await n8n.importCredentials(
		[
			{
				id: CREDENTIAL.bitrix24,
				name: CREDENTIAL_NAME.bitrix24,
				type: 'bitrix24WebhookApi',
				data: { webhookUrl: sandbox.webhook.url },
			},
			{
				id: CREDENTIAL.outgoing,
				name: CREDENTIAL_NAME.outgoing,
				type: 'bitrix24OutgoingWebhookApi',
				data: { applicationToken: 'editor-test-application-token' },
			},
			{
				id: CREDENTIAL.oAuth2,
				name: CREDENTIAL_NAME.oAuth2,
				type: 'bitrix24OAuth2Api',
				data: oAuth2CredentialData(sandbox),
			},
		],
		path.join(dir, 'credentials.json'),
	);
	if (imported.code !== 0)
		throw new Error(`n8n import:credentials failed:\n${imported.output.slice(-2000)}`);
	await n8n.start();
	// the owner exists from here on; the browser signs in as the owner through the sign-in form
	const owner = await n8n.rest('GET', '/rest/login');
	if (owner.status !== 200)
		throw new Error(`the owner cannot sign in: ${owner.status} ${owner.text.slice(0, 300)}`);
	return { n8n, work };
}

export function secretOf(url: string): string {
	return /\/rest\/\d+\/([^/]+)\//.exec(url)?.[1] ?? '';
}
