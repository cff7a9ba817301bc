import type { IDataObject } from 'n8n-workflow';

import type { Line } from '../../shared/line';
import { configIdOf, readLine } from '../../shared/line';
import { findLineByTitle } from '../../shared/lines';
import type { LineChanges, NewLine } from '../../shared/sipWire';
import { changedFields, sipAddFields } from '../../shared/sipWire';
import { Bitrix24Error } from '../../shared/transport/errors';
import type { Bitrix24Client } from '../../shared/transport/client';
import { mayHaveRun } from '../../shared/transport/retryPolicy';
import type { RunTitles, TitledAdd } from './runTitles';
import { addsWithTitle } from './runTitles';
import { updateLine } from './updateLine';
import { unseenBy } from '../../shared/transport/connection';

/*
 * voximplant.sip.add with recovery from a lost answer, shared by Line → Create and Line → Sync.
 * An add is not safe to repeat blindly (a second line could appear); titles are unique on the
 * portal, so a line's title tells after a lost answer whether the add ran.
 */

export type IfTitleExists = 'error' | 'returnExisting' | 'updateExisting';

export interface Creation {
	client: Bitrix24Client;
	line: NewLine;
	ifTitleExists: IfTitleExists;
	/** the item's own entry in `run.byTitle` (none without a title) */
	own?: TitledAdd;
	run: RunTitles;
}

const MAX_CREATE_ATTEMPTS = 3;

export async function addLine(creation: Creation): Promise<IDataObject> {
	const { client, line, ifTitleExists } = creation;
	const { title } = line;
	if (creation.run.highestIdBefore) await creation.run.highestIdBefore;
	let lost: Bitrix24Error | undefined;
	for (let attempt = 1; ; attempt++) {
		const outcome = await client
			.call<IDataObject>('voximplant.sip.add', sipAddFields(line), { idempotent: false })
			.then(
				({ result }) => ({ line: result }),
				(error: unknown) => ({ error }),
			);
		if (attempt === 1) {
			if ('line' in outcome) creation.own?.settle({ created: configIdOf(outcome.line) });
			else creation.own?.settle(mayHaveRun(outcome.error) ? 'unknown' : 'notCreated');
		}
		if ('line' in outcome) return outcome.line;
		const error = outcome.error;
		const titleTaken = error instanceof Bitrix24Error && error.code === 'TITLE_EXISTS';
		if (titleTaken && !lost) {
			if (ifTitleExists === 'error') throw error;
			return await useExisting(client, line, ifTitleExists, error);
		}
		if (!titleTaken && !mayHaveRun(error)) {
			if (title && unreadableRefusal(error))
				return await afterUnreadableRefusal(creation, error, lost);
			throw error;
		}
		// The add may have run although its answer was lost (or an earlier, lost attempt ran late and
		// now holds the title). Titles are unique, so the title tells whether the line exists; without
		// one, repeating the add could create a second line.
		lost ??= error as Bitrix24Error;
		if (!title)
			throw mayOrMayNot(
				lost,
				'Give lines a Title: then the node checks and recovers from a lost answer by itself.',
			);
		const found = await lookUp(creation, lost);
		if (found) return await claim(creation, found, lost);
		if (titleTaken) {
			const unseen = unseenBy(client.authentication);
			throw mayOrMayNot(
				lost,
				`The title is now held by a telephony connection ${unseen.who} cannot see (a rented number, or ${unseen.what}). Check the lines in Bitrix24 before running again.`,
			);
		}
		if (attempt >= MAX_CREATE_ATTEMPTS)
			throw mayOrMayNot(lost, 'Check the lines in Bitrix24 before running again.');
	}
}

/**
 * A 400 whose body could not be read (cut off on the way): the portal refused the
 * add, so it made nothing, but the code is unknown and TITLE_EXISTS is one of the few it can be.
 */
function unreadableRefusal(error: unknown): error is Bitrix24Error {
	return (
		error instanceof Bitrix24Error &&
		(error.kind === 'html' || error.kind === 'http') &&
		error.delivery === 'answered' &&
		error.httpStatus === 400
	);
}

/**
 * After an unreadable refusal, the title tells whether it was TITLE_EXISTS: a visible line holding
 * it.
 */
async function afterUnreadableRefusal(
	creation: Creation,
	refusal: Bitrix24Error,
	lost: Bitrix24Error | undefined,
): Promise<IDataObject> {
	const { client, line, ifTitleExists } = creation;
	const { title } = line;
	// an earlier attempt of this item may have run late: then the lost-answer rules decide
	const found = lost
		? await lookUp(creation, lost)
		: await findLineByTitle(client, title).catch(() => undefined);
	if (!found)
		throw lost ? mayOrMayNot(lost, 'Check the lines in Bitrix24 before running again.') : refusal;
	if (lost) return await claim(creation, found, lost);
	if (ifTitleExists !== 'error') return await useLine(client, line, ifTitleExists, found);
	const configId = configIdOf(found);
	throw new Bitrix24Error({
		kind: 'api',
		code: 'TITLE_EXISTS',
		message: `The title "${title}" belongs to line ${configId}, which this item did not create`,
		httpStatus: 400,
		hint: `The portal refused this create with an answer the node cannot read (${refusal.message}); line ${configId} already holds the title. Choose another title, or set "If Title Exists" to return or update the existing line.`,
		delivery: 'answered',
		details: { configId },
	});
}

