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
import type { Connection } from './connection';
import { APPLICATION_CREDENTIAL } from './connection';
import {
	Bitrix24Error,
	cancelled,
	forApplication,
	invalidWebhookUrl,
	renewalRefused,
} from './errors';
import { TokenRenewal } from './tokenRenewal';

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
	/** the credential: where its requests go, what signs them, what must never be shown */
	connection: Connection;
	/** an application's one token renewal at a time, shared by the credential's calls */
	renewal?: TokenRenewal;
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
	const chain = chainOf(error);
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

type Link = Record<string, unknown>;

function chainOf(error: unknown): Link[] {
	const chain: Link[] = [];
	let current: unknown = error;
	for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
		chain.push(current as Link);
		current = (current as { cause?: unknown }).cause;
	}
	return chain;
}

/**
 * The portal's HTTP answer inside an error n8n threw for it: a renewing send lets HTTP errors
 * throw (that is how n8n's OAuth2 helper sees the 401), so a 400 of the method arrives this way.
 * Only an answer to this very request counts, never one from the token server.
 */
function answerInside(error: unknown, url: string): RawAnswer | undefined {
	for (const link of chainOf(error)) {
		const response = link.response as Link | undefined;
		const config = link.config as Link | undefined;
		if (
			typeof response === 'object' &&
			response !== null &&
			typeof response.status === 'number' &&
			config?.url === url
		) {
			return {
				statusCode: response.status,
				headers: (response.headers as Record<string, unknown>) ?? {},
				text: bodyText(response.data),
			};
		}
	}
	return undefined;
}

/**
 * The code Bitrix24's token server refused a renewal with, when the failure is its refusal
 * (n8n's OAuth2 client throws the token server's {error} as an AuthError or a ResponseError).
 */
function renewalRefusal(error: unknown): string | undefined {
	for (const link of chainOf(error)) {
		const body = link.body as Link | undefined;
		if (typeof body === 'object' && body !== null && typeof body.error === 'string')
			return body.error.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60);
		// n8n's NodeApiError keeps only the OAuth2 client's code and its wording of the refusal
		if ([link.code, link.httpCode].some((code) => code === 'EAUTH' || code === 'ESTATUS')) {
			const message = String(link.message ?? '');
			if (/client authentication failed/i.test(message)) return 'invalid_client';
			if (/authorization grant .* is\s+invalid/i.test(message)) return 'invalid_grant';
			return '';
		}
		if (
			/refresh ?token is required|unable to sign without access token/i.test(String(link.message))
		)
			return 'no refresh token';
	}
	return undefined;
}

function requestFor(
	restMethod: string,
	params: IDataObject,
	settings: RequestSettings,
	letHttpErrorsThrow: boolean,
): IHttpRequestOptions {
	return {
		method: 'POST',
		// a webhook's credential sets the base URL; an application's token names its endpoint
		url: `${settings.connection.endpoint}${restMethod}.json`,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: JSON.stringify(params),
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: !letHttpErrorsThrow,
		disableFollowRedirect: true,
		timeout: settings.timeoutMs,
		...(settings.connection.allowUnauthorizedCerts ? { skipSslCertificateValidation: true } : {}),
	};
}

/** One HTTP exchange through n8n's helpers, with the credential signing it. */
async function exchange(
	ctx: ApiContext,
	request: IHttpRequestOptions,
	settings: RequestSettings,
): Promise<RawAnswer> {
	let response: FullResponse;
	try {
		response = (await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			settings.connection.credentialType,
			request,
		)) as FullResponse;
	} catch (error) {
		const answered = answerInside(error, request.url);
		if (answered) return answered;
		if (!request.ignoreHttpStatusErrors) {
			const refusal = renewalRefusal(error);
			if (refusal !== undefined) throw renewalRefused(refusal);
		}
		throw networkFailure(error, settings.timeoutMs);
	}
	return {
		statusCode: response.statusCode,
		headers: response.headers ?? {},
		text: bodyText(response.body),
	};
}

/** The access token the credential holds now (n8n saves a renewed one there). */
async function accessTokenOf(ctx: ApiContext): Promise<unknown> {
	try {
		const credentials = await ctx.getCredentials(APPLICATION_CREDENTIAL);
		return (credentials.oauthTokenData as IDataObject | undefined)?.access_token;
	} catch {
		return undefined;
	}
}

