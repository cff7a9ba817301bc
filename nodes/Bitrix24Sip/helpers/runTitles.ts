import { titleKey } from '../../shared/line';
import type { NewLine } from '../../shared/sipWire';

/*
 * The first add of every titled item of a run, by title: after a lost answer to an add, the items
 * with the same title tell whether one of them made the line that now holds it. Line → Create and
 * Line → Sync both note their adds here.
 */

/** What became of an item's first add, as its siblings with the same title need to know. */
export type FirstAdd = { created: number } | 'notCreated' | 'unknown';

/** An item's first add with a title, as the other items with the same title see it. */
export interface TitledAdd {
	line: NewLine;
	firstAdd: Promise<FirstAdd>;
	/** tells the siblings what became of the first add; later calls change nothing */
	settle: (outcome: FirstAdd) => void;
}

export interface RunTitles {
	/** the first add of every titled item of the run, by title as the portal compares it */
	byTitle: Map<string, TitledAdd[]>;
	/**
	 * the highest line id the webhook could see before this run's adds: lines up to it were there
	 * before
	 */
	highestIdBefore?: Promise<number | undefined>;
	/**
	 * the runs that share that read (see linesBefore.ts), this one included: their items are siblings
	 * too
	 */
	round?: RunTitles[];
}

/** Notes an item's add under its title in the run; its outcome is settled by addLine. */
export function noteTitledAdd(run: RunTitles, line: NewLine): TitledAdd {
	let settle: (outcome: FirstAdd) => void = () => undefined;
	const firstAdd = new Promise<FirstAdd>((resolve) => (settle = resolve));
	const own: TitledAdd = { line, firstAdd, settle };
	const key = titleKey(line.title);
	run.byTitle.set(key, [...(run.byTitle.get(key) ?? []), own]);
	return own;
}

/** The adds of this run, and of the runs sharing its read, under a title. */
export function addsWithTitle(run: RunTitles, title: string): TitledAdd[] {
	return (run.round ?? [run]).flatMap((member) => member.byTitle.get(titleKey(title)) ?? []);
}
