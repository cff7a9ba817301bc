import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { LineRow } from '../../../shared/line';
import { configIdOf, readLine, readLineRow, titleKey } from '../../../shared/line';
import { fetchLines } from '../../../shared/lines';
import type { RegistrationReport } from '../../../shared/registrationWait';
import {
	awaitRegistration,
	cancelSignalOf,
	readWaitSeconds,
	waitForRegistrationOption,
} from '../../../shared/registrationWait';
import { clientOptionsFrom } from '../../../shared/requestOptions';
import { Bitrix24Client } from '../../../shared/transport/client';
import { authenticationOf } from '../../../shared/transport/connection';
import { toNodeError } from '../../../shared/transport/errors';
import { errorItem } from '../../helpers/output';
import type { Applied } from '../../helpers/syncApply';
import { applyPlan } from '../../helpers/syncApply';
import type { DesiredLine, PlanEntry, SyncSettings } from '../../helpers/syncPlan';
import { planSync, problem, visibleCloudLines } from '../../helpers/syncPlan';
import { asText, readConnection, readText, readType } from '../../helpers/validation';
import {
	includePasswordsFrom,
	includePasswordsOption,
	loginField,
	outputLine,
	passwordField,
	pbxTypeField,
	serverField,
} from '../common';
import { readForItem, toBoolean, toChoice } from '../../../shared/parameters';

const show = { resource: ['line'], operation: ['sync'] };

const SEND_PASSWORDS = ['whenChanged', 'always'] as const;

/**
 * A field in both node versions: version 2 pre-fills it with the expression that reads the input
 * item's field of the same name (a sheet's column "server" fills Server), version 1 stays empty.
 */
function readsInput(field: INodeProperties, inputField: string): INodeProperties[] {
	return [
		{ ...field, displayOptions: { show: { '@version': [1] } } },
		{
			...field,
			default: `={{ $json.${inputField} }}`,
			displayOptions: { show: { '@version': [2] } },
		},
	];
}

const properties: INodeProperties[] = [
	{
		displayName:
			"Each input item is one line as it should be. The sync matches them to the portal's lines by title, then creates, updates or (if asked) deletes lines. Turn on Dry Run to see the plan first.",
		name: 'syncNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { '@version': [1] } },
	},
	{
		displayName:
			"Each input item is one line as it should be. Title, Server, Login and Password read the item's fields of the same name; change them to map other columns.",
		name: 'syncNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { '@version': [2] } },
	},
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		description:
			'Whether to only show what the sync would do (one item per line) and change nothing',
	},
	{
		...pbxTypeField,
		description:
			'A line that exists with the other type is only changed with "Allow Type Change". A portal can have at most 10 cloud lines.',
	},
	...readsInput(
		{
			displayName: 'Title',
			name: 'title',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'e.g. Trunk Berlin',
			description:
				"The line's name, which matches this item to an existing line (case and spaces around it do not count). Each title may appear once.",
		},
		'title',
	),
	...readsInput(serverField, 'server'),
	...readsInput(loginField, 'login'),
	...readsInput(
		{
			...passwordField,
			description: 'Password at the SIP server. Empty: an existing line keeps its password.',
		},
		'password',
	),
	{
		displayName: 'Delete Lines Not Listed',
		name: 'deleteUnlisted',
		type: 'boolean',
		default: false,
		description:
			'Whether to delete lines that no input item names. Only lines inside the managed titles below are ever deleted; with an OAuth2 application, only its own lines.',
	},
	{
		displayName: 'Managed Title Prefix',
		name: 'managedPrefix',
		type: 'string',
		default: '',
		placeholder: 'e.g. n8n-',
		displayOptions: { show: { deleteUnlisted: [true] } },
		description:
			'Unlisted lines whose title starts with this (any case) may be deleted; no other line is touched. Give this, Managed Titles, or both; with an OAuth2 application both may stay empty.',
	},
	{
		displayName: 'Managed Titles',
		name: 'managedTitles',
		type: 'string',
		default: '',
		placeholder: 'e.g. Trunk Berlin, Trunk Paris',
		displayOptions: { show: { deleteUnlisted: [true] } },
		description:
			'Titles of the lines the sync may delete when they are not listed, separated by commas or new lines',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Allow Type Change',
				name: 'allowTypeChange',
				type: 'boolean',
				default: false,
				description:
					'Whether to delete and create again a line whose type differs from the input. This drops its registration and may change the default outgoing line.',
			},
			includePasswordsOption,
			{
				displayName: 'Send Passwords',
				name: 'sendPasswords',
				type: 'options',
				options: [
					{
						name: 'When Changed',
						value: 'whenChanged',
						description:
							'Send a password only when the portal returns the current one and it differs',
					},
					{
						name: 'Always',
						value: 'always',
						description:
							"Send every line's password on every run, for portals that do not return passwords",
					},
				],
				default: 'whenChanged',
				description:
					'Whether to send the passwords of existing lines when the portal cannot tell whether they changed',
			},
			waitForRegistrationOption,
		],
	},
];

