import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import {
	defaultOutgoingIdentity,
	describeDefaultOutgoing,
	readDefaultOutgoingValue,
	resolveDefaultOutgoing,
} from '../../../shared/defaultOutgoing';
import { authenticationOf } from '../../../shared/transport/connection';
import { outputLine, passwordsOnlyOptions, readIncludePasswords } from '../common';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [passwordsOnlyOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['line'], operation: ['getDefaultOutgoing'] } },
	properties,
);

/**
 * Outputs `defaultOutgoing` (the raw value), `kind` (sipLine, unknownSipLine, restApp, number or
 * none),
 * the line's CONFIG_ID, TITLE, TYPE and REG_ID (null where unknown), a `description` in words, and
 * `line`: the whole line as Line → Get outputs it, or null when the default is not a visible SIP
 * line.
 */
export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const includePasswords = readIncludePasswords(this, itemIndex);
	const via = authenticationOf(this);
	return async (client) => {
		const value = await readDefaultOutgoingValue(client);
		const resolved = await resolveDefaultOutgoing(client, value);
		return [
			{
				defaultOutgoing: value,
				kind: resolved.kind,
				...defaultOutgoingIdentity(resolved),
				description: describeDefaultOutgoing(resolved, via),
				line: resolved.line ? outputLine(resolved.line, includePasswords) : null,
			},
		];
	};
}
