import type { Answer } from './restClient';
import { call } from './restClient';
import type { Webhook } from './index';

/** What the sandbox's call tests share: reading the call history, and a fixed moment to place calls at. */

export const stats = async (webhook: Webhook, body: unknown = {}): Promise<Answer> =>
	call(webhook, 'voximplant.statistic.get', body);

/** 2026-03-11 12:00:00 UTC = 15:00 in the portal's +03:00. */
export const NOON_UTC = Date.UTC(2026, 2, 11, 12, 0, 0);
