import type { Bitrix24Error } from './errors';

/**
 * What to do with a failed call, decided once from its error:
 * - wait: the portal refused it before running it; wait as it asks, then send it again
 * - retry: a passing fault; send it again, but only if repeating it is safe
 * - fatal: every further call of the same credential would fail the same way; stop them too
 * - final: this call's own answer; report it
 */
export type Verdict = 'wait' | 'retry' | 'fatal' | 'final';

export interface Classification {
	verdict: Verdict;
	/** the portal may have run the call: a repeat could do its work twice */
	mayHaveRun: boolean;
	/** for fatal errors: whether only calls of the same REST method are affected */
	sameMethodOnly: boolean;
}

/**
 * Answers that every further call of this credential would get too
 * (docs/bitrix24-behaviour.md#auth-stage-errors).
 */
const FATAL_CODES = new Set([
	'INVALID_CREDENTIALS',
	'NO_AUTH_FOUND',
	'expired_token',
	'invalid_token',
	'OAUTH_RENEWAL_REFUSED',
	'OAUTH_NOT_CONNECTED',
	'insufficient_scope',
	'user_access_error',
	'INVALID_REQUEST',
	'OVERLOAD_LIMIT',
	'PORTAL_DELETED',
	'INVALID_WEBHOOK_URL',
	'CANCELED',
	'WAIT_BUDGET_EXHAUSTED',
]);

/** Fatal answers that belong to one run only, never to the other runs of the webhook. */
const RUN_ONLY_CODES = new Set(['CANCELED', 'WAIT_BUDGET_EXHAUSTED']);

/** While Bitrix24 does not say when an operating-time block ends, wait this long and ask again. */
export const UNKNOWN_RESET_WAIT_MS = 60_000;

/** Connection failures that may pass: refused or unresolvable for a moment, reset, timed out. */
const PASSING_KINDS = new Set(['network', 'timeout']);

export function classify(error: Bitrix24Error): Classification {
	const mayHaveRun = error.delivery === 'unknown';
	const result = (verdict: Verdict, sameMethodOnly = false): Classification => ({
		verdict,
		mayHaveRun,
		sameMethodOnly,
	});
	if (error.delivery === 'refused') return result('wait');
	if (FATAL_CODES.has(error.code)) return result('fatal');
	// the permission is checked per method, and REST-by-subscription for all of them
	if (error.code === 'ACCESS_DENIED')
		return result('fatal', error.reason !== 'restNeedsSubscription');
	// a certificate or a redirect does not change from one call to the next
	if (error.kind === 'tls' || error.kind === 'redirect') return result('fatal');
	if (error.kind === 'input' || error.kind === 'budget') return result('final');
	if (PASSING_KINDS.has(error.kind)) return result('retry');
	if (error.delivery === 'unknown') return result('retry');
	return result('final');
}

/** Whether a call that failed so may be sent again, given how often it was tried already. */
export function mayRetry(
	error: Bitrix24Error,
	idempotent: boolean,
	attempts: number,
	maxAttempts: number,
): boolean {
	const { verdict, mayHaveRun } = classify(error);
	if (verdict === 'wait') return true;
	if (verdict !== 'retry' || attempts >= maxAttempts) return false;
	return idempotent || !mayHaveRun;
}

/** The portal may have run the call even though it failed: repeating it could do it twice. */
export function mayHaveRun(error: unknown): boolean {
	return (
		typeof error === 'object' && error !== null && (error as Bitrix24Error).delivery === 'unknown'
	);
}

/** Exponential back-off with jitter: 0.5 s, 1 s, 2 s, … (±50 %), at most 30 s. */
export function backoffMs(attempt: number): number {
	const base = Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
	return Math.round(base * (0.5 + Math.random()));
}

/** Whom a fatal answer stops besides the call that got it. */
export interface FatalReach {
	/** every run of the webhook, or only the call's own (its cancellation, its budget) */
	allRuns: boolean;
	/** only further calls of the same REST method */
	sameMethodOnly: boolean;
}

/** How far a fatal answer reaches; undefined for an answer that is not fatal. */
export function fatalReach(error: Bitrix24Error): FatalReach | undefined {
	const { verdict, sameMethodOnly } = classify(error);
	if (verdict !== 'fatal') return undefined;
	return { allRuns: !RUN_ONLY_CODES.has(error.code), sameMethodOnly };
}

/**
 * What a retry must wait: until the method's operating time resets (`resetAt`, unix seconds, only
 * when the portal said so), or a growing back-off.
 */
export function retryDelayMs(
	error: Bitrix24Error,
	attempts: number,
	resetAt: number | undefined,
	now = Date.now(),
): number {
	if (error.code === 'OPERATION_TIME_LIMIT') {
		if (resetAt === undefined) return UNKNOWN_RESET_WAIT_MS;
		return Math.max(1000, Math.ceil(resetAt * 1000 - now) + 500);
	}
	return backoffMs(attempts);
}
