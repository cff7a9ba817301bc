import type {
	ICredentialTestFunctions,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
} from 'n8n-workflow';

import { Bitrix24Error, explain } from './errors';
import { redact } from './webhookUrl';

export const CREDENTIAL_TYPE = 'bitrix24WebhookApi';

/** Any n8n context that may call the portal with the node's credential. */
export type ApiContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

/** Bitrix24's `time` object: only the parts the limiters read. */
export interface TimeInfo {
	operating?: number;
	operating_reset_at?: number;
	[key: string]: unknown;
}

/** A successful answer: the method's `result` plus the list and timing extras. */
export interface Envelope<T = unknown> {
	result: T;
	total?: number;
	next?: number;
	time?: TimeInfo;
}

interface FullResponse {
	body: unknown;
	headers: Record<string, unknown>;
	statusCode: number;
}

function isRecord(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a raw HTTP answer the way Bitrix24 means it: an envelope on success, a typed error for
 * {error, error_description}, an HTML page from a proxy, or anything else unexpected.
 */
export function readAnswer(statusCode: number, contentType: string, text: string, secret?: string): Envelope {
	let parsed: unknown;
	try {
		parsed = text === '' ? undefined : JSON.parse(text);
	} catch {
		parsed = undefined;
	}
	if (isRecord(parsed) && typeof parsed.error === 'string') {
		const code = parsed.error;
		const description = redact(String(parsed.error_description ?? ''), secret);
		const { message, hint } = explain(code, description, statusCode);
		// refused before running: rate limit and operating-time limit (spec §5)
		const refused = code === 'QUERY_LIMIT_EXCEEDED' || code === 'OPERATION_TIME_LIMIT';
		throw new Bitrix24Error('api', code, message, statusCode, hint, refused);
	}
	if (statusCode >= 200 && statusCode < 300 && isRecord(parsed) && 'result' in parsed) {
		return {
			result: parsed.result,
			total: typeof parsed.total === 'number' ? parsed.total : undefined,
			next: typeof parsed.next === 'number' ? parsed.next : undefined,
			time: isRecord(parsed.time) ? (parsed.time as TimeInfo) : undefined,
		};
	}
	const looksHtml = /html/i.test(contentType) || /^\s*</.test(text);
	if (looksHtml) {
		const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
		throw new Bitrix24Error(
			'html',
			`HTTP_${statusCode}`,
			`The portal answered with a web page instead of data (HTTP ${statusCode}${title ? `: ${redact(title, secret)}` : ''})`,
			statusCode,
			statusCode >= 500
				? 'A proxy or web server in front of Bitrix24 failed; try again later.'
				: 'Check that the webhook URL points at the Bitrix24 portal (…/rest/<user id>/<code>/).',
		);
	}
	throw new Bitrix24Error(
		'http',
		`HTTP_${statusCode}`,
		`The portal gave an answer the node cannot read (HTTP ${statusCode})`,
		statusCode,
		statusCode >= 500 ? 'Try again later.' : 'Check the webhook URL in the credential.',
	);
}

/** Turns a thrown transport failure (no HTTP answer) into a typed error without the secret. */
export function networkFailure(error: unknown, timeoutMs: number): Bitrix24Error {
	const chain: Array<Record<string, unknown>> = [];
	let current: unknown = error;
	for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
		chain.push(current as Record<string, unknown>);
		current = (current as { cause?: unknown }).cause;
	}
	const webhookProblem = chain.find((link) => link.name === 'WebhookUrlError');
	if (webhookProblem) {
		return new Bitrix24Error(
			'network',
			'INVALID_WEBHOOK_URL',
			String(webhookProblem.message),
			undefined,
			'Fix the Webhook URL in the Bitrix24 Webhook API credential.',
			true,
		);
	}
	// axios puts the system error code in `code`; n8n's NodeApiError moves it to `httpCode`
	const codes = chain
		.flatMap((link) => [link.code, link.httpCode])
		.filter((code): code is string => typeof code === 'string');
	const messages = chain.map((link) => String(link.message ?? '')).join(' ');
	const code = codes.find((c) => /^E[A-Z_]+$/.test(c)) ?? codes[0] ?? '';
	if (code === 'ERR_CANCELED') {
		return new Bitrix24Error('network', 'CANCELED', 'The execution was cancelled', undefined, '', true);
	}
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(messages)) {
		return new Bitrix24Error(
			'timeout',
			'TIMEOUT',
			`The portal did not answer within ${Math.round(timeoutMs / 1000)} s`,
			undefined,
			'Bitrix24 may be slow or unreachable. The node retries calls that are safe to repeat; raise "Timeout" in the node options if it keeps happening.',
		);
	}
	// refused or unresolvable: the request never reached the portal
	const neverSent = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code);
	// the system code goes into the description: NodeApiError rewrites messages that contain one
	const detail = code ? ` (system error ${code})` : '';
	return new Bitrix24Error(
		'network',
		code || 'NETWORK_ERROR',
		neverSent ? 'The portal could not be reached' : 'The connection to the portal was lost before it answered',
		undefined,
		neverSent
			? `Check the portal address in the webhook URL and that the portal is online${detail}.`
			: `The network or a proxy dropped the connection; the node retries calls that are safe to repeat${detail}.`,
		neverSent,
	);
}

/**
 * Sends one REST call and returns its envelope. This is the only code of the package that
 * speaks HTTP to Bitrix24 (through n8n's helpers, with the credential filling in the webhook URL).
 */
export async function sendRequest(
	ctx: ApiContext,
	restMethod: string,
	params: IDataObject,
	options: { timeoutMs: number; secret?: string },
): Promise<Envelope> {
	const request: IHttpRequestOptions = {
		method: 'POST',
		url: `${restMethod}.json`,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: JSON.stringify(params),
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: options.timeoutMs,
	};
	let response: FullResponse;
	try {
		response = (await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			CREDENTIAL_TYPE,
			request,
		)) as FullResponse;
	} catch (error) {
		throw networkFailure(error, options.timeoutMs);
	}
	const contentType = String(response.headers?.['content-type'] ?? '');
	const text =
		typeof response.body === 'string'
			? response.body
			: Buffer.isBuffer(response.body)
				? response.body.toString('utf8')
				: JSON.stringify(response.body ?? '');
	return readAnswer(response.statusCode, contentType, text, options.secret);
}

export interface RawResponse {
	statusCode: number;
	body: unknown;
}

/**
 * The credential test runs before a credential is saved, where n8n offers only its legacy
 * `request` helper and no authenticate(): the caller passes the full URL it parsed itself.
 */
export async function postForCredentialTest(ctx: ICredentialTestFunctions, url: string): Promise<RawResponse> {
	return (await ctx.helpers.request({
		method: 'POST',
		uri: url,
		body: {},
		json: true,
		timeout: 15_000,
		simple: false,
		resolveWithFullResponse: true,
	})) as RawResponse;
}
