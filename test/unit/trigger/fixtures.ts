import type { IDataObject } from 'n8n-workflow';

import type { TriggerEvent, TriggerSettings } from '../../../nodes/Bitrix24SipTrigger/changes';
import type { Poll } from '../../../nodes/Bitrix24SipTrigger/events/family';
import type { SeenLine } from '../../../nodes/Bitrix24SipTrigger/events/lines';
import type { TriggerState } from '../../../nodes/Bitrix24SipTrigger/state';
import type { LineCheck } from '../../../nodes/shared/registrationCheck';
import type { Registration } from '../../../nodes/shared/registration';

export const NOW = new Date('2026-12-01T10:00:00.000Z');
export const DETECTED_AT = NOW.toISOString();

export function settings(
	events: TriggerEvent[],
	more: Partial<TriggerSettings> = {},
): TriggerSettings {
	return {
		events: new Set(events),
		pendingAs: 'unchanged',
		minutesThreshold: 10,
		paidWithinDays: 7,
		callWindowHours: 1,
		callFailureRateAbove: 50,
		emitOnFirstRun: false,
		...more,
	};
}

export function poll(
	chosen: TriggerSettings,
	before: TriggerState | undefined,
	more: Partial<Poll> = {},
): Poll {
	return {
		settings: chosen,
		before,
		after: {},
		now: NOW,
		detectedAt: DETECTED_AT,
		manual: false,
		...more,
	};
}

function status(result: string, code: number | null, message = ''): Registration {
	return {
		STATUS_RESULT: result,
		STATUS_CODE: code,
		ERROR_MESSAGE: message,
		LAST_UPDATED: '2026-12-01 09:59:00',
	};
}

export const REGISTERED = status('success', 200);
export const FORBIDDEN = status('error', 403, 'Forbidden');
export const UNAUTHORIZED = status('error', 401, 'Unauthorized');
export const PENDING = status('in_progress', null);

/** A cloud line row as voximplant.sip.get gives it (ids as text). */
export function row(configId: number, title = `Trunk ${configId}`): IDataObject {
	return {
		CONFIG_ID: String(configId),
		TITLE: title,
		TYPE: 'cloud',
		SERVER: `sip${configId}.example`,
		LOGIN: `user${configId}`,
		REG_ID: String(100 + configId),
		PASSWORD: 'secret-pass',
	};
}

export function check(configId: number, registration: Registration): LineCheck {
	return { line: row(configId), registration };
}

/** A line as the trigger remembers it. */
export function seen(configId: number, registration: Registration, healthy: boolean): SeenLine {
	return {
		TITLE: `Trunk ${configId}`,
		TYPE: 'cloud',
		SERVER: `sip${configId}.example`,
		LOGIN: `user${configId}`,
		REG_ID: 100 + configId,
		registration,
		healthy,
	};
}

/** The events of items, with the line or value each names. */
export function events(items: IDataObject[]): string[] {
	return items.map((item) => {
		const line = item.line as IDataObject | null | undefined;
		return line ? `${String(item.event)} ${String(line.CONFIG_ID)}` : String(item.event);
	});
}
