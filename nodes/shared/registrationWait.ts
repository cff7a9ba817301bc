import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { readLine } from './line';
import { readForItem, toNumber } from './parameters';
import type { RegistrationStatus } from './registration';
import { isHealthy, readStatus, summarise } from './registration';
import type { Bitrix24Client } from './transport/client';
import { Bitrix24Error } from './transport/errors';
import { cancelled } from './transport/errors';

/*
 * Waiting for a cloud line's registration verdict after Create, Update or Sync wrote the line.
 *
 * Timing: a registration that was just (re)started is first read about 1 s after the write (it
 * needs a moment to leave `wait`/`in_progress`); one that was not restarted is read at once, as
 * its current status may already be the verdict. After that, every 2 s until `success` or
 * `error`, and a last read at the deadline, never later. Waits of all items of a node run share
 * their reads: a read due within half a second joins the round being sent, so each round is one
 * batch of status calls (up to 50 per request), paced by the client like every other call.
 *
 * Stale verdicts: Bitrix24 (docs/bitrix24-behaviour.md#changing-a-line) changing SERVER, LOGIN or
 * PASSWORD restarts the registration,
 * status going back through `in_progress`; the update does this itself, before it answers. So the
 * first read after the write already shows the new attempt, and no earlier `success` or `error`
 * has to be told apart from the new verdict: `restarted` only decides when to read first.
 */

/** The longest wait the option accepts: five minutes, far beyond any SIP registration attempt. */
export const MAX_WAIT_SECONDS = 300;
/** A just (re)started registration is first read after this long. */
export const FIRST_READ_MS = 1000;
/**
 * Later reads follow at this interval: one batch per 2 s leaves most of the 2 requests/s limit to
 * other calls.
 */
export const READ_EVERY_MS = 2000;
/** A read due this soon joins the round being sent instead of waiting for a request of its own. */
const JOIN_ROUND_MS = 500;
/**
 * The wait between rounds is slept in slices, so that a new wait or a cancellation is seen soon.
 */
const WAKE_EVERY_MS = 50;

const LABEL = 'Wait for Registration (Seconds)';

export const waitForRegistrationOption: INodeProperties = {
	displayName: LABEL,
	name: 'waitForRegistration',
	type: 'number',
	typeOptions: { minValue: 0, maxValue: MAX_WAIT_SECONDS },
	default: 0,
	description: `How long to wait, up to ${MAX_WAIT_SECONDS} seconds, for a cloud line to register after it is saved (0: do not wait). The outcome is added to the item as "registration"; it never fails the item.`,
};

/**
 * The option's value in seconds; 0 when it was not added. An expression may hand over a numeric
 * string (accepted), or null, NaN or text (refused, naming the field).
 */
export function readWaitSeconds(
	ctx: IExecuteFunctions,
	options: IDataObject,
	itemIndex: number,
): number {
	return readForItem(ctx.getNode(), itemIndex, () =>
		toNumber(
			options.waitForRegistration,
			{ label: LABEL, where: 'under Options', min: 0, max: MAX_WAIT_SECONDS },
			0,
		),
	);
}

/** What the node learnt about a line's registration while it waited. */
export interface RegistrationReport extends IDataObject {
	STATUS_RESULT: string | null;
	STATUS_CODE: number | null;
	ERROR_MESSAGE: string | null;
	/** true only for `success`: a registration still pending is not yet healthy */
	healthy: boolean;
	/** the same words as Registration → Check All Lines */
	summary: string;
	/**
	 * a verdict was reached (success, error, or no registration at all); false: the wait ended first
	 */
	settled: boolean;
}

export interface WaitOptions {
	/** the write (an add, or a new server, login or password) just restarted the registration */
	restarted?: boolean;
	/** the execution's cancel signal: the wait ends at once when it fires */
	signal?: AbortSignal;
}

