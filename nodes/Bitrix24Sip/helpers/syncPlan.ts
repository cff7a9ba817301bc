import type { IDataObject } from 'n8n-workflow';

import type { Line, LineRow } from '../../shared/line';
import { titleKey } from '../../shared/line';
import type { LineChanges, NewLine } from '../../shared/sipWire';
import { changedFields, sipAddFields } from '../../shared/sipWire';
import { Bitrix24Error } from '../../shared/transport/errors';
import type { Authentication } from '../../shared/transport/connection';

/*
 * Line → Sync, the planning half: from the desired lines (the input items) and the lines the
 * webhook sees, what to do with each line. Pure: it reads nothing and sends nothing, so a dry run
 * and a real run plan exactly alike.
 */

/**
 * Bitrix24 allows this many cloud lines per portal, counting lines the webhook cannot see
 * (docs/bitrix24-behaviour.md#the-cloud-line-limit).
 */
export const MAX_CLOUD_LINES = 10;

export type SyncAction = 'create' | 'update' | 'unchanged' | 'replace' | 'delete';

/**
 * One input item as a desired line, its fields already normalised as the portal would store them.
 */
export interface DesiredLine {
	itemIndex: number;
	title: string;
	type: 'cloud' | 'office';
	server: string;
	login: string;
	/**
	 * as entered (the portal trims it when storing, but checks its length untrimmed); '' = not
	 * managed
	 */
	password: string;
}

export interface SyncSettings {
	deleteUnlisted: boolean;
	/** lower-cased but never trimmed: "Team " must not reach "Teamwork"; '' = none */
	managedPrefix: string;
	/**
	 * lower-cased whole titles (trimmed: the portal stores titles trimmed, so no title has spaces
	 * around it)
	 */
	managedTitles: Set<string>;
	/**
	 * every line the credential sees is managed: an OAuth2 application with neither a prefix nor
	 * titles, which sees only the lines it made itself
	 */
	manageAll?: boolean;
	/** the credential's kind, for messages about the lines it cannot see */
	via?: Authentication;
	allowTypeChange: boolean;
	sendPasswords: 'whenChanged' | 'always';
}

export interface PlanEntry {
	action: SyncAction;
	/** the input item this line comes from; null for a deletion */
	itemIndex: number | null;
	title: string;
	type: string;
	/** the line as the portal has it now, if there is one */
	existing?: LineRow;
	/**
	 * the Bitrix24 names of the fields the write changes: for update the differing ones, for create
	 * and replace all sent
	 */
	changes: string[];
	/** for create and replace: the line voximplant.sip.add makes */
	newLine?: NewLine;
	/** for update: what voximplant.sip.update changes */
	lineChanges?: LineChanges;
	reason: string;
	/** a check failed: nothing is written for this line */
	problem?: Bitrix24Error;
}

/** A check that failed before anything was sent. */
export function problem(
	code: string,
	message: string,
	hint: string,
	details?: IDataObject,
): Bitrix24Error {
	return new Bitrix24Error({ kind: 'api', code, message, hint, delivery: 'notSent', details });
}

function typeName(type: unknown): string {
	return type === 'office' ? 'office' : 'cloud';
}

/**
 * Whether the sync may delete this unlisted line: only inside the managed prefix or list. The
 * prefix is compared as typed, without regard to case as the portal compares titles, and is never
 * trimmed: with "Team " a line "Teamwork" (made outside the scope the user typed) is not managed.
 */
export function isManaged(line: Line, settings: SyncSettings): boolean {
	if (settings.manageAll) return true;
	const key = titleKey(line.title);
	if (key === '') return false;
	if (settings.managedPrefix !== '' && key.startsWith(settings.managedPrefix)) return true;
	return settings.managedTitles.has(key);
}

/**
 * Why no line may be deleted in this run, decided before the plan counts the places deletions free.
 */
export type DeletionBlock = Bitrix24Error | undefined;

