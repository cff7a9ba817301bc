import { createHash, timingSafeEqual } from 'node:crypto';

import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

/**
 * The application token of a Bitrix24 outgoing webhook: one random token per webhook, sent as
 * `auth[application_token]` with every event (docs/bitrix24-behaviour.md#application-token). It is
 * the only proof that a delivery
 * comes from the portal, so it is compared in constant time and never shown anywhere.
 */

/** Bitrix24 issues 32 characters of lower-case letters and digits. */
export const TOKEN_SHAPE = /^[a-z0-9]{32}$/;

function digest(value: string): Buffer {
	return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Whether the token of a delivery is the configured one. Both are hashed first, so that the
 * comparison takes the same time whatever their lengths and wherever they first differ. Spaces
 * around either are ignored (they are never part of a token; a pasted one may carry them). An
 * empty configured token matches nothing.
 */
export function tokenMatches(received: unknown, expected: unknown): boolean {
	if (typeof received !== 'string' || typeof expected !== 'string') return false;
	const wanted = expected.trim();
	const given = received.trim();
	// compared even when one is empty, so that an empty token costs the same time as a wrong one
	const same = timingSafeEqual(digest(given), digest(wanted));
	return same && wanted !== '' && given !== '';
}

export type TokenFormCheck = { ok: true } | { ok: false; message: string };

/** What the credential's Test button can say about a token without a delivery: its form. */
export function checkTokenForm(value: unknown): TokenFormCheck {
	const where = 'Bitrix24 → Developer resources → Other → Outgoing webhook';
	if (typeof value !== 'string' || value.trim() === '') {
		return {
			ok: false,
			message: `The application token is empty. Copy it from ${where} (shown after Create).`,
		};
	}
	if (value !== value.trim()) {
		return {
			ok: false,
			message:
				'The application token has spaces or line breaks around it, most likely from copying. Paste it again without them.',
		};
	}
	if (!TOKEN_SHAPE.test(value)) {
		return {
			ok: false,
			message: `This does not look like a Bitrix24 application token (32 lower-case letters and digits; this one has ${value.length} characters${/[^a-z0-9]/.test(value) ? ' and other characters' : ''}). Copy the "Application token" from ${where} — not the handler URL or an inbound webhook's code.`,
		};
	}
	return { ok: true };
}

/**
 * The Test button of the Bitrix24 Outgoing Webhook API credential. Bitrix24 offers nothing to call
 * with an application token, so only its form can be checked; it says so.
 */
export async function bitrix24OutgoingWebhookTokenTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const form = checkTokenForm(credential.data?.applicationToken);
	if (!form.ok) return { status: 'Error', message: form.message };
	return {
		status: 'OK',
		message:
			"The token has the form Bitrix24 issues. Only a real call can prove it is this webhook's token: with a wrong one, Bitrix24's requests are answered 401 and start nothing.",
	};
}