export const description = updateDisplayOptions({ show }, properties);

type ItemError = ReturnType<typeof toNodeError>;

const PREFIX_LABEL = 'Managed Title Prefix';
const TITLES_LABEL = 'Managed Titles';

function scopeError(
	ctx: IExecuteFunctions,
	message: string,
	description: string,
): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), message, {
		itemIndex: 0,
		description: `${description} Nothing was sent.`,
	});
}

/**
 * The managed titles: whole titles separated by commas or new lines, compared without regard to
 * case; spaces around an entry are dropped, since no stored title has them (the portal trims
 * titles), so that cannot reach another line.
 */
function readManagedTitles(ctx: IExecuteFunctions): Set<string> {
	const text = asText(ctx, ctx.getNodeParameter('managedTitles', 0, ''), TITLES_LABEL, 0);
	const entries = text
		.split(/[,\n]/)
		.map((entry) => entry.trim())
		.filter((entry) => entry !== '');
	if (text.trim() !== '' && entries.length === 0) {
		throw scopeError(
			ctx,
			`${TITLES_LABEL} holds no title, only separators`,
			`List the titles of the lines this sync manages in "${TITLES_LABEL}", separated by commas or new lines.`,
		);
	}
	return new Set(entries.map(titleKey));
}

/** The node-wide settings, read from the first item. */
function readSettings(ctx: IExecuteFunctions): SyncSettings {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const { deleteUnlisted, allowTypeChange, sendPasswords } = readForItem(ctx.getNode(), 0, () => ({
		deleteUnlisted: toBoolean(
			ctx.getNodeParameter('deleteUnlisted', 0, false),
			{ label: 'Delete Lines Not Listed' },
			false,
		),
		allowTypeChange: toBoolean(
			options.allowTypeChange,
			{ label: 'Allow Type Change', where: 'under Options' },
			false,
		),
		sendPasswords: toChoice(
			options.sendPasswords,
			{ label: 'Send Passwords', where: 'under Options' },
			SEND_PASSWORDS,
			'whenChanged',
		),
	}));
	const settings: SyncSettings = {
		deleteUnlisted,
		managedPrefix: '',
		managedTitles: new Set(),
		allowTypeChange,
		sendPasswords,
		via: authenticationOf(ctx),
	};
	if (!deleteUnlisted) return settings;
	// the prefix as typed: compared without regard to case but never trimmed, so "Team " never
	// reaches "Teamwork"
	const prefix = asText(ctx, ctx.getNodeParameter('managedPrefix', 0, ''), PREFIX_LABEL, 0);
	settings.managedTitles = readManagedTitles(ctx);
	// only when both fields are untouched: spaces typed into either are no answer to act on
	const titlesTyped = ctx.getNodeParameter('managedTitles', 0, '') !== '';
	if (prefix === '' && !titlesTyped && authenticationOf(ctx) === 'oAuth2') {
		// an application sees only the lines it made: no line of the UI or a webhook can be reached
		settings.manageAll = true;
		return settings;
	}
	if (prefix.trim() === '' && settings.managedTitles.size === 0) {
		throw scopeError(
			ctx,
			'Managed Title Prefix is required when "Delete Lines Not Listed" is on',
			'The portal\'s lines are shared with the Bitrix24 UI and every other webhook. Enter the title prefix of the lines this sync manages (e.g. "n8n-"), or list them under Managed Titles, so that no other line is ever deleted. A prefix of only spaces does not count.',
		);
	}
	if (prefix !== '' && prefix.trim() === '') {
		throw scopeError(
			ctx,
			`${PREFIX_LABEL} is only spaces`,
			`Enter the start of the titles of the lines this sync manages (e.g. "n8n-"), or leave "${PREFIX_LABEL}" empty and use "${TITLES_LABEL}" alone.`,
		);
	}
	if (prefix.trimStart() !== prefix) {
		// no stored title starts with a space: such a prefix would silently manage nothing
		throw scopeError(
			ctx,
			`${PREFIX_LABEL} starts with a space, which no title does`,
			`Bitrix24 stores titles without spaces around them, so this prefix would match no line. Remove the space at the start of "${PREFIX_LABEL}".`,
		);
	}
	settings.managedPrefix = prefix.toLowerCase();
	return settings;
}

