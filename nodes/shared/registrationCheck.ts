import type { IDataObject } from 'n8n-workflow';

import { configIdOf, readLine } from './line';
import { fetchLines } from './lines';
import type { Registration } from './registration';
import { readStatus } from './registration';
import { Bitrix24Error } from './transport/errors';
import type { Bitrix24Client } from './transport/client';

export interface LineCheck {
	line: IDataObject;
	registration: Registration;
}

/**
 * Asks for the status of one cloud line; a registration the portal does not know is a finding, not
 * a failure. Any REG_ID of the portal can be read, a line the webhook cannot see too
 * (docs/bitrix24-behaviour.md#registration-status).
 */
export async function readRegistration(
	client: Bitrix24Client,
	line: IDataObject,
): Promise<Registration> {
	const { type, regId } = readLine(line);
	if (type !== 'cloud') return null;
	if (regId === null) return 'missing';
	const outcome = await client.call<IDataObject>('voximplant.sip.status', { REG_ID: regId }).then(
		({ result }) => ({ status: readStatus(result ?? {}) }),
		(error: unknown) => ({ error }),
	);
	if ('status' in outcome) return outcome.status;
	if (outcome.error instanceof Bitrix24Error && outcome.error.code === 'REG_ID_NOT_FOUND')
		return 'missing';
	throw outcome.error;
}

/** Reads every line a check covers (all pages), in line id order. */
export async function readLinesToCheck(
	client: Bitrix24Client,
	includeOffice: boolean,
): Promise<IDataObject[]> {
	const lines = await fetchLines(client, includeOffice ? {} : { FILTER: { TYPE: 'cloud' } });
	return lines.sort((a, b) => configIdOf(a) - configIdOf(b));
}

/**
 * Reads the registration status of each cloud line. The status calls are made together, so the
 * client sends them as batches of up to 50, with any other call the caller makes at the same time.
 */
export async function readRegistrations(
	client: Bitrix24Client,
	lines: IDataObject[],
): Promise<LineCheck[]> {
	return await Promise.all(
		lines.map(async (line) => ({ line, registration: await readRegistration(client, line) })),
	);
}
