import type { IDataObject } from 'n8n-workflow';

import { changedFields } from '../../shared/sipWire';
import { Bitrix24Error } from '../../shared/transport/errors';
import type { Bitrix24Client } from '../../shared/transport/client';
import { addLine } from './addLine';
import { deleteLine } from './deleteLine';
import type { RunTitles, TitledAdd } from './runTitles';
import { noteTitledAdd } from './runTitles';
import type { PlanEntry } from './syncPlan';
import { addsCloudLine, freesCloudPlace, refuseOverLimit } from './syncPlan';
import { updateLine } from './updateLine';
import type { Authentication } from '../../shared/transport/connection';
import { unseenBy } from '../../shared/transport/connection';

/*
 * Line → Sync, the writing half. Deletions go first, so that the places they free under the
 * cloud-line limit are free when the additions come; then creates, updates and the second half
 * of type changes, all together (the client batches them). Each entry ends with what happened to
 * its line, and only that: a failure of one entry never changes what another reports.
 */

export interface Applied {
	entry: PlanEntry;
	/** the line as it is now (created, updated, unchanged) or as it was (deleted) */
	line?: IDataObject;
	error?: unknown;
}

/** The id of the line an entry changes or deletes (NaN for a create, which has none). */
function existingId(entry: PlanEntry): number {
	return entry.existing?.line.configId ?? NaN;
}

/** After a type change whose delete went through: the old line is gone even if the create fails. */
function afterOldLineDeleted(error: unknown, entry: PlanEntry): unknown {
	const oldId = existingId(entry);
	const reason = error instanceof Error ? error.message : String(error);
	if (!(error instanceof Bitrix24Error)) return error;
	return error.with({
		message: `Line ${oldId} was deleted to change its type, but creating the new ${entry.type} line failed: ${reason}`,
		hint: `${error.description ? `${error.description} ` : ''}Running the sync again creates the line.`,
		details: { ...(error.details ?? {}), deletedConfigId: oldId },
	});
}

/**
 * A type change whose delete failed: no new line was made; whether the old one is gone depends on
 * the delete.
 */
function oldLineNotDeleted(error: unknown, entry: PlanEntry): unknown {
	if (!(error instanceof Bitrix24Error)) return error;
	const oldId = existingId(entry);
	const state =
		error.delivery === 'unknown' ? 'it may or may not have been deleted' : 'it is unchanged';
	return error.with({
		message: `Changing the type of line ${oldId} failed: deleting it failed (${error.message}); ${state}, and no new line was created`,
		details: { ...(error.details ?? {}), configId: oldId },
	});
}

/**
 * TITLE_EXISTS although the sync saw no line with the title: a connection the webhook cannot see
 * holds it.
 */
function explainTitleTaken(error: unknown, entry: PlanEntry, via: Authentication): unknown {
	if (
		!(error instanceof Bitrix24Error) ||
		error.code !== 'TITLE_EXISTS' ||
		error.delivery === 'unknown'
	)
		return error;
	if (error.details?.configId !== undefined) return error;
	const unseen = unseenBy(via);
	return error.with({
		message: `The title "${entry.title}" is taken by a telephony connection ${unseen.who} cannot see`,
		hint: `Titles are unique across all telephony connections of the portal, compared without regard to case. The sync read no line with this title, so it belongs to a rented number or ${unseen.what} (or a line made since the sync read the lines). Choose another title.`,
	});
}

/**
 * The line as the portal now has it, without reading it again: the portal stores the password
 * trimmed, and a new server, login or password restarts a cloud line's registration, which `get`
 * then shows as code 0 with no message until the status is refreshed
 * (docs/bitrix24-behaviour.md#changing-a-line) — the old code
 * would claim a verdict about credentials that are no longer there.
 */
function afterUpdate(entry: PlanEntry): IDataObject {
	const changes = entry.lineChanges ?? {};
	const line: IDataObject = { ...entry.existing?.row, ...changedFields(changes) };
	if (changes.password !== undefined) line.PASSWORD = changes.password.trim();
	if (String(line.TYPE) === 'cloud') {
		line.REGISTRATION_STATUS_CODE = '0';
		line.REGISTRATION_ERROR_MESSAGE = '';
	}
	return line;
}

