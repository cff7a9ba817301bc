import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { normaliseLine } from '../../shared/lines';
import { readForItem, toBoolean } from '../../shared/parameters';

/** The two kinds of SIP line, as every PBX Type field offers them. */
export const PBX_TYPES = [
	{ name: 'Cloud PBX', value: 'cloud', description: 'Bitrix24 registers at your SIP provider' },
	{ name: 'Office PBX', value: 'office', description: 'Your own PBX connects to Bitrix24' },
];

/**
 * Not `required`: n8n would refuse an empty required locator before the node runs, naming no field;
 * the node's own check says "Line ID is empty" and how to fill it. Workflows saved when this was a
 * number field hold 5 or "={{ … }}", which a locator passes through unchanged.
 */
export const lineIdField: INodeProperties = {
	displayName: 'Line ID',
	name: 'configId',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	description:
		'The SIP line. Pick it from the list, or enter its ID (CONFIG_ID in the output of Get Many).',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select a line...',
			typeOptions: { searchListMethod: 'searchLines', searchable: true },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 5',
			validation: [
				{
					type: 'regex',
					// empty passes here so that the node's own message, naming the field, explains it
					properties: {
						regex: '(\\s*\\d*[1-9]\\d*\\s*)?',
						errorMessage: 'Line ID must be a positive whole number, e.g. 5',
					},
				},
			],
		},
	],
};

/** The PBX Type of a line to make, as Create and Sync ask for it (both readType it). */
export const pbxTypeField: INodeProperties = {
	displayName: 'PBX Type',
	name: 'type',
	type: 'options',
	options: PBX_TYPES,
	default: 'cloud',
	description:
		"Cloud lines register at the server below; a portal can have at most 10 of them. A line's type cannot be changed later.",
};

/**
 * Server, Login and Password of a line, as Create and Sync ask for them (the rules of
 * voximplant.sip.add).
 */
export const serverField: INodeProperties = {
	displayName: 'Server',
	name: 'server',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. sip.provider.com',
	description:
		"Your SIP provider's server (for an office PBX: its address), at most 100 characters",
};

export const loginField: INodeProperties = {
	displayName: 'Login',
	name: 'login',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. sip_user',
	description: 'Your login at the SIP server, at most 100 characters',
};

export const passwordField: INodeProperties = {
	displayName: 'Password',
	name: 'password',
	type: 'string',
	typeOptions: { password: true },
	default: '',
	description:
		'Your password at the SIP server, at most 100 characters. A line without one does not register.',
};

export const includePasswordsOption: INodeProperties = {
	displayName: 'Include Passwords',
	name: 'includePasswords',
	type: 'boolean',
	default: false,
	description:
		'Whether to show the passwords in the output. Off keeps them out of execution logs; turn on to read the INCOMING_PASSWORD an office PBX needs.',
};

/**
 * The Options of an operation that outputs lines and has no other option: Get, Get Many, Get
 * Default Outgoing.
 */
export const passwordsOnlyOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [includePasswordsOption],
};

export function readIncludePasswords(ctx: IExecuteFunctions, itemIndex: number): boolean {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return readForItem(ctx.getNode(), itemIndex, () => includePasswordsFrom(options));
}

/** Include Passwords from an Options collection already read. */
export function includePasswordsFrom(options: IDataObject): boolean {
	return toBoolean(
		options.includePasswords,
		{ label: 'Include Passwords', where: 'under Options' },
		false,
	);
}

export function outputLine(line: IDataObject, includePasswords: boolean): IDataObject {
	return normaliseLine(line, includePasswords);
}
