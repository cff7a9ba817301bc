import type { IDataObject } from 'n8n-workflow';

import type {
	DesiredLine,
	PlanEntry,
	SyncSettings,
} from '../../nodes/Bitrix24Sip/helpers/syncPlan';
import {
	isManaged,
	MAX_CLOUD_LINES,
	planSync,
	problem,
	visibleCloudLines,
} from '../../nodes/Bitrix24Sip/helpers/syncPlan';
import { readLine, readLineRow, titleKey } from '../../nodes/shared/line';

/** A row as voximplant.sip.get answers it: ids as text. */
function row(configId: number, title: string, fields: IDataObject = {}): IDataObject {
	return {
		CONFIG_ID: String(configId),
		TYPE: 'cloud',
		REG_ID: String(150000 + configId),
		TITLE: title,
		SERVER: 'sip.example.com',
		LOGIN: 'user',
		PASSWORD: 'pass',
		...fields,
	};
}

/** An input item as Sync reads it (title trimmed, server normalised). */
function want(itemIndex: number, title: string, fields: Partial<DesiredLine> = {}): DesiredLine {
	return {
		itemIndex,
		title,
		type: 'cloud',
		server: 'sip.example.com',
		login: 'user',
		password: 'pass',
		...fields,
	};
}

const SETTINGS: SyncSettings = {
	deleteUnlisted: false,
	managedPrefix: '',
	managedTitles: new Set(),
	allowTypeChange: false,
	sendPasswords: 'whenChanged',
};

/** Plans as Sync does: every input title is listed. */
function plan(
	desired: DesiredLine[],
	rows: IDataObject[],
	settings: Partial<SyncSettings> = {},
	listed: string[] = desired.map((line) => line.title),
): PlanEntry[] {
	return planSync(desired, rows.map(readLineRow), new Set(listed.map(titleKey)), {
		...SETTINGS,
		...settings,
	});
}

/** What a test compares: the action, the line it concerns, the fields it changes, a refusal. */
function summary(entry: PlanEntry): unknown[] {
	return [
		entry.action,
		entry.title,
		entry.existing?.line.configId ?? null,
		entry.changes,
		entry.problem?.code ?? null,
	];
}

