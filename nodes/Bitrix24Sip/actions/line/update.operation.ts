import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { findLine } from '../../../shared/lines';
import type { RegistrationReport } from '../../../shared/registrationWait';
import {
	awaitLineRegistration,
	cancelSignalOf,
	mustPropagate,
	readWaitSeconds,
	unreadableRegistration,
	waitForRegistrationOption,
} from '../../../shared/registrationWait';
import type { LineChanges } from '../../../shared/sipWire';
import { changedFields } from '../../../shared/sipWire';
import type { Bitrix24Client } from '../../../shared/transport/client';
import {
	asText,
	blankPasswordError,
	checkText,
	MAX_FIELD_LENGTH,
	normaliseServer,
	requirePositiveId,
} from '../../helpers/validation';
import { updateLine } from '../../helpers/updateLine';
import { lineIdField } from '../common';
import type { ItemRun } from '../types';

const properties: INodeProperties[] = [
	lineIdField,
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Login',
				name: 'login',
				type: 'string',
				default: '',
				description:
					'New login at the SIP server, at most 100 characters. A cloud line then registers again.',
			},
			{
				displayName: 'Password',
				name: 'password',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					'New password at the SIP server, at most 100 characters. A cloud line then registers again.',
			},
			{
				displayName: 'Server',
				name: 'server',
				type: 'string',
				default: '',
				placeholder: 'e.g. sip.provider.com',
				description: 'New SIP server, at most 100 characters. A cloud line then registers again.',
			},
			{
				displayName: 'Title',
				name: 'title',
				type: 'string',
				default: '',
				description:
					'New name of the line; no two lines on the portal may share it (case does not count). Empty keeps the current one.',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [waitForRegistrationOption],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['line'], operation: ['update'] } },
	properties,
);

type Field = keyof LineChanges;

/** The Update Fields in the order they are read and sent. */
const LABELS: Record<Field, string> = {
	title: 'Title',
	server: 'Server',
	login: 'Login',
	password: 'Password',
};

/**
 * What the portal does to each field before it checks and stores it
 * (docs/bitrix24-behaviour.md#line-fields-as-the-portal-stores-them).
 */
const NORMALISE: Record<Field, (text: string) => string> = {
	title: (text) => text.trim(),
	server: normaliseServer,
	login: (text) => text.trim(),
	password: (text) => text,
};

/**
 * Fields whose change makes Bitrix24 register a cloud line again
 * (docs/bitrix24-behaviour.md#changing-a-line).
 */
const RESTARTS_REGISTRATION: Field[] = ['server', 'login', 'password'];

/**
 * The line's registration after the update. The update answers only `1`, so one read tells the
 * line's type and REG_ID; an office line has no registration (undefined). Reading the line can
 * fail like a status read: that is reported, the update itself stands.
 */
async function registrationAfterUpdate(
	client: Bitrix24Client,
	configId: number,
	seconds: number,
	restarted: boolean,
	signal: AbortSignal | undefined,
): Promise<RegistrationReport | undefined> {
	const read = await findLine(client, configId).then(
		(line) => ({ line }),
		(error: unknown) => ({ error }),
	);
	if ('error' in read) {
		if (mustPropagate(read.error)) throw read.error;
		return unreadableRegistration(
			`the line could not be read back (${(read.error as Error).message})`,
		);
	}
	const { line } = read;
	if (!line)
		return unreadableRegistration(
			`line ${configId} was not found after the update (deleted meanwhile?)`,
		);
	return await awaitLineRegistration(client, line, seconds, { restarted, signal });
}

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const configId = requirePositiveId(this, 'configId', 'Line ID', itemIndex);
	const updateFields = this.getNodeParameter('updateFields', itemIndex, {}) as IDataObject;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;

	const changes: LineChanges = {};
	for (const name of Object.keys(LABELS) as Field[]) {
		if (!(name in updateFields)) continue;
		const label = LABELS[name];
		const value = NORMALISE[name](asText(this, updateFields[name], label, itemIndex));
		// Server and login may not be emptied; an empty title or password is simply not sent
		if (value === '' && (name === 'title' || name === 'password')) continue;
		// the portal trims passwords: only spaces would wipe the line's password
		// (docs/bitrix24-behaviour.md#passwords-are-stored-trimmed)
		if (name === 'password' && value.trim() === '') throw blankPasswordError(this, itemIndex);
		changes[name] = checkText(
			this,
			value,
			{ label, required: true, maxLength: name === 'title' ? undefined : MAX_FIELD_LENGTH },
			itemIndex,
		);
	}
	// the Bitrix24 names of the fields sent, which the output lists
	const updatedFields = Object.keys(changedFields(changes));
	if (updatedFields.length === 0) {
		throw new NodeOperationError(
			this.getNode(),
			'Nothing to update: no field to change was given',
			{
				itemIndex,
				description:
					'Add at least one of Title, Server, Login or Password under "Update Fields". (Bitrix24 would accept the empty call and change nothing.)',
			},
		);
	}

	const waitSeconds = readWaitSeconds(this, options, itemIndex);
	const restarted = RESTARTS_REGISTRATION.some((field) => changes[field] !== undefined);
	const signal = cancelSignalOf(this);

	// No TYPE is sent: Bitrix24 only validates it on update and never stores it, so a line's type
	// cannot be changed here (docs/bitrix24-behaviour.md#changing-a-line); changing it takes Delete
	// and Create.
	return async (client) => {
		await updateLine(client, configId, changes);
		const output: IDataObject = { CONFIG_ID: configId, updated: true, updatedFields };
		if (waitSeconds > 0) {
			const registration = await registrationAfterUpdate(
				client,
				configId,
				waitSeconds,
				restarted,
				signal,
			);
			if (registration) output.registration = registration;
		}
		return [output];
	};
}