async function create(
	client: Bitrix24Client,
	entry: PlanEntry,
	run: RunTitles,
	own: TitledAdd | undefined,
): Promise<IDataObject> {
	if (!entry.newLine)
		throw new Error(`A ${entry.action} entry of the sync plan has no line to add`);
	try {
		return await addLine({ client, line: entry.newLine, ifTitleExists: 'error', own, run });
	} catch (error) {
		throw explainTitleTaken(error, entry, client.authentication);
	}
}

/**
 * The additions the cloud-line limit still allows once the removals are done. The plan counted
 * on every deletion it kept; one that failed (or may not have run) frees no place, so additions
 * beyond the limit are refused here, with nothing sent, instead of being sent for MAX_CLOUD_PBX.
 */
function refusedAfterRemovals(
	todo: PlanEntry[],
	removed: Map<PlanEntry, unknown>,
	visibleCloud: number,
	via: Authentication,
): Set<PlanEntry> {
	const frees = todo.filter(freesCloudPlace);
	const freed = frees.filter((entry) => removed.get(entry) === undefined).length;
	if (freed === frees.length) return new Set();
	// a type change whose delete failed adds nothing either
	const adding = todo.filter(
		(entry) =>
			addsCloudLine(entry) && (entry.action === 'create' || removed.get(entry) === undefined),
	);
	const failed = frees.length - freed;
	const why = `, but ${failed} deletion(s) the sync counted on did not go through`;
	return new Set(refuseOverLimit(adding, visibleCloud, freed, why, via));
}

/**
 * Carries out the entries that passed the checks. `highestIdBefore` is the highest line id the
 * sync read: after a lost answer to an add, a line with the title above it is this run's.
 * `visibleCloud` is how many cloud lines the sync read, for the limit after the removals.
 */
export async function applyPlan(
	client: Bitrix24Client,
	entries: PlanEntry[],
	highestIdBefore: number,
	visibleCloud: number,
): Promise<Applied[]> {
	const todo = entries.filter((entry) => !entry.problem);
	const run: RunTitles = { byTitle: new Map(), highestIdBefore: Promise.resolve(highestIdBefore) };
	// titles are unique within the input (checked before), so each title has one add
	const adds = new Map<PlanEntry, TitledAdd>();
	for (const entry of todo) if (entry.newLine) adds.set(entry, noteTitledAdd(run, entry.newLine));

	// 1. deletions, and the first half of type changes
	const removals = new Map<PlanEntry, Promise<unknown>>();
	for (const entry of todo) {
		if (entry.action !== 'delete' && entry.action !== 'replace') continue;
		removals.set(
			entry,
			deleteLine(client, existingId(entry)).then(
				() => undefined,
				(error: unknown) => error ?? new Error('the delete failed'),
			),
		);
	}
	const removed = new Map<PlanEntry, unknown>();
	await Promise.all(
		[...removals].map(async ([entry, outcome]) => removed.set(entry, await outcome)),
	);
	const overLimit = refusedAfterRemovals(todo, removed, visibleCloud, client.authentication);

	// 2. everything else, together
	return await Promise.all(
		todo.map(async (entry): Promise<Applied> => {
			const own = adds.get(entry);
			if (overLimit.has(entry)) {
				own?.settle('notCreated');
				return {
					entry,
					error:
						entry.action === 'replace' ? afterOldLineDeleted(entry.problem, entry) : entry.problem,
				};
			}
			try {
				switch (entry.action) {
					case 'unchanged':
						return { entry, line: entry.existing?.row };
					case 'delete': {
						const error = removed.get(entry);
						return error === undefined ? { entry, line: entry.existing?.row } : { entry, error };
					}
					case 'update':
						await updateLine(client, existingId(entry), entry.lineChanges ?? {});
						return { entry, line: afterUpdate(entry) };
					case 'create':
						return { entry, line: await create(client, entry, run, own) };
					case 'replace': {
						const error = removed.get(entry);
						if (error !== undefined) {
							own?.settle('notCreated');
							return { entry, error: oldLineNotDeleted(error, entry) };
						}
						try {
							return { entry, line: await create(client, entry, run, own) };
						} catch (createError) {
							return { entry, error: afterOldLineDeleted(createError, entry) };
						}
					}
				}
			} catch (error) {
				return { entry, error };
			}
		}),
	);
}