/** One input item as a desired line; a mistake throws, naming the field. */
function readDesired(ctx: IExecuteFunctions, itemIndex: number, title: string): DesiredLine {
	const type = readType(ctx, itemIndex) as DesiredLine['type'];
	// a password that is empty once trimmed is what the portal would store as no password: here it
	// means "leave the password as it is", never "wipe it"
	const { server, login, password } = readConnection(ctx, itemIndex, 'keep');
	return { itemIndex, title, type, server, login, password };
}

interface Inputs {
	desired: DesiredLine[];
	errors: Map<number, ItemError>;
	/**
	 * the title of every item that has a readable one, valid or not: those lines are never deleted
	 */
	listedKeys: Set<string>;
	/** an item whose title could not be read: the sync cannot tell which line it protects */
	unreadableTitle?: number;
}

function readInputs(ctx: IExecuteFunctions, count: number): Inputs {
	const inputs: Inputs = { desired: [], errors: new Map(), listedKeys: new Set() };
	const byKey = new Map<string, number[]>();
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		let title: string;
		try {
			title = readText(
				ctx,
				'title',
				itemIndex,
				{
					label: 'Title',
					required: true,
					hint: 'Enter the title of the line: the sync matches lines by title.',
				},
				(text) => text.trim(),
			);
		} catch (error) {
			inputs.unreadableTitle ??= itemIndex;
			inputs.errors.set(itemIndex, toNodeError(ctx.getNode(), error, itemIndex));
			continue;
		}
		const key = titleKey(title);
		inputs.listedKeys.add(key);
		byKey.set(key, [...(byKey.get(key) ?? []), itemIndex]);
		try {
			inputs.desired.push(readDesired(ctx, itemIndex, title));
		} catch (error) {
			inputs.errors.set(itemIndex, toNodeError(ctx.getNode(), error, itemIndex));
		}
	}
	// the same title twice: which of the items describes the line is anybody's guess
	for (const [, indexes] of byKey) {
		if (indexes.length < 2) continue;
		for (const itemIndex of indexes) {
			const others = indexes.filter((other) => other !== itemIndex).map((other) => other + 1);
			const title = inputs.desired.find((line) => line.itemIndex === itemIndex)?.title;
			inputs.errors.set(
				itemIndex,
				new NodeOperationError(
					ctx.getNode(),
					`Title ${title !== undefined ? `"${title}" ` : ''}is listed more than once in the input (also item ${others.join(', ')})`,
					{
						itemIndex,
						description:
							'Titles are the key of a sync and Bitrix24 compares them without regard to case and spaces around them. Keep one item per line. Nothing was sent for these items.',
					},
				),
			);
		}
	}
	inputs.desired = inputs.desired.filter((line) => !inputs.errors.has(line.itemIndex));
	return inputs;
}

/** What each output item says about its line, in the plan and after applying. */
function entryJson(
	entry: PlanEntry,
	dryRun: boolean,
	includePasswords: boolean,
	line?: IDataObject,
): IDataObject {
	const shown = line ?? entry.existing?.row;
	const json: IDataObject = {
		action: entry.action,
		dryRun,
		TITLE: entry.title,
		TYPE: entry.type,
		CONFIG_ID: shown?.CONFIG_ID !== undefined ? configIdOf(shown) : null,
		changes: entry.changes,
		reason: entry.reason,
		inputItem: entry.itemIndex,
	};
	if (entry.action === 'replace') {
		json.previousConfigId = entry.existing?.line.configId ?? NaN;
		json.previousType = entry.existing?.line.type ?? '';
		if (!line) json.CONFIG_ID = null;
	}
	json.line = shown ? outputLine(shown, includePasswords) : null;
	return json;
}

