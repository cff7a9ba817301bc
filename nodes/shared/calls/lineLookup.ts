import { createHash } from 'node:crypto';

import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { fetchLines } from '../lines';
import { Bitrix24Client } from '../transport/client';
import { Bitrix24Error } from '../transport/errors';
import { connectionOf } from '../transport/connection';
import type { Secrets } from '../transport/webhookUrl';
import { redact } from '../transport/webhookUrl';
import type { LineKnowledge } from './callLine';

/**
 * Reads the portal's SIP lines for the call trigger (Look Up Lines), through the inbound-webhook
 * credential. It runs after Bitrix24 has been answered, so it may take its time, but a workflow
 * should not start minutes late: shorter limits than an action's.
 */
const LOOKUP_OPTIONS = { timeoutMs: 20_000, maxWaitMs: 30_000, maxAttempts: 2 };

/**
 * Deliveries arriving together (a burst of call ends) share one read per credential instead of
 * each reading every page. Only reads in progress are shared; nothing is kept afterwards, so a
 * line added or renamed is seen by the next call.
 */
const inFlight = new Map<string, Promise<IDataObject[]>>();

function errorText(error: unknown, secret: Secrets | undefined): string {
	let message: string;
	if (error instanceof Bitrix24Error) {
		message = error.description ? `${error.message}. ${error.description}` : error.message;
	} else if (error instanceof Error) {
		message = error.message;
	} else {
		message = String(error);
	}
	return `The portal's lines could not be read: ${redact(message, secret)}`;
}

/**
 * The lines the credential can see, or why they could not be read. Never throws: a failed
 * lookup must not turn a delivered call into an error run (n8n would answer 500 and lose the call).
 */
export async function lookUpLines(ctx: IWebhookFunctions): Promise<LineKnowledge> {
	let secret: Secrets | undefined;
	try {
		const connection = await connectionOf(ctx);
		secret = connection.secrets;
		const key = createHash('sha256').update(connection.laneKey).digest('hex');
		let pending = inFlight.get(key);
		if (!pending) {
			pending = (async () =>
				await fetchLines(await Bitrix24Client.create(ctx, LOOKUP_OPTIONS), {}))();
			inFlight.set(key, pending);
			const settled = pending;
			const forget = () => {
				if (inFlight.get(key) === settled) inFlight.delete(key);
			};
			void settled.then(forget, forget);
		}
		return { lines: await pending, via: connection.authentication };
	} catch (error) {
		return { lines: null, lookupError: errorText(error, secret) };
	}
}