/** The fields of an existing line that differ from the desired ones: what update gets. */
function differences(
	{ line, row }: LineRow,
	desired: DesiredLine,
	settings: SyncSettings,
): { changes: LineChanges; notes: string[] } {
	const changes: LineChanges = {};
	const notes: string[] = [];
	if (line.server !== desired.server) {
		changes.server = desired.server;
		notes.push(`server ${JSON.stringify(line.server)} → ${JSON.stringify(desired.server)}`);
	}
	if (line.login !== desired.login) {
		changes.login = desired.login;
		notes.push(`login ${JSON.stringify(line.login)} → ${JSON.stringify(desired.login)}`);
	}
	if (desired.password !== '') {
		// Some portals do not return passwords: then only "Send Passwords: Always" can set one.
		// The password is read from the row: the Line model never holds one.
		const readable = typeof row.PASSWORD === 'string';
		if (settings.sendPasswords === 'always') {
			changes.password = desired.password;
			notes.push('password sent every time ("Send Passwords: Always")');
		} else if (readable && row.PASSWORD !== desired.password.trim()) {
			changes.password = desired.password;
			notes.push('password differs');
		} else if (!readable) {
			notes.push(
				'password not compared: the portal does not return it (set "Send Passwords" to Always to set it)',
			);
		}
	}
	return { changes, notes };
}

function newLine(desired: DesiredLine): NewLine {
	const { type, title, server, login, password } = desired;
	return { type, title, server, login, password };
}

/**
 * Plans every desired line against the existing ones, then the deletions, then checks the
 * cloud-line limit over the whole plan. `listedKeys` holds the titles of every input item whose
 * title could be read, valid or not: a line an input item names is never deleted, even when that
 * item itself failed its checks. `blockDeletions` stops every deletion (e.g. an item's title could
 * not be read); it is applied before the limit is counted, so a deletion that will not happen never
 * frees a place for a create, and the dry run, the checks and the applied run agree.
 */
export function planSync(
	desired: DesiredLine[],
	existing: LineRow[],
	listedKeys: Set<string>,
	settings: SyncSettings,
	blockDeletions?: DeletionBlock,
): PlanEntry[] {
	const byTitle = new Map<string, LineRow>();
	for (const seen of existing) {
		const key = titleKey(seen.line.title);
		if (key !== '' && !byTitle.has(key)) byTitle.set(key, seen);
	}

	const entries: PlanEntry[] = desired.map((line) =>
		planOne(line, byTitle.get(titleKey(line.title)), settings),
	);

	if (settings.deleteUnlisted) {
		for (const seen of existing) {
			const { line } = seen;
			if (listedKeys.has(titleKey(line.title)) || !isManaged(line, settings)) continue;
			entries.push({
				action: 'delete',
				itemIndex: null,
				title: line.title,
				type: typeName(line.type),
				existing: seen,
				changes: [],
				reason: settings.manageAll
					? "not listed in the input, and one of this application's own lines"
					: 'not listed in the input, and inside the managed titles',
				...(blockDeletions ? { problem: blockDeletions } : {}),
			});
		}
	}
	checkCloudLimit(entries, existing, settings.via);
	return entries;
}

