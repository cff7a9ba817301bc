import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { IfTitleExists } from '../../helpers/addLine';
import { addLine } from '../../helpers/addLine';
import { readLinesBefore } from '../../helpers/linesBefore';
import type { RunTitles } from '../../helpers/runTitles';
import { noteTitledAdd } from '../../helpers/runTitles';
import type { NewLine } from '../../../shared/sipWire';
import {
	awaitLineRegistration,
	cancelSignalOf,
	readWaitSeconds,
	waitForRegistrationOption,
} from '../../../shared/registrationWait';
import { readConnection, readText, readType } from '../../helpers/validation';
import {
	includePasswordsOption,
	loginField,
	outputLine,
	passwordField,
	pbxTypeField,
	readIncludePasswords,
	serverField,
} from '../common';
import { readForItem, toChoice } from '../../../shared/parameters';
import type { ItemRun } from '../types';

const IF_TITLE_EXISTS: IfTitleExists[] = ['error', 'returnExisting', 'updateExisting'];

const properties: INodeProperties[] = [
	pbxTypeField,
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: '',
		placeholder: 'e.g. Main SIP trunk',
		description:
			'Name of the line; no two lines on the portal may share it (case does not count). Needed for "If Title Exists". Empty: Bitrix24 names it "Cloud PBX (ID)".',
	},
	serverField,
	loginField,
	passwordField,
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
						description:
							'Give the existing line the server, login and password above. A line of the other PBX type fails the item.',
					},
				],
				default: 'error',
				description:
					'What to do when a line with this title already exists. Return or Update make it safe to run the workflow again: no second line is made.',
			},
			includePasswordsOption,
			waitForRegistrationOption,
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['line'], operation: ['create'] } },
	properties,
);

// one record per node run: prepare() is called with the same context for every item of a run
const runs = new WeakMap<object, RunTitles>();

function runTitles(ctx: IExecuteFunctions, itemIndex: number): RunTitles {
	let run = runs.get(ctx);
	// items are prepared in order: the first one starts the run afresh, should a context be reused
	if (!run || itemIndex === 0) {
		run = { byTitle: new Map() };
		runs.set(ctx, run);
	}
	return run;
}

export function prepare(this: IExecuteFunctions, itemIndex: number): ItemRun {
	const type = readType(this, itemIndex);
	const title = readText(this, 'title', itemIndex, { label: 'Title' }, (text) => text.trim());
	const { server, login, password } = readConnection(this, itemIndex);
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	// a value from an expression that is no option must not fall through to "update the line that has
	// the title"
	const ifTitleExists = readForItem(this.getNode(), itemIndex, () =>
		toChoice<IfTitleExists>(
			options.ifTitleExists,
			{ label: 'If Title Exists', where: 'under Options' },
			IF_TITLE_EXISTS,
			'error',
		),
	);
	const includePasswords = readIncludePasswords(this, itemIndex);
	const waitSeconds = readWaitSeconds(this, options, itemIndex);
	const signal = cancelSignalOf(this);

	const line: NewLine = { type, title, server, login, password };

	const run = runTitles(this, itemIndex);
	const own = title ? noteTitledAdd(run, line) : undefined;
	// only "Error" needs to know what was there before: the other modes return the line either way
	const needsBefore = title !== '' && ifTitleExists === 'error';

	return async (client) => {
		if (needsBefore) readLinesBefore(client, run);
		const row = await addLine({ client, line, ifTitleExists, own, run });
		const output = outputLine(row, includePasswords);
		if (waitSeconds > 0) {
			// a new line's registration starts with the add; an existing line's may have been restarted
			// by its update
			const registration = await awaitLineRegistration(client, row, waitSeconds, {
				restarted: true,
				signal,
			});
			if (registration) output.registration = registration;
		}
		return [output];
	};
}
