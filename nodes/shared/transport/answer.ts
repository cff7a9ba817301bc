import type { IDataObject } from 'n8n-workflow';

import type { Delivery } from './errors';
import { Bitrix24Error, explain, isKnownCode } from './errors';
import type { Secrets } from './webhookUrl';
import { originOf, redact } from './webhookUrl';

/** Bitrix24's `time` object: only the parts the limiters read; both may be missing
 * (docs/bitrix24-behaviour.md#operating-time). */
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

/** One HTTP answer as the transport received it. */
export interface RawAnswer {
	statusCode: number;
	headers: Record<string, unknown>;
	text: string;
}

export function isRecord(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Reads `result`, `total`, `next` and `time` out of a plain answer or one command's batch parts.
 */
export function envelopeOf(
	result: unknown,
	total: unknown,
	next: unknown,
	time: unknown,
): Envelope {
	return {
		result,
		total: optionalNumber(total),
		next: optionalNumber(next),
		time: isRecord(time) ? (time as TimeInfo) : undefined,
	};
}

/** Codes the portal answers before running anything: the call is safe to send again
 * (docs/bitrix24-behaviour.md#refused-calls-are-safe-to-repeat). */
const REFUSED = new Set(['QUERY_LIMIT_EXCEEDED', 'OPERATION_TIME_LIMIT']);

/** Server faults: the method may have done part of its work before it failed. */
const SERVER_FAULTS = new Set(['INTERNAL_SERVER_ERROR', 'ERROR_UNEXPECTED_ANSWER']);

/**
 * The error for an {error, error_description} the portal sent, plain or inside a batch. Everything
 * that came from the portal is redacted: a portal may echo the webhook URL in any of it.
 */
export function portalError(
	rawCode: unknown,
	rawDescription: unknown,
	httpStatus: number | undefined,
	secret?: Secrets,
): Bitrix24Error {
	const code =
		typeof rawCode === 'string' || typeof rawCode === 'number'
			? redact(String(rawCode), secret)
			: 'UNKNOWN_ERROR';
	const description = redact(typeof rawDescription === 'string' ? rawDescription : '', secret);
	const { message, hint, reason } = explain(code, description, httpStatus);
	let delivery: Delivery = 'answered';
	if (REFUSED.has(code)) delivery = 'refused';
	else if (SERVER_FAULTS.has(code)) delivery = 'unknown';
	// a code the node does not know: only then does a 5xx status say it was a fault that may have run
	else if (!isKnownCode(code) && httpStatus !== undefined && httpStatus >= 500)
		delivery = 'unknown';
	return new Bitrix24Error({
		kind: 'api',
		code,
		message: redact(message, secret),
		hint: redact(hint, secret),
		httpStatus,
		delivery,
		reason,
	});
}

function header(headers: Record<string, unknown>, name: string): string {
	const value = headers[name] ?? headers[name.toLowerCase()];
	return Array.isArray(value) ? String(value[0] ?? '') : String(value ?? '');
}

/** JSON.parse that returns undefined instead of throwing. */
function parseJson(text: string): unknown {
	if (text === '') return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

const PHP_MESSAGE = /<b>(Notice|Warning|Deprecated|Strict Standards)<\/b>:/i;

/**
 * Self-hosted portals with display_errors on print PHP notices before the JSON. The answer after
 * them is whole, so it is read as it is; anything else that does not parse stays unreadable.
 */
function afterPhpMessages(text: string): unknown {
	if (!PHP_MESSAGE.test(text)) return undefined;
	const end = text.lastIndexOf('<br />');
	const start = text.indexOf('{', end >= 0 ? end : 0);
	if (start < 0) return undefined;
	const parsed = parseJson(text.slice(start).trim());
	return isRecord(parsed) && ('result' in parsed || 'error' in parsed) ? parsed : undefined;
}

/**
 * The one decoder of an HTTP answer, used by plain calls and by `batch` alike: an envelope on
 * success, a typed error for {error, error_description}, a redirect, an HTML page from a proxy,
 * or anything else unexpected — never with the secret in it.
 */
export function decodeAnswer(answer: RawAnswer, secret?: Secrets): Envelope {
	const { statusCode, headers, text } = answer;
	const parsed = parseJson(text) ?? afterPhpMessages(text);
	if (isRecord(parsed) && (typeof parsed.error === 'string' || typeof parsed.error === 'number')) {
		return throwError(portalError(parsed.error, parsed.error_description, statusCode, secret));
	}
	if (statusCode >= 300 && statusCode < 400) {
		const location = header(headers, 'location');
		const target = location ? originOf(location) : 'another address';
		return throwError(
			new Bitrix24Error({
				kind: 'redirect',
				code: `HTTP_${statusCode}`,
				message: `The portal answered with a redirect to ${target} (HTTP ${statusCode}); the node does not follow redirects, so nothing was sent there`,
				hint: `The portal may have moved to ${target}. Copy the inbound webhook URL again from Bitrix24 (Developer resources → Other → Inbound webhook) and update the credential; a redirect would turn the call into a GET without its parameters.`,
				httpStatus: statusCode,
				delivery: 'notSent',
			}),
		);
	}
	if (statusCode >= 200 && statusCode < 300 && isRecord(parsed) && 'result' in parsed) {
		return envelopeOf(parsed.result, parsed.total, parsed.next, parsed.time);
	}
	// A 2xx we cannot read (cut off, or a PHP notice before the JSON) came from the portal after the
	// method ran, or while it ran: it may have done its work.
	const ran: Delivery =
		statusCode >= 500 || (statusCode >= 200 && statusCode < 300) ? 'unknown' : 'answered';
	const contentType = header(headers, 'content-type');
	if (/html/i.test(contentType) || /^\s*</.test(text)) {
		const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
		const phpNotice = /<b>(Notice|Warning|Deprecated|Fatal error|Parse error)<\/b>/i.exec(
			text,
		)?.[1];
		return throwError(
			new Bitrix24Error({
				kind: 'html',
				code: `HTTP_${statusCode}`,
				message: phpNotice
					? `The portal answered with a PHP ${phpNotice.toLowerCase()} instead of data (HTTP ${statusCode})`
					: `The portal answered with a web page instead of data (HTTP ${statusCode}${title ? `: ${redact(title, secret)}` : ''})`,
				hint: phpNotice
					? 'The Bitrix24 server prints PHP messages into its answers: ask its administrator to turn off display_errors. The call may have run.'
					: statusCode >= 500
						? 'A proxy or web server in front of Bitrix24 failed; try again later.'
						: 'Check that the webhook URL points at the Bitrix24 portal (…/rest/<user id>/<code>/).',
				httpStatus: statusCode,
				delivery: ran,
			}),
		);
	}
	return throwError(
		new Bitrix24Error({
			kind: 'http',
			code: `HTTP_${statusCode}`,
			message: `The portal gave an answer the node cannot read (HTTP ${statusCode})`,
			hint:
				ran === 'unknown'
					? 'The answer was cut off or garbled on the way, so the call may or may not have run. Try again later.'
					: 'Check the webhook URL in the credential.',
			httpStatus: statusCode,
			delivery: ran,
		}),
	);
}

function throwError(error: Bitrix24Error): never {
	throw error;
}
