import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { PendingAs } from '../../../shared/health';
import { checkLines, lineIdentity, statusHealth } from '../../../shared/health';
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
