import type { LineChanges } from '../../shared/sipWire';
import { lineOrderKey, sipUpdateFields } from '../../shared/sipWire';
import type { Bitrix24Client } from '../../shared/transport/client';

/**
 * voximplant.sip.update, shared by Line → Update, Create's "Update Existing Line" and Line → Sync.
 * A line the webhook cannot see fails with ERROR_NOT_FOUND, which this method answers with 404
 * (delete answers 400); inside a batch the answer carries no status, so the call names it.
 */
export async function updateLine(
	client: Bitrix24Client,
	configId: number,
	changes: LineChanges,
): Promise<void> {
	await client.call('voximplant.sip.update', sipUpdateFields(configId, changes), {
		orderKey: lineOrderKey(configId),
		statusByCode: { ERROR_NOT_FOUND: 404 },
	});
}