/**
 * A renewal that failed on the way to Bitrix24's token server: nothing ran, since the call went
 * only with the expired token, which Bitrix24 refuses before running anything.
 */
function tokenServerUnreachable(failure: Bitrix24Error): Bitrix24Error {
	return new Bitrix24Error({
		kind: failure.kind,
		code: failure.code,
		// the system code goes into the hint: n8n rewrites a message that contains one
		message: "Bitrix24's token server could not be reached to renew the access token",
		hint: `Check the Token URL in the Bitrix24 OAuth2 API credential (normally https://oauth.bitrix.info/oauth/token/) and that n8n can reach it (system error ${failure.code}).`,
		delivery: 'notSent',
	});
}

/** Bitrix24's answer to an application's access token that has expired. */
function tokenExpired(answer: RawAnswer): boolean {
	return answer.statusCode === 401 && /"error"\s*:\s*"expired_token"/.test(answer.text);
}

/**
 * An expired token is renewed once, through n8n's OAuth2 helper (which saves the new token in
 * the credential): the call goes again letting HTTP errors throw, since the helper renews only
 * when a 401 throws. The call did not run the first time, so sending it again is safe. Calls that
 * meet the expired token while another call of the credential renews it wait and send again. A
 * refused renewal gets one more plain try, in case another process renewed the token meanwhile.
 */
async function renewAndResend(
	ctx: ApiContext,
	restMethod: string,
	params: IDataObject,
	settings: RequestSettings,
): Promise<RawAnswer> {
	const renewal = settings.renewal ?? new TokenRenewal();
	if (renewal.busy) {
		await renewal.settled();
		const again = await exchange(ctx, requestFor(restMethod, params, settings, false), settings);
		if (!tokenExpired(again)) return again;
	}
	const tokenBefore = await accessTokenOf(ctx);
	let failure: Bitrix24Error;
	try {
		return await renewal.run(
			async () => await exchange(ctx, requestFor(restMethod, params, settings, true), settings),
		);
	} catch (error) {
		// exchange() throws only Bitrix24Errors
		failure = error as Bitrix24Error;
	}
	if (failure.kind === 'network' || failure.kind === 'timeout' || failure.kind === 'tls') {
		// n8n keeps no trace of which request failed; an unchanged token says the renewal did
		if ((await accessTokenOf(ctx)) === tokenBefore) throw tokenServerUnreachable(failure);
		throw failure;
	}
	if (failure.code !== 'OAUTH_RENEWAL_REFUSED') throw failure;
	// another n8n process (a queue-mode worker) may have renewed first, using up the refresh token
	// this one sent: the token it saved is read afresh for one more try
	const again = await exchange(ctx, requestFor(restMethod, params, settings, false), settings);
	if (tokenExpired(again)) throw failure;
	return again;
}

/**
 * Sends one REST call (a method or `batch`) and returns its envelope. This is the only code of the
 * package that speaks HTTP to Bitrix24: through n8n's helpers, with the credential filling in the
 * webhook URL or signing with the application's token, never following a redirect (it would drop
 * the POST body and could carry the secret elsewhere).
 */
export async function sendRequest(
	ctx: ApiContext,
	restMethod: string,
	params: IDataObject,
	settings: RequestSettings,
): Promise<Envelope> {
	const { connection } = settings;
	let answer = await exchange(ctx, requestFor(restMethod, params, settings, false), settings);
	const application = connection.authentication === 'oAuth2';
	if (application && tokenExpired(answer))
		answer = await renewAndResend(ctx, restMethod, params, settings);
	try {
		return decodeAnswer(answer, connection.secrets);
	} catch (error) {
		throw application && error instanceof Bitrix24Error ? forApplication(error) : error;
	}
}

/**
 * The credential test runs before a credential is saved, where n8n offers only its legacy
 * `request` helper and no authenticate(): the caller passes the full URL it parsed itself, and an
 * application's bearer header.
 */
export async function postForCredentialTest(
	ctx: ICredentialTestFunctions,
	url: string,
	allowUnauthorizedCerts: boolean,
	headers: Record<string, string> = {},
): Promise<RawAnswer> {
	const response = (await ctx.helpers.request({
		method: 'POST',
		uri: url,
		body: '{}',
		headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
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