function fromStatus(status: RegistrationStatus, settled: boolean): RegistrationReport {
	return {
		STATUS_RESULT: status.STATUS_RESULT,
		STATUS_CODE: status.STATUS_CODE,
		ERROR_MESSAGE: status.ERROR_MESSAGE,
		healthy: isHealthy(status, 'unhealthy'),
		summary: summarise(status),
		settled,
	};
}

/** A cloud line the portal has no registration for: a verdict, as Check All Lines reports it. */
export function missingRegistration(): RegistrationReport {
	return {
		STATUS_RESULT: null,
		STATUS_CODE: null,
		ERROR_MESSAGE: null,
		healthy: false,
		summary: summarise('missing'),
		settled: true,
	};
}

/**
 * The status could not be read (the portal kept failing, the wait budget ran out): the write itself
 * stands.
 */
export function unreadableRegistration(
	reason: string,
	last?: RegistrationStatus,
): RegistrationReport {
	const lastSeen = last ? ` (last seen: ${summarise(last)})` : '';
	return {
		STATUS_RESULT: last?.STATUS_RESULT ?? null,
		STATUS_CODE: last?.STATUS_CODE ?? null,
		ERROR_MESSAGE: last?.ERROR_MESSAGE ?? null,
		healthy: false,
		summary: `The registration status could not be read: ${reason}${lastSeen}. Check it later with Registration → Get Status.`,
		settled: false,
	};
}

/** Errors that end the wait for the item instead of becoming part of its report. */
export function mustPropagate(error: unknown): boolean {
	// a cancelled execution stops; anything that is not a Bitrix24 answer is a bug to be seen
	return !(error instanceof Bitrix24Error) || error.code === 'CANCELED';
}

function isSettled(status: RegistrationStatus): boolean {
	return status.STATUS_RESULT === 'success' || status.STATUS_RESULT === 'error';
}

interface Waiter {
	regId: number;
	deadline: number;
	nextReadAt: number;
	last?: RegistrationStatus;
	resolve: (report: RegistrationReport) => void;
	reject: (error: unknown) => void;
}

type Read = { status: RegistrationStatus } | { error: unknown };

/** The waits of one client (one node run): one loop sends a round of reads for all that are due. */
class RegistrationPoller {
	private readonly waiters = new Set<Waiter>();
	private running = false;
	private nudged = false;

	constructor(private readonly client: Bitrix24Client) {}

	add(waiter: Waiter): void {
		this.waiters.add(waiter);
		this.nudged = true;
		if (!this.running) {
			this.running = true;
			void this.loop().finally(() => (this.running = false));
		}
	}

	/** The waiter is done (cancelled): it takes no part in later rounds. */
	remove(waiter: Waiter): void {
		if (this.waiters.delete(waiter)) this.nudged = true;
	}

	private async loop(): Promise<void> {
		while (this.waiters.size > 0) {
			const now = Date.now();
			const due = Math.min(...[...this.waiters].map((waiter) => waiter.nextReadAt));
			if (due > now) {
				await this.sleepUntil(due);
				continue;
			}
			const round = [...this.waiters].filter((waiter) => waiter.nextReadAt <= now + JOIN_ROUND_MS);
			// a read due at its deadline that joins the round early is still that wait's last one
			const last = new Set(round.filter((waiter) => waiter.nextReadAt >= waiter.deadline));
			const reads = await this.readAll([...new Set(round.map((waiter) => waiter.regId))]);
			const readAt = Date.now();
			for (const waiter of round) {
				if (!this.waiters.has(waiter)) continue;
				const finished = this.settle(
					waiter,
					reads.get(waiter.regId) as Read,
					readAt,
					last.has(waiter),
				);
				if (finished) this.waiters.delete(waiter);
			}
		}
	}

	/** One status call per registration, made together so that the client sends them as one batch. */
	private async readAll(regIds: number[]): Promise<Map<number, Read>> {
		const reads = await Promise.all(
			regIds.map(async (regId): Promise<[number, Read]> => {
				try {
					const { result } = await this.client.call<IDataObject>('voximplant.sip.status', {
						REG_ID: regId,
					});
					return [regId, { status: readStatus(result ?? {}) }];
				} catch (error) {
					return [regId, { error }];
				}
			}),
		);
		return new Map(reads);
	}

