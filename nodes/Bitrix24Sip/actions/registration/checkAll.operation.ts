import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { PendingAs, Registration } from '../../helpers/health';
import { lineIdentity, readStatus, statusHealth } from '../../helpers/health';
import type { Bitrix24Client } from '../../transport/client';
import { Bitrix24Error } from '../../transport/errors';
import { fetchLines } from '../line/getMany.operation';
import type { ItemRun } from '../types';

export const pendingAsOption: INodeProperties = {
	displayName: 'Treat Pending Registrations As',
	name: 'pendingAs',
	type: 'options',
	options: [
		{ name: 'Healthy', value: 'healthy', description: 'A line that is still registering is not reported' },
		{ name: 'Unhealthy', value: 'unhealthy', description: 'A line counts as healthy only once it is registered' },
	],
	default: 'healthy',
	description: 'How to count a registration whose status is "in_progress" or "wait"',
};

const properties: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Include Office Lines',
				name: 'includeOffice',
				type: 'boolean',
				default: false,
				description:
					'Whether to list office PBX lines too. They have no registration to check (the office PBX connects to Bitrix24), so they show hasRegistration false and count as healthy.',
			},
			{
				displayName: 'Only Unhealthy Lines',
				name: 'onlyUnhealthy',
				type: 'boolean',
				default: false,
				description: 'Whether to output only the lines whose registration is failing, e.g. to send an alert for each',
			},
			pendingAsOption,
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['registration'], operation: ['checkAll'] } }, properties);

export interface LineCheck {
	line: IDataObject;
	registration: Registration;
}

/** Asks for the status of one cloud line; a registration the portal does not know is a finding, not a failure. */
async function readRegistration(client: Bitrix24Client, line: IDataObject): Promise<Registration> {
	if (String(line.TYPE) !== 'cloud') return null;
	const regId = Number(line.REG_ID);
	if (!Number.isSafeInteger(regId) || regId <= 0) return 'missing';
	const outcome = await client.call<IDataObject>('voximplant.sip.status', { REG_ID: regId }).then(
		({ result }) => ({ status: readStatus(result ?? {}) }),
		(error: unknown) => ({ error }),
	);
	if ('status' in outcome) return outcome.status;
	if (outcome.error instanceof Bitrix24Error && outcome.error.code === 'REG_ID_NOT_FOUND') return 'missing';
	throw outcome.error;
}

/**
 * Reads every line of this webhook (all pages) and the registration status of each cloud line.
 * The status calls are made together, so the client sends them as batches of up to 50.
 */
export async function checkLines(client: Bitrix24Client, includeOffice = true): Promise<LineCheck[]> {
	const lines = await fetchLines(client, includeOffice ? {} : { FILTER: { TYPE: 'cloud' } });
	lines.sort((a, b) => Number(a.CONFIG_ID) - Number(b.CONFIG_ID));
	return await Promise.all(
		lines.map(async (line) => ({ line, registration: await readRegistration(client, line) })),
	);
}

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const includeOffice = options.includeOffice === true;
	const onlyUnhealthy = options.onlyUnhealthy === true;
	const pendingAs: PendingAs = options.pendingAs === 'unhealthy' ? 'unhealthy' : 'healthy';
	return async (client) => {
		const checks = await checkLines(client, includeOffice);
		return checks
			.map(({ line, registration }) => ({ ...lineIdentity(line), ...statusHealth(registration, pendingAs) }))
			.filter((item) => !onlyUnhealthy || !item.healthy);
	};
}
