/**
 * The inbound webhook URL carries the secret, so everything that reads, rebuilds or prints it
 * goes through this module.
 */

export const WEBHOOK_URL_SHAPE = 'https://<portal>/rest/<user id>/<webhook code>/';

export interface ParsedWebhookUrl {
	/** Normalised base, always ending in a slash: https://portal/rest/1/secret/ */
	baseUrl: string;
	/** scheme://host[:port] — safe to show */
	origin: string;
	userId: number;
	secret: string;
}

export class WebhookUrlError extends Error {
	constructor(reason: string) {
		super(
			`The webhook URL ${reason}. Expected the shape ${WEBHOOK_URL_SHAPE} — copy the URL from Bitrix24 → Developer resources → Other → Inbound webhook`,
		);
		this.name = 'WebhookUrlError';
	}
}

// origin, optional path prefix (on-premise installs may live below a folder), /rest/<id>/<code>,
// then an optional method name people paste along (profile.json, scope) and an optional query.
const WEBHOOK_PATTERN =
	/^(https?:\/\/[^/\s?#@]+)((?:\/[^/\s?#]+)*?)\/rest\/(\d+)\/([A-Za-z0-9_]+)(?:\/(?:[A-Za-z0-9_.]+)?)?\/?(?:[?#].*)?$/i;

export function parseWebhookUrl(raw: unknown): ParsedWebhookUrl {
	if (typeof raw !== 'string' || raw.trim() === '') {
		throw new WebhookUrlError('is empty');
	}
	const value = raw.trim();
	if (!/^https?:\/\//i.test(value)) {
		throw new WebhookUrlError('must start with https:// (or http:// for an on-premise portal)');
	}
	const match = WEBHOOK_PATTERN.exec(value);
	if (!match) {
		throw new WebhookUrlError('is not a Bitrix24 inbound webhook URL');
	}
	const [, rawOrigin, prefix, userId, secret] = match;
	const origin = rawOrigin.replace(/^https?/i, (scheme) => scheme.toLowerCase());
	return {
		baseUrl: `${origin}${prefix}/rest/${userId}/${secret}/`,
		origin,
		userId: Number(userId),
		secret,
	};
}

const SECRET_IN_PATH = /(\/rest\/\d+\/)[A-Za-z0-9_]+/g;

/**
 * The secrets of a credential: a webhook's code, or an application's client secret and tokens.
 */
export type Secrets = string | readonly string[];

/**
 * Removes the credential's secrets from any text: each known secret wherever it appears, and
 * anything that looks like the secret part of a webhook path.
 */
export function redact(text: string, secret?: Secrets): string {
	let out = text.replace(SECRET_IN_PATH, '$1***');
	for (const one of typeof secret === 'string' ? [secret] : (secret ?? [])) {
		if (one.length >= 4) out = out.split(one).join('***');
	}
	return out;
}

/**
 * Where a URL points, as it is safe to show: scheme, host and port only. A redirect's target
 * carries the webhook path, secret included, when a portal moved to another address.
 */
export function originOf(url: string): string {
	const match = /^([a-z][a-z0-9+.-]*:\/\/[^/?#\s@]*@?[^/?#\s]*)/i.exec(url.trim());
	if (!match) return 'another address';
	// user:password@ in a URL is a secret as well
	return match[1].replace(/\/\/[^/@]*@/, '//');
}

/** The URL as it is safe to show: the secret replaced. */
export function describeWebhook(parsed: ParsedWebhookUrl): string {
	return `${parsed.origin}/…/rest/${parsed.userId}/***/`;
}
