import type { IDataObject } from 'n8n-workflow';

import type { SeenCallsFailing } from './events/calls';
import type { SeenConnector } from './events/connector';
import type { SeenDefaultOutgoing } from './events/defaultOutgoing';
import type { SeenLines } from './events/lines';

/**
 * Bumped when the remembered shape changes; an older shape counts as "never polled". A part added
 * later (defaultOutgoing, callsFailing) is simply absent from older state: that part starts by
 * remembering.
 */
const STATE_VERSION = 1;

/**
 * What the trigger remembers between polls. It lives only in the workflow's static data, which
 * n8n saves with the workflow, so any instance that runs the next poll sees it (queue mode).
 * A part is absent until its events are chosen and it has been read once.
 */
export interface TriggerState {
	lines?: SeenLines;
	connector?: SeenConnector;
	/** the default outgoing line's value and verdict: two small fields */
	defaultOutgoing?: SeenDefaultOutgoing;
	/** per line id, whether its calls were over the failure threshold (reported) */
	callsFailing?: SeenCallsFailing;
}

function isRecord(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A plain copy of the remembered state; undefined when this node has never polled. */
export function readState(staticData: IDataObject): TriggerState | undefined {
	if (staticData.version !== STATE_VERSION) return undefined;
	const copy = JSON.parse(
		JSON.stringify({
			lines: staticData.lines,
			connector: staticData.connector,
			defaultOutgoing: staticData.defaultOutgoing,
			callsFailing: staticData.callsFailing,
		}),
	) as IDataObject;
	const seenDefault = copy.defaultOutgoing;
	const callsFailing = copy.callsFailing;
	return {
		lines: isRecord(copy.lines) ? (copy.lines as unknown as SeenLines) : undefined,
		connector: isRecord(copy.connector) ? (copy.connector as unknown as SeenConnector) : undefined,
		defaultOutgoing:
			isRecord(seenDefault) &&
			typeof seenDefault.value === 'string' &&
			typeof seenDefault.healthy === 'boolean'
				? { value: seenDefault.value, healthy: seenDefault.healthy }
				: undefined,
		callsFailing:
			isRecord(callsFailing) &&
			Object.values(callsFailing).every((reported) => typeof reported === 'boolean')
				? (callsFailing as SeenCallsFailing)
				: undefined,
	};
}

function same(a: unknown, b: unknown): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Writes the state through top-level assignments only: n8n notices changes to static data by
 * watching its keys, and saves the workflow's static data only when it changed.
 */
export function writeState(staticData: IDataObject, state: TriggerState): void {
	if (staticData.version !== STATE_VERSION) staticData.version = STATE_VERSION;
	for (const key of ['lines', 'connector', 'defaultOutgoing', 'callsFailing'] as const) {
		const value = state[key];
		if (value === undefined) {
			if (key in staticData) delete staticData[key];
		} else if (!same(staticData[key], value)) {
			staticData[key] = value as unknown as IDataObject;
		}
	}
}