function mayOrMayNot(lost: Bitrix24Error, hint: string, details?: IDataObject): Bitrix24Error {
	return new Bitrix24Error({
		kind: lost.kind,
		code: lost.code,
		message: `${lost.message.replace(/; the line may or may not have been created.*$/, '')}; the line may or may not have been created`,
		httpStatus: lost.httpStatus,
		hint,
		delivery: 'unknown',
		details,
	});
}

async function lookUp(creation: Creation, lost: Bitrix24Error): Promise<IDataObject | undefined> {
	try {
		return await findLineByTitle(creation.client, creation.line.title);
	} catch (lookupError) {
		const reason = lookupError instanceof Error ? lookupError.message : String(lookupError);
		throw mayOrMayNot(
			lost,
			`Looking the line up by its title failed as well (${reason}). Check the lines in Bitrix24 before running again.`,
		);
	}
}

/**
 * Whether a line has the type and connection an add sent (the password is not returned by all
 * portals).
 */
function sameFields(existing: Line, line: NewLine): boolean {
	return (
		existing.type === line.type && existing.server === line.server && existing.login === line.login
	);
}

/**
 * After a lost answer, the line with this item's title exists. It is this item's line only if it
 * was not there before the run, it has the fields this item sent, and no other item with the same
 * title (of this run, or of another execution sharing its read) may have made it. Otherwise the
 * item says what it knows, with the line's id.
 */
async function claim(
	creation: Creation,
	row: IDataObject,
	lost: Bitrix24Error,
): Promise<IDataObject> {
	const { line, ifTitleExists, own, run } = creation;
	const { title } = line;
	const found = readLine(row);
	const configId = found.configId;
	const highestIdBefore = run.highestIdBefore ? await run.highestIdBefore : undefined;
	// item indexes repeat across runs: the item itself is left out by identity
	const siblings = addsWithTitle(run, title).filter((other) => other !== own);
	const outcomes = await Promise.all(
		siblings.map(async (other) => ({ other, first: await other.firstAdd })),
	);
	const madeBySibling = outcomes.some(
		({ first }) => typeof first === 'object' && first.created === configId,
	);
	const maybeBySibling = outcomes.some(
		({ other, first }) => first === 'unknown' && sameFields(found, other.line),
	);
	const existedBefore = highestIdBefore !== undefined && configId <= highestIdBefore;

	if (existedBefore || madeBySibling || !sameFields(found, line)) {
		// certainly not this item's line: the title was taken, which "If Title Exists" decides
		if (ifTitleExists !== 'error') return await useLine(creation.client, line, ifTitleExists, row);
		throw new Bitrix24Error({
			kind: 'api',
			code: 'TITLE_EXISTS',
			message: `The title "${title}" belongs to line ${configId}, which this item did not create`,
			httpStatus: lost.httpStatus ?? 400,
			hint: 'The answer to this create was lost; the line with this title was there before or was made by another item. Choose another title, or set "If Title Exists" to return or update the existing line.',
			delivery: 'answered',
			details: { configId },
		});
	}
	// a line with this item's title and fields: whoever made it, it is what the other modes return
	if (ifTitleExists !== 'error') return row;
	if (highestIdBefore !== undefined && !maybeBySibling) return row;
	throw mayOrMayNot(
		lost,
		maybeBySibling
			? `Line ${configId} with this title exists now, but another item (of this run or of an execution running alongside) sent the same title and its answer was lost too, so the node cannot tell which item created it. Check line ${configId} in Bitrix24.`
			: `Line ${configId} with this title exists now, but the node could not read which lines existed before this run, so it cannot tell whether this item created it. Check line ${configId} in Bitrix24.`,
		{ configId },
	);
}

async function useExisting(
	client: Bitrix24Client,
	line: NewLine,
	ifTitleExists: IfTitleExists,
	original: Bitrix24Error,
): Promise<IDataObject> {
	const { title } = line;
	const existing = await findLineByTitle(client, title);
	if (!existing) {
		const unseen = unseenBy(client.authentication);
		throw new Bitrix24Error({
			kind: 'api',
			code: 'TITLE_EXISTS',
			message: `The title "${title}" is taken by a telephony connection ${unseen.who} cannot see`,
			httpStatus: original.httpStatus,
			hint: `Titles are unique across all telephony connections of the portal. The title is held by a rented number or by ${unseen.what}, which the node can neither return nor update. Choose another title.`,
			delivery: 'answered',
		});
	}
	return await useLine(client, line, ifTitleExists, existing);
}

/** "Return Existing Line" or "Update Existing Line" for the line that holds the title. */
async function useLine(
	client: Bitrix24Client,
	line: NewLine,
	ifTitleExists: IfTitleExists,
	existing: IDataObject,
): Promise<IDataObject> {
	if (ifTitleExists === 'returnExisting') return existing;
	const { configId, type, title } = readLine(existing);
	if (type !== line.type) {
		throw new Bitrix24Error({
			kind: 'api',
			code: 'TYPE_MISMATCH',
			message: `The line with this title (${configId}) is ${type === 'office' ? 'an office' : 'a cloud'} PBX line, not ${line.type === 'office' ? 'an office' : 'a cloud'} one; its type cannot be changed`,
			hint: 'Bitrix24 never changes the type of an existing line. Delete the line and create it again with the new type, or set PBX Type to match it. Nothing was changed.',
			delivery: 'notSent',
			details: { configId },
		});
	}
	// the title is the one the line has (compared without case), and the type cannot change
	const changes: LineChanges = {
		server: line.server,
		login: line.login,
		...(line.password !== '' ? { password: line.password } : {}),
	};
	await updateLine(client, configId, changes);
	const updated = await findLineByTitle(client, title);
	return updated ?? { ...existing, ...changedFields(changes) };
}
