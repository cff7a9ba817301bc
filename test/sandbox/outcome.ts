import type { TimeInfo } from './time';

/** What one REST call ended in, before it is written as an HTTP answer or a batch part. */
export type Outcome =
	| { ok: true; result: unknown; total?: number; next?: number; time: TimeInfo }
	| { ok: false; status: number; error: string; description: string };

/** Thrown by a method to answer with a REST error. */
export class RestException extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		readonly description: string,
	) {
		super(`${code}: ${description}`);
	}
}

export function failure(status: number, error: string, description: string): Outcome {
	return { ok: false, status, error, description };
}

export const ERRORS = {
	noAuth: () => failure(401, 'NO_AUTH_FOUND', 'Wrong authorization data'),
	methodNotFound: () => failure(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!'),
	insufficientScope: () =>
		failure(
			403,
			'insufficient_scope',
			'The request requires higher privileges than provided by the webhook token',
		),
	queryLimit: () => failure(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests'),
	operationTimeLimit: () =>
		failure(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.'),
	overload: () => failure(503, 'OVERLOAD_LIMIT', 'REST API is blocked due to overload'),
	internal: () => failure(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'),
	batchMethodNotAllowed: () =>
		failure(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage'),
	batchLengthExceeded: () =>
		failure(400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded'),
};
