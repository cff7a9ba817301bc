import { readDefaultOutgoingValue } from '../../shared/defaultOutgoing';
import type { Bitrix24Client } from '../../shared/transport/client';

/*
 * The default outgoing line for Simplify's `defaultOutgoing` flag. Runs whose calls are merged (a
 * burst of small executions of the same webhook) join the read that is still in flight instead of
 * each adding one to the batch; a read that has answered is never reused, so a run never flags a
 * line from a value older than itself.
 */

/** The read in flight, per merge group; removed when it settles. */
const inFlight = new WeakMap<object, Promise<string | null>>();

/** The raw value, or null when it could not be read: the flag is then unknown, never a guess. */
async function read(client: Bitrix24Client): Promise<string | null> {
	try {
		return await readDefaultOutgoingValue(client);
	} catch {
		return null;
	}
}

export function readDefaultOutgoingOnce(client: Bitrix24Client): Promise<string | null> {
	const group = client.mergeGroup;
	const joined = group ? inFlight.get(group) : undefined;
	if (joined) return joined;
	const started = read(client);
	if (group) {
		inFlight.set(group, started);
		void started.then(() => {
			if (inFlight.get(group) === started) inFlight.delete(group);
		});
	}
	return started;
}
