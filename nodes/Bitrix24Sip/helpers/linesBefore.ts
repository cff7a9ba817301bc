import type { IDataObject } from 'n8n-workflow';

import { configIdOf } from '../../shared/line';
import type { Bitrix24Client } from '../../shared/transport/client';
import type { RunTitles } from './runTitles';

/*
 * Which lines were there before a run's adds: one read of the highest line id (line ids only
 * grow: docs/bitrix24-behaviour.md#creating-a-line), which tells after a lost answer to an add
 * whether a line holding the title is older.
 * Runs whose calls are merged into one queue (concurrent executions of the same webhook) share
 * one read while it is in flight: a "round". Every member awaits it before its first add, so it
 * predates all their adds; once it has answered it may be older than adds made since, so runs
 * arriving later start a round of their own.
 */

type Read = { highest: number } | { failed: unknown };

interface Round {
	/** the runs waiting for this read: their items with the same title are each other's siblings */
	readonly runs: RunTitles[];
	readonly read: Promise<Read>;
}

/** The round whose read is in flight, per merge group; removed when the read settles. */
const rounds = new WeakMap<object, Round>();

/**
 * Failures of the run that sent the read, which the queue keeps to that run: not the other members'
 * fate.
 */
const SENDER_ONLY_CODES = new Set(['CANCELED', 'WAIT_BUDGET_EXHAUSTED']);

async function readHighestId(client: Bitrix24Client): Promise<Read> {
	try {
		const { result } = await client.call<IDataObject[]>('voximplant.sip.get', {
			SORT: 'CONFIG_ID',
			ORDER: 'DESC',
		});
		const ids = (Array.isArray(result) ? result : []).map(configIdOf).filter(Number.isFinite);
		return { highest: ids.length > 0 ? Math.max(...ids) : 0 };
	} catch (error) {
		return { failed: error };
	}
}

function startRound(client: Bitrix24Client, group: object | undefined): Round {
	const round: Round = { runs: [], read: readHighestId(client) };
	if (group) {
		rounds.set(group, round);
		void round.read.then(() => {
			if (rounds.get(group) === round) rounds.delete(group);
		});
	}
	return round;
}

/**
 * Sets `run.highestIdBefore` once per run: joins the read in flight of the run's merge group, or
 * starts one. `run.round` becomes the runs sharing it, this one included.
 */
export function readLinesBefore(client: Bitrix24Client, run: RunTitles): void {
	run.highestIdBefore ??= joinRound(client, run);
}

async function joinRound(client: Bitrix24Client, run: RunTitles): Promise<number | undefined> {
	const group = client.mergeGroup;
	const joined = group ? rounds.get(group) : undefined;
	const round = joined ?? startRound(client, group);
	round.runs.push(run);
	run.round = round.runs;
	const read = await round.read;
	if ('highest' in read) return read.highest;
	const code = (read.failed as { code?: unknown } | undefined)?.code;
	if (!joined || !SENDER_ONLY_CODES.has(String(code))) return undefined;
	// the run that sent the read was cancelled or ran out of waiting: the others read again, together
	// (in a new round: this one is done, whichever of its callbacks ran first)
	if (group && rounds.get(group) === round) rounds.delete(group);
	return await joinRound(client, run);
}
