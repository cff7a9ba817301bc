/* eslint-disable no-console, @n8n/community-nodes/no-restricted-globals -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
/**
 * `npm run sandbox`: one fake Bitrix24 portal on 127.0.0.1 for trying the node in a local n8n.
 * Env: PORT, SANDBOX_RATE=off|<burst>/<perSecond>, SANDBOX_LATENCY_MS, SANDBOX_REG_STEP_MS.
 */
import { Bitrix24Sandbox, type SandboxOptions } from './index';

function rateLimit(text: string | undefined): SandboxOptions['rateLimit'] {
	if (text === undefined || text === '') return undefined;
	if (text === 'off') return false;
	const match = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(text);
	if (!match)
		throw new Error(
			`SANDBOX_RATE must be "off" or "<burst>/<perSecond>", e.g. 50/2; got "${text}"`,
		);
	return { burst: Number(match[1]), perSecond: Number(match[2]) };
}

function number(name: string): number | undefined {
	const text = process.env[name];
	if (text === undefined || text === '') return undefined;
	const value = Number(text);
	if (!Number.isFinite(value) || value < 0)
		throw new Error(`${name} must be a number of milliseconds; got "${text}"`);
	return value;
}

async function main(): Promise<void> {
	const sandbox = await Bitrix24Sandbox.start({
		port: number('PORT'),
		rateLimit: rateLimit(process.env.SANDBOX_RATE),
		latencyMs: number('SANDBOX_LATENCY_MS'),
		// Without a step interval registrations only move when their status is read.
		registrationStepMs: number('SANDBOX_REG_STEP_MS') ?? 2000,
	});
	console.log(`Bitrix24 sandbox portal listening on ${sandbox.baseUrl}`);
	console.log(`Webhook URL (paste into the n8n credential): ${sandbox.webhook.url}`);
	console.log('Hint: the portal lives in memory only; Ctrl+C stops it and forgets every line.');
	const stop = (): void => {
		void sandbox.close().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
	console.error(error.message);
	process.exit(1);
});
