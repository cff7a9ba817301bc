/* eslint-disable no-console, @n8n/community-nodes/no-restricted-globals -- test tooling that runs in plain Node, not code shipped to n8n Cloud */
/**
 * `npm run sandbox`: one fake Bitrix24 portal on 127.0.0.1 for trying the node in a local n8n.
 * Env: PORT, SANDBOX_RATE=off|<burst>/<perSecond>, SANDBOX_LATENCY_MS, SANDBOX_REG_STEP_MS;
 * SANDBOX_EVENT_URL (an outgoing webhook for call events, e.g. an n8n webhook URL) and
 * SANDBOX_CALL_EVERY_MS (place a call on the default outgoing line this often).
 */
import { Bitrix24Sandbox, LINK_BASE_NUMBER, type SandboxOptions } from './index';

/** A mix of results, so a trigger sees successes and the usual failures. */
const CALL_CODES = ['200', '486', '304', '200', '603-S', '402'];

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
	const eventUrl = process.env.SANDBOX_EVENT_URL;
	if (eventUrl) {
		const hook = sandbox.addOutgoingWebhook({
			url: eventUrl,
			events: ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLSTART', 'ONVOXIMPLANTCALLEND'],
		});
		console.log(`Call events go to ${eventUrl}; application token: ${hook.token}`);
	}
	const every = number('SANDBOX_CALL_EVERY_MS');
	if (every) console.log(`A call every ${every} ms once the portal has a default outgoing line.`);
	let placed = 0;
	const timer =
		every === undefined || every === 0
			? undefined
			: setInterval(() => {
					if (sandbox.defaultOutgoing() === LINK_BASE_NUMBER) return;
					const code = CALL_CODES[placed++ % CALL_CODES.length];
					void sandbox.placeCall({ code }).then((call) => {
						const answers = call.deliveries.map((d) => d.status || d.error).join(', ');
						console.log(`Call ${call.callId} ended with ${code}; deliveries: ${answers || 'none'}`);
					});
				}, every);
	const stop = (): void => {
		if (timer) clearInterval(timer);
		void sandbox.close().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
	console.error(error.message);
	process.exit(1);
});
