import type { IDataObject, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { CallEventName } from '../shared/calls/callEvent';
import { isCallEventName } from '../shared/calls/callEvent';
import type { CallFilters } from '../shared/calls/callFilters';
import { FilterSettingError, readFilters } from '../shared/calls/callFilters';
import { readForItem, toBoolean } from '../shared/parameters';
import { connectionOf } from '../shared/transport/connection';
import { Bitrix24Error, toNodeError } from '../shared/transport/errors';

export const OUTGOING_WEBHOOK_CREDENTIAL = 'bitrix24OutgoingWebhookApi';

export interface CallTriggerSettings {
	events: Set<CallEventName>;
	lookUpLines: boolean;
	filters: CallFilters;
}

type Context = IHookFunctions | IWebhookFunctions;

/**
 * The node's parameters, checked; a wrong one is a NodeOperationError naming the field and the fix.
 */
export function readSettings(ctx: Context): CallTriggerSettings {
	const node = ctx.getNode();
	const chosen = ctx.getNodeParameter('events', []) as unknown;
	const events = new Set((Array.isArray(chosen) ? chosen : []).map(String).filter(isCallEventName));
	if (events.size === 0) {
		throw new NodeOperationError(node, 'No event chosen in "Events"', {
			description:
				'Choose at least one event under "Events" (usually Call End), the same the outgoing webhook in Bitrix24 sends.',
		});
	}
	const lookUpLines = readForItem(node, undefined, () =>
		toBoolean(ctx.getNodeParameter('lookUpLines', false), { label: 'Look Up Lines' }, false),
	);
	const rawFilters = ctx.getNodeParameter('filters', {}) as IDataObject;
	try {
		return { events, lookUpLines, filters: readFilters(rawFilters ?? {}, lookUpLines) };
	} catch (error) {
		if (error instanceof FilterSettingError) {
			throw new NodeOperationError(node, `Filters → ${error.field}: ${error.message}`, {
				description: error.fix,
			});
		}
		throw toNodeError(node, error);
	}
}

/**
 * Everything the trigger can check before any call arrives: the parameters, that the token
 * credential holds a token, and the inbound-webhook credential's URL when lines are looked up.
 * Run when the workflow is activated and when the editor starts listening, so that a mistake
 * fails there, with its fix, instead of silently at the first call.
 */
export async function checkSetup(ctx: IHookFunctions): Promise<CallTriggerSettings> {
	const settings = readSettings(ctx);
	const node = ctx.getNode();
	const token = await ctx.getCredentials(OUTGOING_WEBHOOK_CREDENTIAL);
	if (typeof token.applicationToken !== 'string' || token.applicationToken.trim() === '') {
		throw new NodeOperationError(
			node,
			'The Bitrix24 Outgoing Webhook API credential has no application token',
			{
				description:
					'Open the credential and paste the "Application token" from Bitrix24 → Developer resources → Other → Outgoing webhook.',
			},
		);
	}
	if (settings.lookUpLines) {
		try {
			await connectionOf(ctx);
		} catch (error) {
			if (!(error instanceof Bitrix24Error)) throw toNodeError(node, error);
			throw new NodeOperationError(node, `Look Up Lines: ${error.message}`, {
				description: `${error.description ?? ''} Or turn off "Look Up Lines".`.trim(),
			});
		}
	}
	return settings;
}
