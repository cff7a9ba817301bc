import type { IDataObject } from 'n8n-workflow';

import type { TriggerSettings } from '../changes';
import type { TriggerState } from '../state';
import type { PortalReader } from './portal';

/** The part of the remembered state a family owns. */
export type StateKey = keyof TriggerState;
export type Seen<K extends StateKey> = NonNullable<TriggerState[K]>;

/** What one poll knows while it judges its families, in their order. */
export interface Poll {
	settings: TriggerSettings;
	/** what the previous poll remembered; undefined when this node has never polled */
	before: TriggerState | undefined;
	/** what this poll remembers so far: a family may build on the state of one judged before it */
	after: TriggerState;
	now: Date;
	detectedAt: string;
	/** a test run from the editor: show how things are, compare nothing */
	manual: boolean;
}

/**
 * One family of events: what it reads from the portal, what it remembers of a reading, and the
 * pure comparison of the remembered state with the new one. `current` shows how things are, for
 * a manual run or a first poll that is asked to emit.
 */
export interface EventFamily<Reading, K extends StateKey> {
	key: K;
	/** whether the chosen events need this family read and remembered */
	chosen(settings: TriggerSettings): boolean;
	read(portal: PortalReader, settings: TriggerSettings): Promise<Reading>;
	state(reading: Reading, poll: Poll): Seen<K>;
	changes(before: Seen<K>, now: Seen<K>, poll: Poll, reading: Reading): IDataObject[];
	current(now: Seen<K>, poll: Poll, reading: Reading): IDataObject[];
}

/**
 * The same rules for every family: a manual run shows the current state; a family without a
 * previous state only remembers (or shows its current state if asked); otherwise the changes.
 * Whatever it shows, the family's new state is what the poll remembers.
 */
export function judge<Reading, K extends StateKey>(
	family: EventFamily<Reading, K>,
	reading: Reading,
	poll: Poll,
): IDataObject[] {
	const now = family.state(reading, poll);
	const before = poll.before?.[family.key] as Seen<K> | undefined;
	poll.after[family.key] = now;
	if (poll.manual) return family.current(now, poll, reading);
	if (before) return family.changes(before, now, poll, reading);
	return poll.settings.emitOnFirstRun ? family.current(now, poll, reading) : [];
}

/** A family as the poll loops over it, its reading's type kept inside. */
export interface TriggerPart {
	chosen(settings: TriggerSettings): boolean;
	/** reads the portal; the answer judges the reading within a poll */
	read(portal: PortalReader, settings: TriggerSettings): Promise<(poll: Poll) => IDataObject[]>;
}

export function triggerPart<Reading, K extends StateKey>(
	family: EventFamily<Reading, K>,
): TriggerPart {
	return {
		chosen: (settings) => family.chosen(settings),
		read: async (portal, settings) => {
			const reading = await family.read(portal, settings);
			return (poll) => judge(family, reading, poll);
		},
	};
}