function planItem(
	entry: PlanEntry,
	dryRun: boolean,
	includePasswords: boolean,
	error?: ItemError,
): INodeExecutionData {
	const json = entryJson(entry, dryRun, includePasswords);
	if (error)
		return {
			...errorItem(error, entry.itemIndex ?? 0, json),
			...(entry.itemIndex === null ? { pairedItem: undefined } : {}),
		};
	return entry.itemIndex === null ? { json } : { json, pairedItem: { item: entry.itemIndex } };
}

function counts(applied: Applied[]): string {
	const words: Array<[PlanEntry['action'], string]> = [
		['create', 'created'],
		['replace', 'replaced'],
		['update', 'updated'],
		['delete', 'deleted'],
		['unchanged', 'unchanged'],
	];
	const done = applied.filter(({ error }) => error === undefined);
	const parts = words
		.map(
			([action, word]) =>
				[done.filter(({ entry }) => entry.action === action).length, word] as const,
		)
		.filter(([count]) => count > 0)
		.map(([count, word]) => `${count} ${word}`);
	return parts.length > 0 ? parts.join(', ') : 'nothing';
}

interface CheckFailure {
	itemIndex: number | null;
	title: string;
	message: string;
	hint?: string;
}

/**
 * The checks failed and the node does not continue on fail: one error listing every item's problem.
 */
function checksFailed(ctx: IExecuteFunctions, failures: CheckFailure[]): NodeOperationError {
	const first = failures[0];
	const lines = failures.map(({ itemIndex, title, message }) =>
		itemIndex === null
			? `• deleting "${title}": ${message}`
			: `• item ${itemIndex + 1}${title ? ` ("${title}")` : ''}: ${message}`,
	);
	// each kind of problem's advice once, after the list
	const hints = [
		...new Set(failures.map(({ hint }) => hint).filter((hint): hint is string => Boolean(hint))),
	];
	return new NodeOperationError(
		ctx.getNode(),
		`Sync stopped before changing anything: ${failures.length} line(s) failed the checks${failures.length === 1 ? `: ${first.message}` : ''}`,
		{
			itemIndex: first.itemIndex ?? 0,
			description: [
				...lines,
				...hints,
				'Fix these (or turn on "Continue On Fail" to apply the rest) and run again. Dry Run shows the whole plan.',
			].join('\n'),
		},
	);
}