	/** Applies a read to a waiter; true when its wait is over. */
	private settle(waiter: Waiter, read: Read, readAt: number, lastRead: boolean): boolean {
		if ('error' in read) {
			const { error } = read;
			if (mustPropagate(error)) waiter.reject(error);
			else if (error instanceof Bitrix24Error && error.code === 'REG_ID_NOT_FOUND')
				waiter.resolve(missingRegistration());
			else waiter.resolve(unreadableRegistration((error as Error).message, waiter.last));
			return true;
		}
		const { status } = read;
		if (isSettled(status) || lastRead || readAt >= waiter.deadline) {
			waiter.resolve(fromStatus(status, isSettled(status)));
			return true;
		}
		waiter.last = status;
		waiter.nextReadAt = Math.min(readAt + READ_EVERY_MS, waiter.deadline);
		return false;
	}

	/** Sleeps until `until`, in slices, waking early when a wait is added or removed. */
	private async sleepUntil(until: number): Promise<void> {
		this.nudged = false;
		for (let left = until - Date.now(); left > 0 && !this.nudged; left = until - Date.now()) {
			await sleep(Math.min(left, WAKE_EVERY_MS));
		}
	}
}

const pollers = new WeakMap<Bitrix24Client, RegistrationPoller>();

/**
 * Polls the registration until it settles (success or error) or `seconds` pass. Calls made
 * concurrently on the same client (e.g. one per item of a run) share their polling rounds, so
 * each round is one batch of status calls; everything goes through the client, which paces.
 * With 0 seconds the status is read once. A registration the portal does not know is reported
 * as missing; a status that cannot be read is reported, not thrown (the write before it stands).
 * A cancelled execution rejects.
 */
export async function awaitRegistration(
	client: Bitrix24Client,
	regId: number,
	seconds: number,
	options: WaitOptions = {},
): Promise<RegistrationReport> {
	const { signal } = options;
	if (signal?.aborted) throw cancelled();
	let poller = pollers.get(client);
	if (!poller) {
		poller = new RegistrationPoller(client);
		pollers.set(client, poller);
	}
	const started = Date.now();
	const deadline = started + Math.max(0, seconds) * 1000;
	return await new Promise<RegistrationReport>((resolve, reject) => {
		const waiter: Waiter = {
			regId,
			deadline,
			nextReadAt: Math.min(started + (options.restarted ? FIRST_READ_MS : 0), deadline),
			resolve: (report) => {
				signal?.removeEventListener('abort', onAbort);
				resolve(report);
			},
			reject: (error) => {
				signal?.removeEventListener('abort', onAbort);
				reject(error);
			},
		};
		function onAbort(): void {
			poller?.remove(waiter);
			reject(cancelled());
		}
		signal?.addEventListener('abort', onAbort, { once: true });
		poller.add(waiter);
	});
}

/**
 * The registration report for a line just written, or undefined for an office line (it has no
 * registration). A cloud line without a REG_ID is reported as missing without a call.
 */
export async function awaitLineRegistration(
	client: Bitrix24Client,
	line: IDataObject,
	seconds: number,
	options: WaitOptions = {},
): Promise<RegistrationReport | undefined> {
	const { type, regId } = readLine(line);
	if (type !== 'cloud') return undefined;
	if (regId === null) return missingRegistration();
	return await awaitRegistration(client, regId, seconds, options);
}

/** The execution's cancel signal where n8n offers one, for WaitOptions. */
export function cancelSignalOf(ctx: IExecuteFunctions): AbortSignal | undefined {
	return typeof ctx.getExecutionCancelSignal === 'function'
		? ctx.getExecutionCancelSignal()
		: undefined;
}
