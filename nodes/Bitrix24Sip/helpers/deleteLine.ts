import { Bitrix24Error } from '../../shared/transport/errors';
import type { Bitrix24Client } from '../../shared/transport/client';

/**
 * voximplant.sip.delete, shared by Line → Delete and Line → Sync. The client repeats it after a
 * lost answer; a repeat that finds the line gone means the first attempt deleted it (or it was
 * gone already): either way the line no longer exists, which is what was asked.
 */
export async function deleteLine(client: Bitrix24Client, configId: number): Promise<void> {
	const outcome = await client
		.call('voximplant.sip.delete', { CONFIG_ID: configId }, { orderKey: `line ${configId}` })
		.then(
			() => undefined,
			(error: unknown) => error,
		);
	const deletedByLostAttempt =
		outcome instanceof Bitrix24Error &&
		outcome.code === 'ERROR_NOT_FOUND' &&
		outcome.repeatedAfterLostAnswer;
	if (outcome !== undefined && !deletedByLostAttempt) throw outcome;
}