export async function executeRun(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const continueOnFail = this.continueOnFail();
	const settings = readSettings(this);
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const { dryRun, includePasswords } = readForItem(this.getNode(), 0, () => ({
		dryRun: toBoolean(this.getNodeParameter('dryRun', 0, false), { label: 'Dry Run' }, false),
		includePasswords: includePasswordsFrom(options),
	}));
	const waitSeconds = readWaitSeconds(this, options, 0);
	const inputs = readInputs(this, items.length);

	const inputFailures: CheckFailure[] = [...inputs.errors].map(([itemIndex, error]) => ({
		itemIndex,
		title: '',
		message: error.message,
		hint: error.description ?? undefined,
	}));
	if (inputFailures.length > 0 && !continueOnFail && !dryRun)
		throw checksFailed(this, inputFailures);

	let client: Bitrix24Client;
	let existing: LineRow[];
	try {
		client = await Bitrix24Client.create(
			this,
			clientOptionsFrom(this.getNodeParameter('requestOptions', 0, {}) as IDataObject),
		);
		// one read of every line the webhook sees: the plan is made against it
		existing = (await fetchLines(client, {})).map(readLineRow);
	} catch (error) {
		if (!continueOnFail) throw toNodeError(this.getNode(), error, 0);
		return items.map((_, itemIndex) =>
			errorItem(toNodeError(this.getNode(), error, itemIndex), itemIndex),
		);
	}

	const blockDeletions =
		inputs.unreadableTitle === undefined
			? undefined
			: problem(
					'TITLE_UNREADABLE',
					`Not deleted: the title of item ${inputs.unreadableTitle + 1} could not be read`,
					"The sync cannot tell whether that item lists this line, so it deletes nothing. Fix the item's Title and run again.",
				);
	const plan = planSync(inputs.desired, existing, inputs.listedKeys, settings, blockDeletions);
	const problems = plan.filter((entry) => entry.problem);
	const output: INodeExecutionData[] = [];
	const byItem = new Map<number, INodeExecutionData>();
	const deletions: INodeExecutionData[] = [];
	const place = (entry: PlanEntry, item: INodeExecutionData) => {
		if (entry.itemIndex === null) deletions.push(item);
		else byItem.set(entry.itemIndex, item);
	};
	const errorOf = (entry: PlanEntry, error: unknown) =>
		toNodeError(this.getNode(), error, entry.itemIndex ?? undefined);

	if (dryRun) {
		for (const entry of plan)
			place(
				entry,
				planItem(
					entry,
					true,
					includePasswords,
					entry.problem ? errorOf(entry, entry.problem) : undefined,
				),
			);
	} else {
		if (problems.length > 0 && !continueOnFail) {
			throw checksFailed(this, [
				...inputFailures,
				...problems.map((entry) => ({
					itemIndex: entry.itemIndex,
					title: entry.title,
					message: entry.problem?.message ?? '',
					hint: entry.problem?.description,
				})),
			]);
		}
		const highestIdBefore = Math.max(
			0,
			...existing.map(({ line }) => line.configId).filter(Number.isFinite),
		);
		const applied = await applyPlan(client, plan, highestIdBefore, visibleCloudLines(existing));
		const failedWrite = applied.find((outcome) => outcome.error !== undefined);
		if (failedWrite && !continueOnFail) {
			const error = errorOf(failedWrite.entry, failedWrite.error);
			error.description = `${error.description ? `${error.description} ` : ''}Before the node stopped, the sync did this: ${counts(applied)}. Run the sync again to finish the job: it plans only what is still to do.`;
			throw error;
		}
		const reports = await waitForRegistrations(client, applied, waitSeconds, cancelSignalOf(this));
		for (const entry of problems)
			place(entry, planItem(entry, false, includePasswords, errorOf(entry, entry.problem)));
		for (const outcome of applied) {
			if (outcome.error !== undefined) {
				place(
					outcome.entry,
					planItem(outcome.entry, false, includePasswords, errorOf(outcome.entry, outcome.error)),
				);
				continue;
			}
			const json = entryJson(outcome.entry, false, includePasswords, outcome.line);
			const report = reports.get(outcome);
			if (report) json.registration = report;
			place(
				outcome.entry,
				outcome.entry.itemIndex === null
					? { json }
					: { json, pairedItem: { item: outcome.entry.itemIndex } },
			);
		}
	}
	for (const [itemIndex, error] of inputs.errors)
		byItem.set(itemIndex, errorItem(error, itemIndex));
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const item = byItem.get(itemIndex);
		if (item) output.push(item);
	}
	// deletions answer to no input item: they come after, marked by inputItem null
	output.push(...deletions);
	return output;
}

/** With "Wait for Registration", the verdict of every cloud line the sync leaves in place. */
async function waitForRegistrations(
	client: Bitrix24Client,
	applied: Applied[],
	seconds: number,
	signal: AbortSignal | undefined,
): Promise<Map<Applied, RegistrationReport>> {
	const reports = new Map<Applied, RegistrationReport>();
	if (seconds <= 0) return reports;
	await Promise.all(
		applied.map(async (outcome) => {
			const { entry, line, error } = outcome;
			if (error !== undefined || !line || entry.action === 'delete') return;
			const { type, regId } = readLine(line);
			if (type !== 'cloud' || regId === null) return;
			// every write of a sync changes server, login or password, or makes the line: the
			// registration starts over
			const restarted = entry.action !== 'unchanged';
			reports.set(outcome, await awaitRegistration(client, regId, seconds, { restarted, signal }));
		}),
	);
	return reports;
}