describe('planSync: one desired line against the portal', () => {
	it.each<[string, DesiredLine, IDataObject[], Partial<SyncSettings>, unknown[], string]>([
		[
			'no line has the title: create with every field',
			want(0, 'Trunk'),
			[row(3, 'Other')],
			{},
			['create', 'Trunk', null, ['TYPE', 'TITLE', 'SERVER', 'LOGIN', 'PASSWORD'], null],
			'no line has this title',
		],
		[
			'create without a password sends none',
			want(0, 'Trunk', { password: '' }),
			[],
			{},
			['create', 'Trunk', null, ['TYPE', 'TITLE', 'SERVER', 'LOGIN'], null],
			'no line has this title',
		],
		[
			'same server, login and password: unchanged',
			want(0, 'Trunk'),
			[row(3, 'Trunk')],
			{},
			['unchanged', 'Trunk', 3, [], null],
			'same server, login and password',
		],
		[
			'the title matches without regard to case',
			want(0, 'trunk'),
			[row(3, 'TRUNK')],
			{},
			['unchanged', 'trunk', 3, [], null],
			'same server, login and password',
		],
		[
			'a password with spaces around it is stored trimmed: unchanged',
			want(0, 'Trunk', { password: ' pass ' }),
			[row(3, 'Trunk')],
			{},
			['unchanged', 'Trunk', 3, [], null],
			'same server, login and password',
		],
		[
			'an empty password is not managed',
			want(0, 'Trunk', { password: '' }),
			[row(3, 'Trunk', { PASSWORD: 'other' })],
			{},
			['unchanged', 'Trunk', 3, [], null],
			'same server, login and password',
		],
		[
			'a portal that returns no passwords: not compared',
			want(0, 'Trunk'),
			[row(3, 'Trunk', { PASSWORD: undefined })],
			{},
			['unchanged', 'Trunk', 3, [], null],
			'same server and login; password not compared: the portal does not return it (set "Send Passwords" to Always to set it)',
		],
		[
			'a new server: update that field only',
			want(0, 'Trunk', { server: 'sip.new.example' }),
			[row(3, 'Trunk')],
			{},
			['update', 'Trunk', 3, ['SERVER'], null],
			'server "sip.example.com" → "sip.new.example"',
		],
		[
			'a new login and password',
			want(0, 'Trunk', { login: 'other', password: 'new' }),
			[row(3, 'Trunk')],
			{},
			['update', 'Trunk', 3, ['LOGIN', 'PASSWORD'], null],
			'login "user" → "other"; password differs',
		],
		[
			'Send Passwords: Always sends an equal password',
			want(0, 'Trunk'),
			[row(3, 'Trunk', { PASSWORD: undefined })],
			{ sendPasswords: 'always' },
			['update', 'Trunk', 3, ['PASSWORD'], null],
			'password sent every time ("Send Passwords: Always")',
		],
		[
			'another type is refused without Allow Type Change',
			want(0, 'Trunk', { type: 'office' }),
			[row(3, 'Trunk')],
			{},
			['replace', 'Trunk', 3, ['TYPE', 'TITLE', 'SERVER', 'LOGIN', 'PASSWORD'], 'TYPE_MISMATCH'],
			'line 3 is cloud, the input says office: a type cannot be changed, so the line is deleted and created again',
		],
		[
			'another type is replaced with Allow Type Change',
			want(0, 'Trunk', { type: 'office' }),
			[row(3, 'Trunk')],
			{ allowTypeChange: true },
			['replace', 'Trunk', 3, ['TYPE', 'TITLE', 'SERVER', 'LOGIN', 'PASSWORD'], null],
			'line 3 is cloud, the input says office: a type cannot be changed, so the line is deleted and created again',
		],
		[
			'two lines with one title (case differs): the first one read is matched',
			want(0, 'Trunk', { server: 'sip.new.example' }),
			[row(3, 'trunk'), row(4, 'Trunk')],
			{},
			['update', 'Trunk', 3, ['SERVER'], null],
			'server "sip.example.com" → "sip.new.example"',
		],
	])('%s', (_name, desired, rows, settings, expected, reason) => {
		const [entry] = plan([desired], rows, settings);
		expect(summary(entry)).toEqual(expected);
		expect(entry.reason).toBe(reason);
		expect(entry.itemIndex).toBe(desired.itemIndex);
	});

	it('says why a type change is refused, naming the line', () => {
		const [entry] = plan([want(0, 'Trunk', { type: 'office' })], [row(3, 'Trunk')]);
		expect(entry.problem?.message).toBe(
			'Line 3 "Trunk" is a cloud PBX line, but the input asks for an office one',
		);
		expect(entry.problem?.details).toEqual({ configId: 3 });
		expect(entry.problem?.delivery).toBe('notSent');
	});

	it('keeps what the writes send: the new line for create and replace, the changes for update', () => {
		const [created, updated, replaced] = plan(
			[
				want(0, 'New', { password: '' }),
				want(1, 'Changed', { server: 'sip.new.example' }),
				want(2, 'Retyped', { type: 'office' }),
			],
			[row(3, 'Changed'), row(4, 'Retyped')],
			{ allowTypeChange: true },
		);
		expect(created.newLine).toEqual({
			type: 'cloud',
			title: 'New',
			server: 'sip.example.com',
			login: 'user',
			password: '',
		});
		expect(created.lineChanges).toBeUndefined();
		expect(updated.lineChanges).toEqual({ server: 'sip.new.example' });
		expect(updated.newLine).toBeUndefined();
		expect(replaced.newLine).toMatchObject({ type: 'office', title: 'Retyped' });
		// the row as read stays with the entry, for the output
		expect(updated.existing?.row).toEqual(row(3, 'Changed'));
	});
});

describe('planSync: deleting unlisted lines', () => {
	const rows = [
		row(3, 'n8n-listed'),
		row(4, 'N8N-old'),
		row(5, 'Manual trunk'),
		row(6, 'Named', { TYPE: 'office', REG_ID: '' }),
		row(7, ''),
		row(8, 'Teamwork'),
	];

	it.each<[string, Partial<SyncSettings>, string[]]>([
		['off: nothing is deleted', { deleteUnlisted: false, managedPrefix: 'n8n-' }, []],
		['a prefix, any case', { deleteUnlisted: true, managedPrefix: 'n8n-' }, ['N8N-old']],
		[
			'whole titles',
			{ deleteUnlisted: true, managedTitles: new Set(['named', 'manual trunk']) },
			['Manual trunk', 'Named'],
		],
		[
			'a prefix and titles',
			{ deleteUnlisted: true, managedPrefix: 'n8n-', managedTitles: new Set(['named']) },
			['N8N-old', 'Named'],
		],
		[
			'a prefix is never trimmed: "team " is not "Teamwork"',
			{ deleteUnlisted: true, managedPrefix: 'team ' },
			[],
		],
		[
			'a prefix reaches what starts with it',
			{ deleteUnlisted: true, managedPrefix: 'team' },
			['Teamwork'],
		],
	])('%s', (_name, settings, deleted) => {
		const entries = plan([want(0, 'n8n-listed')], rows, settings);
		const deletions = entries.filter((entry) => entry.action === 'delete');
		expect(deletions.map((entry) => entry.title)).toEqual(deleted);
		for (const entry of deletions) {
			expect(entry.itemIndex).toBeNull();
			expect(entry.changes).toEqual([]);
			expect(entry.reason).toBe('not listed in the input, and inside the managed titles');
			expect(entry.problem).toBeUndefined();
		}
	});

	it('never deletes a line an input item names, even one whose item failed its checks', () => {
		const entries = plan([], rows, { deleteUnlisted: true, managedPrefix: 'n8n-' }, [
			'N8N-OLD',
			'n8n-listed',
		]);
		expect(entries).toEqual([]);
	});

	it('keeps every deletion in the plan with the block when deletions are blocked', () => {
		const block = problem('TITLE_UNREADABLE', 'Not deleted', 'Fix the title.');
		const entries = planSync(
			[],
			rows.map(readLineRow),
			new Set(),
			{ ...SETTINGS, deleteUnlisted: true, managedPrefix: 'n8n-' },
			block,
		);
		expect(entries.map((entry) => [entry.title, entry.problem])).toEqual([
			['n8n-listed', block],
			['N8N-old', block],
		]);
	});

	it('shows the type of the line it deletes', () => {
		const [entry] = plan([], rows, { deleteUnlisted: true, managedTitles: new Set(['named']) });
		expect(entry.type).toBe('office');
		expect(entry.existing?.line.configId).toBe(6);
	});
});

