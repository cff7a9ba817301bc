import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** What went wrong on the wire, before it is turned into an n8n error. */
export type FailureKind =
	| 'api' // the portal answered with {error, error_description}
	| 'html' // a proxy or web server answered with a page instead of JSON
	| 'http' // any other non-JSON, non-2xx answer
	| 'network' // connection refused, reset, DNS
	| 'timeout' // no answer in time
	| 'budget'; // the node's own waiting budget ran out before the call could be sent

/** A failed Bitrix24 call: the code, a plain-words message and whether repeating it can help. */
export class Bitrix24Error extends Error {
	constructor(
		readonly kind: FailureKind,
		readonly code: string,
		message: string,
		readonly httpStatus?: number,
		readonly description?: string,
		/** true when the portal certainly did not run the call (it was refused, or never sent) */
		readonly notExecuted = false,
	) {
		super(message);
		this.name = 'Bitrix24Error';
	}

	/** true when this answers a repeat of a call whose first answer was lost: the first may have done the work */
	repeatedAfterLostAnswer = false;

	afterLostAnswer(): Bitrix24Error {
		const copy = new Bitrix24Error(this.kind, this.code, this.message, this.httpStatus, this.description, this.notExecuted);
		copy.repeatedAfterLostAnswer = true;
		return copy;
	}
}

interface Explanation {
	message: string;
	/** what the user should do */
	hint: string;
}

const EXPLANATIONS: Record<string, (description: string) => Explanation> = {
	NO_AUTH_FOUND: () => ({
		message: 'Bitrix24 does not know this webhook (wrong code, deleted or expired)',
		hint: 'Create a new inbound webhook in Bitrix24 (Developer resources → Other → Inbound webhook) and paste its URL into the credential.',
	}),
	expired_token: () => ({
		message: 'The Bitrix24 access token has expired',
		hint: 'Reconnect the credential.',
	}),
	insufficient_scope: () => ({
		message: 'The webhook lacks the "telephony" scope',
		hint: 'Edit the inbound webhook in Bitrix24, tick the "Telephony (telephony)" scope and save.',
	}),
	INVALID_CREDENTIALS: () => ({
		message: "The webhook's user lacks the permission for this method",
		hint: 'Give the user who created the webhook the telephony permission "Manage numbers — modify".',
	}),
	ACCESS_DENIED: () => ({
		message: 'Bitrix24 denied access',
		hint: 'The webhook\'s user needs the telephony permission "Manage numbers — modify" (Telephony → Access permissions), and REST needs a commercial Bitrix24 plan.',
	}),
	user_access_error: () => ({
		message: 'The webhook\'s user has no access to this application',
		hint: 'Check the user\'s access to the application in Bitrix24.',
	}),
	INVALID_REQUEST: () => ({
		message: 'Bitrix24 refused the request (HTTPS is required)',
		hint: 'Use the https:// webhook URL of your portal.',
	}),
	ERROR_METHOD_NOT_FOUND: () => ({
		message: 'This Bitrix24 portal does not offer the method',
		hint: 'Check that the Telephony module is enabled on the portal.',
	}),
	QUERY_LIMIT_EXCEEDED: () => ({
		message: 'Bitrix24 refused the request: too many requests per second',
		hint: 'The node already paces and retries; raise "Max Wait" in the node options, or run fewer workflows against the portal at once.',
	}),
	OPERATION_TIME_LIMIT: () => ({
		message: 'Bitrix24 blocked the method for a while: its run time in the last 10 minutes is over the limit',
		hint: 'Wait until the limit resets, then run again.',
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
		hint: 'Check the Line ID. Bitrix24 only shows lines created through the same webhook; lines created by hand or by another webhook are invisible to it.',
	}),
	REG_ID_NOT_FOUND: () => ({
		message: 'The SIP registration was not found',
		hint: 'Check the Registration ID (REG_ID of a cloud line). Office PBX lines have no registration.',
	}),
	TITLE_EXISTS: () => ({
		message: 'A telephony connection with this title already exists on the portal',
		hint: 'Choose another title, or set "If Title Exists" to return or update the existing line.',
	}),
	MAX_CLOUD_PBX: () => ({
		message: 'The portal already has the maximum of 10 cloud PBX lines',
		hint: 'Delete a cloud line you no longer use, or connect this one as an office PBX.',
	}),
	CHECK_FIELDS_ERROR: (description) => ({
		message: `Bitrix24 rejected the line's fields: ${splitParts(description).join('; ')}`,
		hint: 'Correct the fields named above and run again.',
	}),
};

/** Bitrix24 joins validation messages with "<br>"; turn them into separate sentences. */
export function splitParts(description: string): string[] {
	return description
		.split(/<br\s*\/?>/i)
		.map((part) => part.replace(/<[^>]*>/g, '').trim())
		.filter((part) => part !== '');
}

export function explain(code: string, description: string, httpStatus?: number): Explanation {
	const known = EXPLANATIONS[code];
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
export function toNodeApiError(node: INode, error: Bitrix24Error, itemIndex?: number): NodeApiError {
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
	return apiError;
}

/**
 * Any failure as the n8n error it should be: what the portal answered becomes a NodeApiError,
 * a malformed webhook URL (the user's input) a NodeOperationError.
 */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof Bitrix24Error) {
		if (error.code === 'INVALID_WEBHOOK_URL') {
			return new NodeOperationError(node, error.message, { itemIndex, description: error.description });
		}
		return toNodeApiError(node, error, itemIndex);
	}
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error as Error, { itemIndex });
}
