import type { IDataObject } from 'n8n-workflow';

import { findLineByTitle } from '../../shared/lines';
import { Bitrix24Error } from '../../shared/transport/errors';
import type { Bitrix24Client } from '../../shared/transport/client';
import { mayHaveRun } from '../../shared/transport/retryPolicy';

/*
 * voximplant.sip.add with recovery from a lost answer, shared by Line → Create and Line → Sync.
 * An add is not safe to repeat blindly (a second line could appear); titles are unique on the
 * portal, so a line's title tells after a lost answer whether the add ran.
 */

export type IfTitleExists = 'error' | 'returnExisting' | 'updateExisting';

/** What became of an item's first add, as its siblings with the same title need to know. */
export type FirstAdd = { created: number } | 'notCreated' | 'unknown';

/** An item's first add with a title, as the other items with the same title see it. */
export interface TitledAdd {
	fields: IDataObject;
	firstAdd: Promise<FirstAdd>;
}

export interface RunTitles {
	/** the first add of every titled item of the run, by title as the portal compares it */
	byTitle: Map<string, TitledAdd[]>;
	/** the highest line id the webhook could see before this run's adds: lines up to it were there before */
	highestIdBefore?: Promise<number | undefined>;
	/** the runs that share that read (see linesBefore.ts), this one included: their items are siblings too */
	round?: RunTitles[];
}

export interface Creation {
	client: Bitrix24Client;
	fields: IDataObject;
	title: string;
	ifTitleExists: IfTitleExists;
	/** the item's own entry in `run.byTitle` (none without a title) */
	own?: TitledAdd;
	run: RunTitles;
	settleFirstAdd: (outcome: FirstAdd) => void;
}

const MAX_CREATE_ATTEMPTS = 3;