describe('planSync: the cloud-line limit', () => {
	const cloudRows = (count: number, prefix = 'Cloud') =>
		Array.from({ length: count }, (_, index) => row(10 + index, `${prefix} ${index + 1}`));
	const listedCloud = (count: number) =>
		Array.from({ length: count }, (_, index) => want(index, `Cloud ${index + 1}`));

	it.each<[string, IDataObject[], DesiredLine[], Partial<SyncSettings>, Array<string | null>]>([
		[
			'one place left: the first addition fits, the next is refused',
			cloudRows(MAX_CLOUD_LINES - 1),
			[...listedCloud(MAX_CLOUD_LINES - 1), want(20, 'New A'), want(21, 'New B')],
			{},
			[null, 'MAX_CLOUD_PBX'],
		],
		[
			'office lines do not count',
			cloudRows(MAX_CLOUD_LINES),
			[...listedCloud(MAX_CLOUD_LINES), want(20, 'Desk', { type: 'office' })],
			{},
			[null],
		],
		[
			'a deletion frees a place first',
			[...cloudRows(MAX_CLOUD_LINES - 1), row(40, 'n8n-old')],
			[...listedCloud(MAX_CLOUD_LINES - 1), want(20, 'New A')],
			{ deleteUnlisted: true, managedPrefix: 'n8n-' },
			[null],
		],
		[
			'a type change away from cloud frees a place',
			cloudRows(MAX_CLOUD_LINES),
			[
				...listedCloud(MAX_CLOUD_LINES - 1),
				want(9, `Cloud ${MAX_CLOUD_LINES}`, { type: 'office' }),
				want(20, 'New A'),
			],
			{ allowTypeChange: true },
			[null, null],
		],
		[
			'a refused type change frees nothing',
			cloudRows(MAX_CLOUD_LINES),
			[
				...listedCloud(MAX_CLOUD_LINES - 1),
				want(9, `Cloud ${MAX_CLOUD_LINES}`, { type: 'office' }),
				want(20, 'New A'),
			],
			{},
			['TYPE_MISMATCH', 'MAX_CLOUD_PBX'],
		],
	])('%s', (_name, rows, desired, settings, problems) => {
		const entries = plan(desired, rows, settings);
		const additions = entries.filter(
			(entry) => entry.action === 'create' || entry.action === 'replace',
		);
		expect(additions.map((entry) => entry.problem?.code ?? null)).toEqual(problems);
	});

	it('explains the count', () => {
		const entries = plan(
			[...listedCloud(MAX_CLOUD_LINES), want(20, 'New A')],
			cloudRows(MAX_CLOUD_LINES),
		);
		expect(entries.find((entry) => entry.title === 'New A')?.problem?.message).toBe(
			'This sync would need 11 cloud PBX lines; Bitrix24 allows at most 10',
		);
	});

	it('counts the visible cloud lines', () => {
		expect(
			visibleCloudLines(
				[row(3, 'A'), row(4, 'B', { TYPE: 'office' }), row(5, 'C', { TYPE: null })].map(
					readLineRow,
				),
			),
		).toBe(2);
	});
});

describe('isManaged', () => {
	it.each<[string, string, Partial<SyncSettings>, boolean]>([
		['a title under the prefix', 'n8n-Trunk', { managedPrefix: 'n8n-' }, true],
		['another title', 'Trunk', { managedPrefix: 'n8n-' }, false],
		['a listed whole title, any case', 'TRUNK', { managedTitles: new Set(['trunk']) }, true],
		['a line without a title, whatever the scope', '', { managedPrefix: '' }, false],
		['no scope at all', 'Trunk', {}, false],
	])('%s', (_name, title, settings, managed) => {
		expect(isManaged(readLine(row(3, title)), { ...SETTINGS, ...settings })).toBe(managed);
	});
});
