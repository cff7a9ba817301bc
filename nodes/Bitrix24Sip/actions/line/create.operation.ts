import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { Bitrix24Client } from '../../transport/client';
import { mayHaveRun } from '../../transport/client';
import { Bitrix24Error } from '../../transport/errors';
import { checkText, normaliseServer } from '../../helpers/validation';
import { findLineByTitle, includePasswordsOption, outputLine, readIncludePasswords, PBX_TYPES } from '../common';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [
	{
		displayName: 'PBX Type',
		name: 'type',
		type: 'options',
		options: PBX_TYPES,
		default: 'cloud',
		description: 'Cloud lines register at the server below; a portal can have at most 10 of them',
	},
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: '',
		placeholder: 'e.g. Main SIP trunk',
		description:
			'Connection name, unique on the portal. Leave empty to get "Cloud PBX (ID)". A title also lets the node recover safely when the answer to a create is lost, and makes "If Title Exists" work.',
	},
	{
		displayName: 'Server',
		name: 'server',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. sip.provider.com',
		description: 'SIP registration server (for an office PBX: its address). A leading http:// or https:// is removed. At most 100 characters.',
	},
	{
		displayName: 'Login',
		name: 'login',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. sip_user',
		description: 'Login at the SIP server, at most 100 characters',
	},
	{
		displayName: 'Password',
		name: 'password',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		description: 'Password at the SIP server, at most 100 characters. Bitrix24 accepts a line without one, but it will not register.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'If Title Exists',
				name: 'ifTitleExists',
				type: 'options',
				options: [
					{ name: 'Error', value: 'error', description: 'Fail the item with TITLE_EXISTS' },
					{
						name: 'Return Existing Line',
						value: 'returnExisting',
						description: 'Output the line that already has this title, unchanged',
					},
					{
						name: 'Update Existing Line',
						value: 'updateExisting',
						description: 'Set the type, server, login and password of the existing line to the values above',
					},
				],
				default: 'error',
				description:
					'What to do when a line of this webhook already has the title. Return or Update make re-running a provisioning workflow safe: it never creates a second line.',
			},
			includePasswordsOption,
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['line'], operation: ['create'] } }, properties);

type IfTitleExists = 'error' | 'returnExisting' | 'updateExisting';

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const type = this.getNodeParameter('type', itemIndex) as string;
	const title = (this.getNodeParameter('title', itemIndex, '') as string).trim();
	const server = checkText(this, normaliseServer(this.getNodeParameter('server', itemIndex) as string), { label: 'Server', required: true }, itemIndex);
	// login and password go to the portal exactly as entered; only the title is trimmed, as Bitrix24 does
	const login = checkText(this, this.getNodeParameter('login', itemIndex) as string, { label: 'Login', required: true }, itemIndex);
	const password = checkText(this, this.getNodeParameter('password', itemIndex, '') as string, { label: 'Password' }, itemIndex);
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const ifTitleExists = (options.ifTitleExists as IfTitleExists | undefined) ?? 'error';
	const includePasswords = readIncludePasswords(this, itemIndex);

	const fields: IDataObject = { TYPE: type, SERVER: server, LOGIN: login };
	if (title) fields.TITLE = title;
	if (password) fields.PASSWORD = password;

	return async (client) => {
		const line = await create(client, fields, title, ifTitleExists);
		return [outputLine(line, includePasswords)];
	};
}

const MAX_CREATE_ATTEMPTS = 3;

async function create(
	client: Bitrix24Client,
	fields: IDataObject,
	title: string,
	ifTitleExists: IfTitleExists,
): Promise<IDataObject> {
	for (let attempt = 1; ; attempt++) {
		const outcome = await client
			.call<IDataObject>('voximplant.sip.add', fields, { idempotent: false })
			.then(({ result }) => ({ line: result }), (error: unknown) => ({ error }));
		if ('line' in outcome) return outcome.line;
		const { error } = outcome;
		if (error instanceof Bitrix24Error && error.code === 'TITLE_EXISTS' && ifTitleExists !== 'error') {
			return await useExisting(client, fields, title, ifTitleExists, error);
		}
		if (!mayHaveRun(error)) throw error;
		// The add may have run although its answer was lost. Titles are unique, so the title tells
		// whether the line exists; without one, repeating the add could create a second line.
		const lost = error as Bitrix24Error;
		if (!title) throw unrecoverable(lost);
		const existing = await findLineByTitle(client, title);
		if (existing) return existing;
		if (attempt >= MAX_CREATE_ATTEMPTS) throw lost;
	}
}

function unrecoverable(lost: Bitrix24Error): Bitrix24Error {
	return new Bitrix24Error(
		lost.kind,
		lost.code,
		`${lost.message}; the line may or may not have been created`,
		lost.httpStatus,
		'Check the lines in Bitrix24 (Telephony → Connection → SIP PBX) before running again. Give lines a Title: then the node checks and recovers from a lost answer by itself.',
	);
}

async function useExisting(
	client: Bitrix24Client,
	fields: IDataObject,
	title: string,
	ifTitleExists: IfTitleExists,
	original: Bitrix24Error,
): Promise<IDataObject> {
	const existing = await findLineByTitle(client, title);
	if (!existing) {
		throw new Bitrix24Error(
			'api',
			'TITLE_EXISTS',
			`The title "${title}" is taken by a telephony connection this webhook cannot see`,
			original.httpStatus,
			'Titles are unique across the portal, but the existing connection was created by hand or by another webhook, so the node can neither return nor update it. Choose another title.',
		);
	}
	if (ifTitleExists === 'returnExisting') return existing;
	const configId = Number(existing.CONFIG_ID);
	const changes: IDataObject = { ...fields };
	delete changes.TITLE;
	await client.call('voximplant.sip.update', { CONFIG_ID: configId, ...changes });
	return (await findLineByTitle(client, title)) ?? existing;
}