export async function addLine(creation: Creation): Promise<IDataObject> {
	const { client, fields, title, ifTitleExists } = creation;
	if (creation.run.highestIdBefore) await creation.run.highestIdBefore;
	let lost: Bitrix24Error | undefined;
	for (let attempt = 1; ; attempt++) {
		const outcome = await client
			.call<IDataObject>('voximplant.sip.add', fields, { idempotent: false })
			.then(
				({ result }) => ({ line: result }),
				(error: unknown) => ({ error }),
			);
		if (attempt === 1) {
			if ('line' in outcome) creation.settleFirstAdd({ created: Number(outcome.line.CONFIG_ID) });
			else creation.settleFirstAdd(mayHaveRun(outcome.error) ? 'unknown' : 'notCreated');
		}
		if ('line' in outcome) return outcome.line;
		const error = outcome.error;
		const titleTaken = error instanceof Bitrix24Error && error.code === 'TITLE_EXISTS';
		if (titleTaken && !lost) {
			if (ifTitleExists === 'error') throw error;
			return await useExisting(client, fields, title, ifTitleExists, error);
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
			throw mayOrMayNot(
				lost,
				'The title is now held by a telephony connection this webhook cannot see (a rented number, or a line of an OAuth application). Check the lines in Bitrix24 before running again.',
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

/** After an unreadable refusal, the title tells whether it was TITLE_EXISTS: a visible line holding it. */
async function afterUnreadableRefusal(
	creation: Creation,
	refusal: Bitrix24Error,
	lost: Bitrix24Error | undefined,
): Promise<IDataObject> {
	const { client, fields, title, ifTitleExists } = creation;
	// an earlier attempt of this item may have run late: then the lost-answer rules decide
	const line = lost
		? await lookUp(creation, lost)
		: await findLineByTitle(client, title).catch(() => undefined);
	if (!line)
		throw lost ? mayOrMayNot(lost, 'Check the lines in Bitrix24 before running again.') : refusal;
	if (lost) return await claim(creation, line, lost);
	if (ifTitleExists !== 'error') return await useLine(client, fields, ifTitleExists, line);
	const configId = Number(line.CONFIG_ID);
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
		return await findLineByTitle(creation.client, creation.title);
	} catch (lookupError) {
		const reason = lookupError instanceof Error ? lookupError.message : String(lookupError);
		throw mayOrMayNot(
			lost,
			`Looking the line up by its title failed as well (${reason}). Check the lines in Bitrix24 before running again.`,
		);
	}
}

function sameFields(line: IDataObject, fields: IDataObject): boolean {
	return (
		String(line.TYPE ?? '') === fields.TYPE &&
		String(line.SERVER ?? '') === fields.SERVER &&
		String(line.LOGIN ?? '') === fields.LOGIN
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
	line: IDataObject,
	lost: Bitrix24Error,
): Promise<IDataObject> {
	const { fields, title, ifTitleExists, own, run } = creation;
	const configId = Number(line.CONFIG_ID);
	const highestIdBefore = run.highestIdBefore ? await run.highestIdBefore : undefined;
	// item indexes repeat across runs: the item itself is left out by identity
	const siblings = (run.round ?? [run])
		.flatMap((member) => member.byTitle.get(title.toLowerCase()) ?? [])
		.filter((other) => other !== own);
	const outcomes = await Promise.all(
		siblings.map(async (other) => ({ other, first: await other.firstAdd })),
	);
	const madeBySibling = outcomes.some(
		({ first }) => typeof first === 'object' && first.created === configId,
	);
	const maybeBySibling = outcomes.some(
		({ other, first }) => first === 'unknown' && sameFields(line, other.fields),
	);
	const existedBefore = highestIdBefore !== undefined && configId <= highestIdBefore;

	if (existedBefore || madeBySibling || !sameFields(line, fields)) {
		// certainly not this item's line: the title was taken, which "If Title Exists" decides
		if (ifTitleExists !== 'error')
			return await useLine(creation.client, fields, ifTitleExists, line);
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
	if (ifTitleExists !== 'error') return line;
	if (highestIdBefore !== undefined && !maybeBySibling) return line;
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
	fields: IDataObject,
	title: string,
	ifTitleExists: IfTitleExists,
	original: Bitrix24Error,
): Promise<IDataObject> {
	const existing = await findLineByTitle(client, title);
	if (!existing) {
		throw new Bitrix24Error({
			kind: 'api',
			code: 'TITLE_EXISTS',
			message: `The title "${title}" is taken by a telephony connection this webhook cannot see`,
			httpStatus: original.httpStatus,
			hint: 'Titles are unique across all telephony connections of the portal. The title is held by a rented number or by a line of an OAuth application, which the node can neither return nor update. Choose another title.',
			delivery: 'answered',
		});
	}
	return await useLine(client, fields, ifTitleExists, existing);
}

/** "Return Existing Line" or "Update Existing Line" for the line that holds the title. */
async function useLine(
	client: Bitrix24Client,
	fields: IDataObject,
	ifTitleExists: IfTitleExists,
	existing: IDataObject,
): Promise<IDataObject> {
	if (ifTitleExists === 'returnExisting') return existing;
	const configId = Number(existing.CONFIG_ID);
	if (String(existing.TYPE) !== fields.TYPE) {
		throw new Bitrix24Error({
			kind: 'api',
			code: 'TYPE_MISMATCH',
			message: `The line with this title (${configId}) is ${existing.TYPE === 'office' ? 'an office' : 'a cloud'} PBX line, not ${fields.TYPE === 'office' ? 'an office' : 'a cloud'} one; its type cannot be changed`,
			hint: 'Bitrix24 never changes the type of an existing line. Delete the line and create it again with the new type, or set PBX Type to match it. Nothing was changed.',
			delivery: 'notSent',
			details: { configId },
		});
	}
	const changes: IDataObject = { ...fields };
	delete changes.TITLE;
	delete changes.TYPE;
	await client.call(
		'voximplant.sip.update',
		{ CONFIG_ID: configId, ...changes },
		{ orderKey: `line ${configId}`, statusByCode: { ERROR_NOT_FOUND: 404 } },
	);
	const updated = await findLineByTitle(client, String(existing.TITLE ?? ''));
	return updated ?? { ...existing, ...changes };
}
