import type {
	ICredentialTestFunctions,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import type { Envelope, RawAnswer } from './answer';
import { decodeAnswer } from './answer';
import { Bitrix24Error, cancelled, invalidWebhookUrl } from './errors';

export const CREDENTIAL_TYPE = 'bitrix24WebhookApi';

/**
 * Any n8n context that may call the portal with the node's credential (the call trigger's line
 * lookup runs in a webhook).
 */
export type ApiContext =
	| IExecuteFunctions
	| IPollFunctions
	| ILoadOptionsFunctions
	| IWebhookFunctions;

export interface RequestSettings {
	timeoutMs: number;
	secret?: string;
	/**
	 * the credential's "Ignore SSL Issues": for self-hosted portals with a self-signed certificate
	 */
	allowUnauthorizedCerts?: boolean;
}

/** Node's and OpenSSL's codes for a certificate or handshake that failed: nothing was sent. */
const TLS_CODES = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'CERT_HAS_EXPIRED',
	'CERT_NOT_YET_VALID',
	'CERT_REVOKED',
	'CERT_UNTRUSTED',
	'CERT_REJECTED',
	'INVALID_CA',
	'HOSTNAME_MISMATCH',
	'ERR_TLS_CERT_ALTNAME_INVALID',
	'ERR_SSL_WRONG_VERSION_NUMBER',
	'EPROTO',
]);

/** Refused or unresolvable: the request never reached the portal. */
const NOT_SENT_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
]);

function tlsFailure(code: string): Bitrix24Error {
	const certificate = code !== 'EPROTO' && code !== 'ERR_SSL_WRONG_VERSION_NUMBER';
	return new Bitrix24Error({
		kind: 'tls',
		code,
		message: certificate
			? `The portal's TLS certificate is not trusted (${code}); nothing was sent`
			: `The secure connection to the portal failed (${code}); nothing was sent`,
		hint: certificate
			? 'If this is a self-hosted Bitrix24 with a self-signed or internal certificate, turn on "Ignore SSL Issues (Insecure)" in the credential, or install a certificate from a public authority on the portal. Otherwise check the portal address.'
			: 'Check that the webhook URL uses the scheme the portal serves (https:// or http://).',
		delivery: 'notSent',
	});
}

/** Turns a thrown transport failure (no HTTP answer) into a typed error without the secret. */
export function networkFailure(error: unknown, timeoutMs: number): Bitrix24Error {
	const chain: Array<Record<string, unknown>> = [];
	let current: unknown = error;
	for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
		chain.push(current as Record<string, unknown>);
		current = (current as { cause?: unknown }).cause;
	}
	const webhookProblem = chain.find((link) => link.name === 'WebhookUrlError');
	if (webhookProblem) {
		return invalidWebhookUrl(String(webhookProblem.message));
	}
	// axios puts the system error code in `code`; n8n's NodeApiError moves it to `httpCode`
	const codes = chain
		.flatMap((link) => [link.code, link.httpCode])
		.filter((code): code is string => typeof code === 'string');
	const messages = chain.map((link) => String(link.message ?? '')).join(' ');
	const tls = codes.find((c) => TLS_CODES.has(c));
	if (tls) return tlsFailure(tls);
	// n8n's legacy request helper (the credential test) wraps certificate errors without their code
	if (chain.some((link) => link.name === 'NodeSslError'))
		return tlsFailure('CERTIFICATE_NOT_TRUSTED');
	if (
		/self[- ]signed certificate|certificate has expired|unable to verify the first certificate|wrong version number/i.test(
			messages,
		)
	) {
		return tlsFailure(codes.find((c) => /CERT|TLS|SSL/.test(c)) ?? 'TLS_FAILURE');
	}
	const code = codes.find((c) => /^E[A-Z_]+$/.test(c)) ?? codes[0] ?? '';
	if (code === 'ERR_CANCELED') return cancelled();
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(messages)) {
		return new Bitrix24Error({
			kind: 'timeout',
			code: 'TIMEOUT',
			message: `The portal did not answer within ${Math.round(timeoutMs / 1000)} s`,
			hint: 'Bitrix24 may be slow or unreachable. The node retries calls that are safe to repeat; raise "Timeout" in the node options if it keeps happening.',
			delivery: 'unknown',
		});
	}
	const neverSent = NOT_SENT_CODES.has(code);
	// the system code goes into the description: NodeApiError rewrites messages that contain one
	const detail = code ? ` (system error ${code})` : '';
	return new Bitrix24Error({
		kind: 'network',
		code: code || 'NETWORK_ERROR',
		message: neverSent
			? 'The portal could not be reached'
			: 'The connection to the portal was lost before it answered',
		hint: neverSent
			? `Check the portal address in the webhook URL and that the portal is online${detail}.`
			: `The network or a proxy dropped the connection; the node retries calls that are safe to repeat${detail}.`,
		delivery: neverSent ? 'notSent' : 'unknown',
	});
}

interface FullResponse {
	body: unknown;
	headers: Record<string, unknown>;
	statusCode: number;
}

function bodyText(body: unknown): string {
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	return JSON.stringify(body ?? '');
}

/**
 * Sends one REST call (a method or `batch`) and returns its envelope. This is the only code of the
 * package that speaks HTTP to Bitrix24: through n8n's helpers, with the credential filling in the
 * webhook URL, never following a redirect (it would drop the POST body and could carry the secret
 * elsewhere).
 */
export async function sendRequest(
	ctx: ApiContext,
	restMethod: string,
	params: IDataObject,
	settings: RequestSettings,
): Promise<Envelope> {
	const request: IHttpRequestOptions = {
		method: 'POST',
		url: `${restMethod}.json`,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: JSON.stringify(params),
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
		timeout: settings.timeoutMs,
		...(settings.allowUnauthorizedCerts ? { skipSslCertificateValidation: true } : {}),
	};
	let response: FullResponse;
	try {
		response = (await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			CREDENTIAL_TYPE,
			request,
		)) as FullResponse;
	} catch (error) {
		throw networkFailure(error, settings.timeoutMs);
	}
	const answer: RawAnswer = {
		statusCode: response.statusCode,
		headers: response.headers ?? {},
		text: bodyText(response.body),
	};
	return decodeAnswer(answer, settings.secret);
}

/**
 * The credential test runs before a credential is saved, where n8n offers only its legacy
 * `request` helper and no authenticate(): the caller passes the full URL it parsed itself.
 */
export async function postForCredentialTest(
	ctx: ICredentialTestFunctions,
	url: string,
	allowUnauthorizedCerts: boolean,
): Promise<RawAnswer> {
	const response = (await ctx.helpers.request({
		method: 'POST',
		uri: url,
		body: '{}',
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		timeout: 15_000,
		simple: false,
		resolveWithFullResponse: true,
		followRedirect: false,
		followAllRedirects: false,
		rejectUnauthorized: !allowUnauthorizedCerts,
	})) as FullResponse;
	return {
		statusCode: response.statusCode,
		headers: response.headers ?? {},
		text: bodyText(response.body),
	};
}
