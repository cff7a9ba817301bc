import type { TimeInfo } from './time';

/** What one REST call ended in, before it is written as an HTTP answer or a batch part. */
export type Outcome =
	| { ok: true; result: unknown; total?: number; next?: number; time: TimeInfo }
	| {
			ok: false;
			status: number;
			error: string;
			description: string;
			/** Written after error_description, e.g. `argument` of ERROR_ARGUMENT. */
			extra?: Record<string, unknown>;
	  };

/** Thrown by a method to answer with a REST error. */
export class RestException extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		readonly description: string,
		readonly extra?: Record<string, unknown>,
	) {
		super(`${code}: ${description}`);
	}
}

export function failure(
	status: number,
	error: string,
	description: string,
	extra?: Record<string, unknown>,
): Outcome {
	return { ok: false, status, error, description, ...(extra ? { extra } : {}) };
}

/** Errors that only ever appear inside a batch's result_error: they have no HTTP status. */
function batchOnly(error: string, description: string): Outcome {
	return failure(0, error, description);
}

// Statuses are the source's, not the documentation's: auth-stage errors are 401
// (docs/bitrix24-behaviour.md#auth-stage-errors).
export const ERRORS = {
	noAuth: () => failure(401, 'NO_AUTH_FOUND', 'Wrong authorization data'),
	invalidCredentials: () => failure(401, 'INVALID_CREDENTIALS', 'Invalid request credentials'),
	httpsRequired: () => failure(401, 'INVALID_REQUEST', 'Https required.'),
	methodNotFound: () => failure(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!'),
	/** Inside a batch the description is empty. */
	insufficientScope: (inBatch: boolean, via: 'webhook' | 'oauth' = 'webhook') =>
		failure(
			401,
			'insufficient_scope',
			inBatch
				? ''
				: `The request requires higher privileges than provided by the ${via === 'oauth' ? 'access' : 'webhook'} token`,
		),
	invalidToken: () => failure(401, 'invalid_token', 'The access token provided is invalid.'),
	expiredToken: () => failure(401, 'expired_token', 'The access token provided has expired.'),
	queryLimit: () => failure(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests'),
	operationTimeLimit: () =>
		failure(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.'),
	overload: () => failure(401, 'OVERLOAD_LIMIT', 'REST API is blocked due to overload'),
	internal: () => failure(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'),
	batchMethodNotAllowed: () =>
		batchOnly('ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage'),
	batchLengthExceeded: () => batchOnly('ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded'),
};
