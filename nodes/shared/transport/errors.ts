import type { IDataObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** What went wrong on the wire, before it is turned into an n8n error. */
export type FailureKind =
	| 'api' // the portal answered with {error, error_description}
	| 'html' // a proxy or web server answered with a page instead of JSON
	| 'http' // any other answer the node cannot read
	| 'redirect' // the portal answered with a redirect, which the node never follows
	| 'network' // connection refused, reset, DNS
	| 'tls' // the TLS handshake failed: untrusted or expired certificate, not TLS at all
	| 'timeout' // no answer in time
	| 'input' // the call could not even be encoded (e.g. a broken character in a value)
	| 'budget'; // the node's own waiting budget ran out before the call could be sent

/**
 * Whether the portal ran the call, as far as the node can know. This is the one fact that
 * decides retries and lost-answer recovery, so every error states it.
 * - notSent: the request never reached the portal (refused connection, TLS, not encoded, no budget)
 * - refused: the portal refused it before running it (rate limit, operating-time limit)
 * - answered: the portal ran it and answered with an error: repeating gives the same answer
 * - unknown: it may have run (timeout, lost connection, a 5xx or an unreadable 200 answer)
 */
export type Delivery = 'notSent' | 'refused' | 'answered' | 'unknown';

/**
 * What an error means when its code alone does not say it, for code that decides by it (the
 * message is for people and may be reworded):
 * - restNeedsSubscription: ACCESS_DENIED because the portal's plan has no REST at all, not a
 *   missing permission of the webhook's user
 */
export type ErrorReason = 'restNeedsSubscription';

export interface Bitrix24ErrorOptions {
	kind: FailureKind;
	code: string;
	message: string;
	delivery: Delivery;
	httpStatus?: number;
	/** what the user should do */
	hint?: string;
	/**
	 * this answers a repeat of a call whose first answer was lost: the first may have done the work
	 */
	repeatedAfterLostAnswer?: boolean;
	/** facts for the error item, e.g. the id of a line whose creation could not be confirmed */
	details?: IDataObject;
	reason?: ErrorReason;
}

/** A failed Bitrix24 call: the code, a plain-words message, a hint and whether it ran. */
export class Bitrix24Error extends Error {
	readonly kind: FailureKind;
	readonly code: string;
	readonly delivery: Delivery;
	readonly httpStatus?: number;
	readonly description?: string;
	readonly repeatedAfterLostAnswer: boolean;
	readonly details?: IDataObject;
	readonly reason?: ErrorReason;

	constructor(options: Bitrix24ErrorOptions) {
		super(options.message);
		this.name = 'Bitrix24Error';
		this.kind = options.kind;
		this.code = options.code;
		this.delivery = options.delivery;
		this.httpStatus = options.httpStatus;
		this.description = options.hint;
		this.repeatedAfterLostAnswer = options.repeatedAfterLostAnswer ?? false;
		this.details = options.details;
		this.reason = options.reason;
	}

	get options(): Bitrix24ErrorOptions {
		return {
			kind: this.kind,
			code: this.code,
			message: this.message,
			delivery: this.delivery,
			httpStatus: this.httpStatus,
			hint: this.description,
			repeatedAfterLostAnswer: this.repeatedAfterLostAnswer,
			details: this.details,
			reason: this.reason,
		};
	}

	/** A copy with some options changed. */
	with(changes: Partial<Bitrix24ErrorOptions>): Bitrix24Error {
		return new Bitrix24Error({ ...this.options, ...changes });
	}
}

/** The credential's webhook URL cannot be used: the user's input, named with its fix. */
export function invalidWebhookUrl(message: string): Bitrix24Error {
	return new Bitrix24Error({
		kind: 'network',
		code: 'INVALID_WEBHOOK_URL',
		message,
		hint: 'Fix the Webhook URL in the Bitrix24 Webhook API credential.',
		delivery: 'notSent',
	});
}

/** The execution was cancelled: its calls that still wait fail unsent. */
export function cancelled(): Bitrix24Error {
	return new Bitrix24Error({
		kind: 'network',
		code: 'CANCELED',
		message: 'The execution was cancelled',
		delivery: 'notSent',
	});
}

/**
 * The node's Max Wait ran out before the call could go: spent on pacing, or on the portal's
 * refusals (too many requests), which is then named as the cause.
 */
export function waitBudgetExhausted(maxWaitMs: number, refusedByPortal: boolean): Bitrix24Error {
	const seconds = Math.round(maxWaitMs / 1000);
	return new Bitrix24Error({
		kind: 'budget',
		code: refusedByPortal ? 'QUERY_LIMIT_EXCEEDED' : 'WAIT_BUDGET_EXHAUSTED',
		message: refusedByPortal
			? `Bitrix24 kept refusing requests (too many per second) until the node's Max Wait of ${seconds} s ran out; this call was not sent`
			: `The node stopped pacing its requests after its Max Wait of ${seconds} s; this call was not sent`,
		httpStatus: refusedByPortal ? 503 : undefined,
		hint: 'Raise "Max Wait" in the node options, choose the Enterprise rate limit if your plan has it, or run fewer workflows against the portal at the same time.',
		delivery: 'notSent',
	});
}

/** What the node knows of a method's run time in the portal's 10-minute window. */
export interface RunTimeUse {
	restMethod: string;
	/** the portal's last running sum, seconds, if it still describes the window */
	usedSeconds?: number;
	limitSeconds: number;
	/** unix seconds when the method's block ends, only if the portal said so */
	resetAt?: number;
}

function formatMoment(unixSeconds: number): string {
	return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The method's run time is (nearly) used up and waiting for it does not fit into Max Wait. */
export function slowedDownTooLong(use: RunTimeUse, waitMs: number): Bitrix24Error {
	const { restMethod, usedSeconds: used, limitSeconds: limit, resetAt } = use;
	const usedUp = used !== undefined && used >= limit;
	const sum = `${used === undefined ? 'close to' : `${Math.round(used * 100) / 100} s of`} ${Math.round(limit * 100) / 100} s in the last 10 minutes`;
	return new Bitrix24Error({
		kind: 'budget',
		code: 'OPERATION_TIME_LIMIT',
		message: usedUp
			? `Bitrix24's run-time limit for ${restMethod} is used up (${sum}); this call was not sent`
			: `Bitrix24's run-time limit for ${restMethod} is nearly used up (${sum}); this call was not sent`,
		hint:
			usedUp && resetAt !== undefined
				? `The method will be available again at ${formatMoment(resetAt)} (in ${Math.ceil(waitMs / 1000)} s), which is beyond the node's "Max Wait". Run again after that time.`
				: `The node spaces such calls out instead of running into the portal's block; the next one may go in ${Math.ceil(waitMs / 1000)} s, which is beyond the node's "Max Wait". Run again later or raise "Max Wait".`,
		delivery: 'notSent',
	});
}

/**
 * The portal blocked the method (OPERATION_TIME_LIMIT) and the retry's wait does not fit into Max
 * Wait.
 */
export function blockedTooLong(
	error: Bitrix24Error,
	restMethod: string,
	resetAt: number | undefined,
	delayMs: number,
): Bitrix24Error {
	// a reset time is stated only when Bitrix24 gave one (docs/bitrix24-behaviour.md#operating-time)
	return error.with({
		message:
			resetAt !== undefined
				? `Bitrix24 blocked ${restMethod} until ${formatMoment(resetAt)}: its run time in the last 10 minutes is over the portal's limit`
				: `Bitrix24 blocked ${restMethod}: its run time in the last 10 minutes is over the portal's limit, and the portal did not say when the block ends`,
		hint:
			resetAt !== undefined
				? `The method will be available again at ${formatMoment(resetAt)} (in ${Math.ceil(delayMs / 1000)} s), which is beyond the node's "Max Wait". Run again after that time.`
				: 'Such a block ends within 10 minutes. Run again later, or raise "Max Wait" in the node options so that the node waits for it.',
		delivery: 'refused',
	});
}

/**
 * n8n aborted a request because another execution sharing it was cancelled: for this call's run
 * it is a lost answer, as the portal may have run the call.
 */
export function cutOffByCancellation(): Bitrix24Error {
	return new Bitrix24Error({
		kind: 'network',
		code: 'ECONNRESET',
		message: 'The connection to the portal was lost before it answered',
		hint: 'The request that carried this call was cut off because another execution sharing it was cancelled; the node retries calls that are safe to repeat.',
		delivery: 'unknown',
	});
}

/**
 * ACCESS_DENIED means two things (docs/bitrix24-behaviour.md#access-denied-has-two-meanings): REST
 * off for the whole portal, or a missing permission.
 */
export const REST_NEEDS_SUBSCRIPTION = 'Bitrix24 REST is available only on a commercial plan';

interface Explanation {
	message: string;
	/** what the user should do */
	hint: string;
	reason?: ErrorReason;
}

const NEW_WEBHOOK =
	'Open Bitrix24 → Developer resources → Other → Inbound webhook, check that the webhook still exists (or create a new one with the "Telephony (telephony)" scope) and paste its full URL into the Bitrix24 Webhook API credential.';

const EXPLANATIONS: Record<string, (description: string) => Explanation> = {
	INVALID_CREDENTIALS: () => ({
		message:
			'Bitrix24 does not accept this webhook: its code is wrong, or it was deleted or has expired',
		hint: NEW_WEBHOOK,
	}),
	NO_AUTH_FOUND: () => ({
		message: 'Bitrix24 found no webhook code in the request',
		hint: `Check that the credential holds the whole webhook URL, …/rest/<user id>/<code>/. ${NEW_WEBHOOK}`,
	}),
	expired_token: () => ({
		message: 'The Bitrix24 access token has expired',
		hint: 'Reconnect the credential.',
	}),
	invalid_token: () => ({
		message: 'Bitrix24 does not accept the access token',
		hint: 'Reconnect the credential.',
	}),
	insufficient_scope: () => ({
		message: 'The webhook lacks the "telephony" scope',
		hint: 'Edit the inbound webhook in Bitrix24, tick the "Telephony (telephony)" scope and save.',
	}),
	ACCESS_DENIED: (description) =>
		/subscription/i.test(description)
			? {
					message: REST_NEEDS_SUBSCRIPTION,
					hint: 'The portal has no paid plan (or its subscription ended): REST calls, webhooks included, are refused until it is renewed.',
					reason: 'restNeedsSubscription',
				}
			: {
					message: "Bitrix24 denied access: the webhook's user lacks the telephony permission",
					hint: 'Give the user who created the webhook the telephony permission "Manage numbers — modify" (Telephony → Access permissions).',
				},
	user_access_error: () => ({
		message: "The webhook's user has no access to this application",
		hint: "Check the user's access to the application in Bitrix24.",
	}),
	INVALID_REQUEST: (description) =>
		/https/i.test(description)
			? {
					message: 'Bitrix24 refused the request: HTTPS is required',
					hint: 'Use the https:// webhook URL of your portal.',
				}
			: {
					message: 'Bitrix24 refused the request as invalid',
					hint: 'Check the webhook URL in the credential.',
				},
	ERROR_METHOD_NOT_FOUND: () => ({
		message: 'This Bitrix24 portal does not offer the method',
		hint: 'Check that the Telephony module is enabled on the portal.',
	}),
	QUERY_LIMIT_EXCEEDED: () => ({
		message: 'Bitrix24 refused the request: too many requests per second',
		hint: 'The node already paces and retries; raise "Max Wait" in the node options, or run fewer workflows against the portal at once.',
	}),
	OPERATION_TIME_LIMIT: () => ({
		message:
			'Bitrix24 blocked the method for a while: its run time in the last 10 minutes is over the limit',
		hint: 'Wait until the limit resets (up to 10 minutes), then run again.',
	}),
	OVERLOAD_LIMIT: () => ({
		message: 'Bitrix24 support has blocked REST access for this portal',
		hint: 'Retrying does not help; contact Bitrix24 support.',
	}),
	INTERNAL_SERVER_ERROR: () => ({
		message: 'Bitrix24 had an internal error',
		hint: 'Try again later.',
	}),
	ERROR_UNEXPECTED_ANSWER: () => ({
		message: 'Bitrix24 had an internal error',
		hint: 'Try again later.',
	}),
	PORTAL_DELETED: () => ({
		message: 'The Bitrix24 portal is closed or deleted',
		hint: 'Check the portal address in the credential.',
	}),
	ERROR_BATCH_METHOD_NOT_ALLOWED: () => ({
		message: 'Bitrix24 does not allow this method inside a batch',
		hint: 'Turn off "Batch Requests" in the node options.',
	}),
	ERROR_BATCH_LENGTH_EXCEEDED: () => ({
		message: 'Bitrix24 refused a batch of more than 50 commands',
		hint: 'Turn off "Batch Requests" in the node options and report this as a bug of the node.',
	}),
	ERROR_NOT_FOUND: () => ({
		message: 'The SIP line was not found',
		hint: LINE_NOT_FOUND_HINT,
	}),
	ERROR_ARGUMENT: (description) => ({
		message: `Bitrix24 rejected an argument${description ? `: ${splitParts(description).join('; ')}` : ''}`,
		hint: /CONFIG_ID/.test(description)
			? 'Check the Line ID: it must be the CONFIG_ID of a telephony line of this portal.'
			: 'Check the value named above in the node’s parameters.',
	}),
	REG_ID_NOT_FOUND: () => ({
		message: 'The SIP registration was not found',
		hint: 'Check the Registration ID (REG_ID of a cloud line). Office PBX lines have no registration.',
	}),
	TITLE_EXISTS: () => ({
		message: 'A telephony connection with this title already exists on the portal',
		hint: 'Titles are unique across all telephony connections of the portal, whoever made them, and compared without regard to case. Choose another title, or set "If Title Exists" to return or update the existing line.',
	}),
	MAX_CLOUD_PBX: () => ({
		message: 'The portal already has the maximum of 10 cloud PBX lines',
		hint: 'The limit counts every cloud line of the portal, including lines made in the Bitrix24 UI or by an application. Delete a cloud line you no longer use, or connect this one as an office PBX.',
	}),
	CHECK_FIELDS_ERROR: (description) => ({
		message: `Bitrix24 rejected the line's fields: ${splitParts(description).join('; ')}`,
		hint: 'Correct the fields named above and run again.',
	}),
};

/**
 * Lines of every inbound webhook and of the Bitrix24 UI share one pool
 * (docs/bitrix24-behaviour.md#one-pool-of-lines-for-every-inbound-webhook).
 */
export const LINE_NOT_FOUND_HINT =
	'Check the Line ID (CONFIG_ID). Every inbound webhook of the portal and the Bitrix24 UI see the same SIP lines; only lines made by an OAuth application are hidden from webhooks. The line may have been deleted.';

/** Bitrix24 joins validation messages with "<br>"; turn them into separate sentences. */
export function splitParts(description: string): string[] {
	return description
		.split(/<br\s*\/?>/i)
		.map((part) => part.replace(/<[^>]*>/g, '').trim())
		.filter((part) => part !== '');
}

/**
 * Whether the node knows what this code means, so that it decides by the code, not the HTTP status.
 */
const RECONNECT_APPLICATION =
	'Open the Bitrix24 OAuth2 API credential and click "Reconnect", then approve the application in Bitrix24.';

/**
 * The same answers in the words of an OAuth2 application: the portal's codes are the same, but
 * there is no webhook to fix — the application, its user or its authorization is.
 */
const APPLICATION_EXPLANATIONS: Record<string, (error: Bitrix24Error) => Explanation | undefined> =
	{
		insufficient_scope: () => ({
			message: 'The Bitrix24 application lacks the "telephony" scope',
			hint: 'Edit the local application in Bitrix24 (Developer resources → Integrations), tick "Telephony (telephony)", save, then reconnect the credential.',
		}),
		ACCESS_DENIED: (error) =>
			error.reason === 'restNeedsSubscription'
				? undefined
				: {
						message:
							'Bitrix24 denied access: the user who connected the application lacks the telephony permission',
						hint: 'Give that user the telephony permission "Manage numbers — modify" (Telephony → Access permissions), or reconnect the credential as a user who has it.',
					},
		user_access_error: () => ({
			message: 'The user who connected the application has no access to it',
			hint: 'Check who may use the local application in Bitrix24, or reconnect the credential as another user.',
		}),
		invalid_token: () => ({
			message: "Bitrix24 no longer accepts this application's authorization",
			hint: `The local application may have been deleted or its access revoked. ${RECONNECT_APPLICATION}`,
		}),
		expired_token: () => ({
			message: "The application's access token has expired and could not be renewed",
			hint: RECONNECT_APPLICATION,
		}),
		NO_AUTH_FOUND: () => ({
			message: 'Bitrix24 found no access token in the request',
			hint: RECONNECT_APPLICATION,
		}),
		INVALID_REQUEST: (error) =>
			/https/i.test(error.message)
				? {
						message: 'Bitrix24 refused the request: HTTPS is required',
						hint: 'Enter the https:// address of your portal in the credential.',
					}
				: undefined,
	};

/** An error of an OAuth2 application's call, in the application's words. */
export function forApplication(error: Bitrix24Error): Bitrix24Error {
	const explained = APPLICATION_EXPLANATIONS[error.code]?.(error);
	return explained ? error.with({ message: explained.message, hint: explained.hint }) : error;
}

/** Bitrix24's token server would not renew the application's access token. */
export function renewalRefused(code: string): Bitrix24Error {
	return new Bitrix24Error({
		kind: 'api',
		code: 'OAUTH_RENEWAL_REFUSED',
		message: `Bitrix24 refused to renew the application's access${code ? ` (${code})` : ''}`,
		hint: `The local application may have been deleted, its key changed, or the credential left unused for 28 days. ${RECONNECT_APPLICATION}`,
		httpStatus: 401,
		delivery: 'notSent',
	});
}

export function isKnownCode(code: string): boolean {
	return Object.prototype.hasOwnProperty.call(EXPLANATIONS, code);
}

/** The message and hint for an error code of the portal; the description is already redacted. */
export function explain(code: string, description: string, httpStatus?: number): Explanation {
	const known = Object.prototype.hasOwnProperty.call(EXPLANATIONS, code)
		? EXPLANATIONS[code]
		: undefined;
	if (known) return known(description);
	if (httpStatus !== undefined && httpStatus >= 500) {
		return { message: `Bitrix24 answered with a server error (${code})`, hint: 'Try again later.' };
	}
	const text = splitParts(description).join('; ');
	return {
		message: text ? `Bitrix24 error ${code}: ${text}` : `Bitrix24 error ${code}`,
		hint: 'See the Bitrix24 REST documentation for this error code.',
	};
}

/** The error an item fails with: readable message, the hint as description, the code kept. */
export function toNodeApiError(
	node: INode,
	error: Bitrix24Error,
	itemIndex?: number,
): NodeApiError {
	// not under `code`: NodeApiError would replace the message with its own for system codes
	const response: JsonObject = {
		bitrix24Code: error.code,
		message: error.message,
		...(error.httpStatus !== undefined ? { httpCode: error.httpStatus } : {}),
	};
	const apiError = new NodeApiError(node, response, {
		message: error.message,
		description: error.description ?? '',
		httpCode: error.httpStatus !== undefined ? String(error.httpStatus) : undefined,
		itemIndex,
	});
	apiError.context.bitrix24Code = error.code;
	if (error.details) apiError.context.details = error.details;
	return apiError;
}

/**
 * Any failure as the n8n error it should be: what the portal answered becomes a NodeApiError,
 * what the user entered (a malformed webhook URL, a value that cannot be sent) a
 * NodeOperationError.
 */
export function toNodeError(
	node: INode,
	error: unknown,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	if (error instanceof Bitrix24Error) {
		if (error.code === 'INVALID_WEBHOOK_URL' || error.kind === 'input') {
			const operationError = new NodeOperationError(node, error.message, {
				itemIndex,
				description: error.description,
			});
			// n8n replaces a message containing a system error code in any case ("updateExisting"
			// holds EEXIST) with its own words about files; the node's message is the one that helps
			operationError.message = error.message;
			operationError.context.bitrix24Code = error.code;
			return operationError;
		}
		return toNodeApiError(node, error, itemIndex);
	}
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error as Error, { itemIndex });
}