function planOne(
	desired: DesiredLine,
	existing: LineRow | undefined,
	settings: SyncSettings,
): PlanEntry {
	const base = { itemIndex: desired.itemIndex, title: desired.title, type: desired.type };
	const line = newLine(desired);
	// the fields voximplant.sip.add gets, by their Bitrix24 names
	const added = Object.keys(sipAddFields(line));
	if (!existing) {
		return {
			...base,
			action: 'create',
			changes: added,
			newLine: line,
			reason: 'no line has this title',
		};
	}
	const { configId, type, title } = existing.line;
	if (typeName(type) !== desired.type) {
		const entry: PlanEntry = {
			...base,
			action: 'replace',
			existing,
			changes: ['TYPE', ...added.filter((name) => name !== 'TYPE')],
			newLine: line,
			reason: `line ${configId} is ${typeName(type)}, the input says ${desired.type}: a type cannot be changed, so the line is deleted and created again`,
		};
		if (!settings.allowTypeChange) {
			entry.problem = problem(
				'TYPE_MISMATCH',
				`Line ${configId} "${title}" is ${typeName(type) === 'office' ? 'an office' : 'a cloud'} PBX line, but the input asks for ${desired.type === 'office' ? 'an office' : 'a cloud'} one`,
				'Bitrix24 never changes the type of a line. Turn on "Allow Type Change" to delete the line and create it again with the new type (this drops its registration and may change the default outgoing line), or set PBX Type to match it. Nothing was changed.',
				{ configId },
			);
		}
		return entry;
	}
	const { changes: lineChanges, notes } = differences(existing, desired, settings);
	const changes = Object.keys(changedFields(lineChanges));
	if (changes.length === 0) {
		return {
			...base,
			action: 'unchanged',
			existing,
			changes,
			reason:
				notes.length > 0
					? `same server and login; ${notes.join('; ')}`
					: 'same server, login and password',
		};
	}
	return {
		...base,
		action: 'update',
		existing,
		changes,
		lineChanges,
		reason: notes.join('; '),
	};
}

/**
 * Whether an entry frees a cloud place when its delete goes through: a deletion or a type change
 * away from cloud.
 */
export function freesCloudPlace(entry: PlanEntry): boolean {
	return (
		(entry.action === 'delete' || entry.action === 'replace') &&
		typeName(entry.existing?.line.type) === 'cloud'
	);
}

/** Whether an entry adds a cloud line: a create or a type change to cloud. */
export function addsCloudLine(entry: PlanEntry): boolean {
	return (entry.action === 'create' || entry.action === 'replace') && entry.type === 'cloud';
}

/** The cloud lines the webhook can see on the portal before the sync. */
export function visibleCloudLines(existing: LineRow[]): number {
	return existing.filter(({ line }) => typeName(line.type) === 'cloud').length;
}

/**
 * The additions (in input order) that do not fit under the limit once `freed` cloud lines are
 * gone; each gets MAX_CLOUD_PBX, nothing sent. `why` says what the count rests on.
 */
export function refuseOverLimit(
	adding: PlanEntry[],
	visible: number,
	freed: number,
	why: string,
	via: Authentication = 'webhook',
): PlanEntry[] {
	const unseen =
		via === 'oAuth2'
			? {
					who: 'this application',
					others: 'Lines made by hand, by webhooks or by other applications',
				}
			: { who: 'the webhook', others: 'Lines of OAuth applications' };
	let free = MAX_CLOUD_LINES - (visible - freed);
	const refused: PlanEntry[] = [];
	for (const entry of adding) {
		if (free > 0) {
			free--;
			continue;
		}
		entry.problem = problem(
			'MAX_CLOUD_PBX',
			`This sync would need ${visible - freed + adding.length} cloud PBX lines; Bitrix24 allows at most ${MAX_CLOUD_LINES}`,
			`The portal has ${visible} cloud line(s) ${unseen.who} can see${freed > 0 ? `, the sync removes ${freed}` : ''} and the input adds ${adding.length}${why}. ${unseen.others} count too but cannot be seen, so the portal may refuse even fewer. List fewer cloud lines, delete some (with "Delete Lines Not Listed"), or connect some as office PBX. Nothing was sent for this line.`,
		);
		refused.push(entry);
	}
	return refused;
}

/**
 * The portal refuses a cloud line beyond the tenth, counting lines of OAuth applications the
 * webhook cannot see; the plan can only count the visible ones, so the portal may still refuse.
 * Deletions and type changes away from cloud free places before anything is added (the apply
 * order), but only those no check stopped; additions beyond the limit fail in input order: the
 * first ones that fit go ahead.
 */
function checkCloudLimit(entries: PlanEntry[], existing: LineRow[], via?: Authentication): void {
	const freed = entries.filter((entry) => !entry.problem && freesCloudPlace(entry)).length;
	const adding = entries.filter((entry) => !entry.problem && addsCloudLine(entry));
	refuseOverLimit(adding, visibleCloudLines(existing), freed, '', via);
}
