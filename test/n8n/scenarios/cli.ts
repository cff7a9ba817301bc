/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling, not code shipped to n8n */
/**
 * The `n8n execute` half of the real-n8n test: every operation once, mostly through the shipped
 * examples (as shipped, and as a user fills them in), plus what no example covers.
 */
import path from 'node:path';

import type { Context } from '../context';
import { nodeResult } from '../context';
import type { RunData } from '../instance';
import type { Workflow } from '../workflows';
import { CREDENTIAL, example, itemsOf, sipNodes, sipWorkflow, withParameters } from '../workflows';

interface Case {
	name: string;
	workflow: Workflow;
	/** n8n itself refuses to start a workflow whose required fields are empty; it prints no run then. */
	refusedByN8n?: boolean;
	/** The checks on the run; `sent` is what the sandbox received during it. */
	verify: (result: Outcome) => void;
}

interface Outcome {
	run?: RunData;
	output: string;
	code: number | null;
	/** The Bitrix24 node's items and error (the only or the first Bitrix24 node of the workflow). */
	items: Array<Record<string, unknown>>;
	error?: { message?: string; description?: string };
	/** REST methods the sandbox received during the run, batch commands spelled out. */
	sent: string[];
	requests: number;
}

const line = (id: number) => ({ __rl: true, mode: 'id', value: String(id) });
const picked = (id: number) => ({
	__rl: true,
	mode: 'list',
	value: String(id),
	cachedResultName: 'picked in the editor',
});

/** An example whose schedule trigger is swapped for a manual one: `n8n execute` starts only from a manual trigger. */
function startedByHand(workflow: Workflow): Workflow {
	const copy = JSON.parse(JSON.stringify(workflow)) as Workflow;
	const trigger = copy.nodes.find((node) => node.type === 'n8n-nodes-base.scheduleTrigger');
	if (trigger) {
		trigger.type = 'n8n-nodes-base.manualTrigger';
		trigger.typeVersion = 1;
		trigger.parameters = {};
	}
	return copy;
}

export async function cliScenarios(context: Context): Promise<void> {
	const { n8n, sandbox, checks, dir, secret } = context;

	// The portal before the run: a registered cloud line, an office line and a broken cloud line.
	const trunk = sandbox.addLineByHand({
		type: 'cloud',
		title: 'Trunk A',
		server: 'sip.a.example',
		login: '100',
		password: 'pa55-a',
	});
	const office = sandbox.addLineByHand({
		type: 'office',
		title: 'Branch office PBX',
		server: 'pbx.branch.example',
		login: '200',
	});
	const broken = sandbox.addLineByHand({
		type: 'cloud',
		title: 'Broken trunk',
		server: 'sip.b.example',
		login: '300',
		password: 'pa55-b',
	});
	sandbox.setRegistration(trunk.regId as number, { STATUS_RESULT: 'success', STATUS_CODE: 200 });
	sandbox.setRegistration(broken.regId as number, {
		STATUS_RESULT: 'error',
		STATUS_CODE: 403,
		ERROR_MESSAGE: 'Forbidden',
	});
	const defaultBefore = sandbox.defaultOutgoing();

	const provision = example('provision-cloud-line.json', 'exProvision00001');
	const provisionNode = sipNodes(provision)[0].name;
	const deleteLine = example('delete-line.json', 'exDeleteLine0001');
	const deleteNode = sipNodes(deleteLine)[0].name;
	const setDefault = example('set-default-outgoing.json', 'exSetDefault0001');
	const setDefaultNode = sipNodes(setDefault)[0].name;
	const registration = example('registration-status.json', 'exRegStatus00001');
	const registrationNode = sipNodes(registration)[0].name;
	const syncSheet = example('sync-lines-from-sheet.json', 'exSyncSheet00001');
	const syncNode = sipNodes(syncSheet)[0].name;
	const syncTitles = ['n8n-Trunk Berlin', 'n8n-Trunk Paris', 'n8n-Office Munich'];
	const synced = () => sandbox.lines().filter((candidate) => syncTitles.includes(candidate.title));
	let created = 0;

	const cases: Case[] = [
		{
			name: 'Line → Get Many (list-lines.json as shipped) lists the lines of the UI too, without ID or passwords',
			workflow: example('list-lines.json', 'exListLines00001'),
			verify: ({ items, error }) => {
				const titles = items.map((item) => item.TITLE);
				checks.that(
					'Get Many lists every line',
					!error &&
						['Trunk A', 'Branch office PBX', 'Broken trunk'].every((title) =>
							titles.includes(title),
						),
					{ error, items },
				);
				checks.that(
					'Get Many outputs neither ID nor passwords',
					items.length > 0 && items.every((item) => !('ID' in item) && !('PASSWORD' in item)),
					items,
				);
			},
		},
		{
			name: 'Line → Create (provision-cloud-line.json as shipped): n8n refuses the empty required fields, nothing is sent',
			workflow: provision,
			refusedByN8n: true,
			verify: ({ output, code, items, requests }) => {
				// n8n 1.x prints "The workflow has issues…"; 2.40's CLI loses that run and says "No active execution found"
				checks.that('n8n refuses to run it', code !== 0 && items.length === 0, output.slice(-1500));
				checks.that('nothing was sent', requests === 0, requests);
			},
		},
		{
			name: 'Line → Create (provision-cloud-line.json filled in) creates the line',
			workflow: withParameters(
				provision,
				provisionNode,
				{ server: 'sip.provider.example', login: '2001', password: 'provider-pass' },
				'exProvision00002',
			),
			verify: ({ items, error }) => {
				const made = sandbox.lines().find((candidate) => candidate.title === items[0]?.TITLE);
				created = made?.configId ?? 0;
				checks.that(
					'Create outputs the new line',
					!error && items.length === 1 && Number(items[0].CONFIG_ID) > 0,
					{ error, items },
				);
				checks.that(
					'the portal has the line with the given server',
					made?.server === 'sip.provider.example' && made.configId === Number(items[0]?.CONFIG_ID),
					made,
				);
			},
		},
		{
			name: 'Line → Get with a Line ID given "By ID" (resource locator)',
			workflow: sipWorkflow('genGetById000001', 'Get by id', {
				resource: 'line',
				operation: 'get',
				configId: line(trunk.configId),
			}),
			verify: ({ items, error }) => {
				checks.that(
					'Get returns the line',
					!error && items.length === 1 && items[0].TITLE === 'Trunk A',
					{ error, items },
				);
			},
		},
		{
			name: 'Line → Get Many in node version 2: the short form, the default line flagged',
			workflow: sipWorkflow(
				'genGetManyV20001',
				'Get Many v2',
				{ resource: 'line', operation: 'getMany', returnAll: true },
				{ typeVersion: 2 },
			),
			verify: ({ items, error }) => {
				const byTitle = Object.fromEntries(items.map((item) => [item.title, item]));
				checks.that(
					'version 2 outputs one short item per line',
					!error &&
						items.length === sandbox.lines().length &&
						Object.keys(items[0] ?? {}).join() ===
							'id,title,type,server,login,registration,defaultOutgoing',
					{ error, items },
				);
				checks.that(
					'a registered, a failing and an office line read in words',
					JSON.stringify(byTitle['Trunk A']?.registration) ===
						JSON.stringify({ status: 'registered', healthy: true, summary: 'Registered' }) &&
						(byTitle['Broken trunk']?.registration as { status?: string } | undefined)?.status ===
							'failed' &&
						(byTitle['Branch office PBX']?.registration as { status?: string } | undefined)
							?.status === 'none',
					items,
				);
			},
		},
		{
			name: 'Registration → Get Status in node version 2: a picked line is all it needs',
			workflow: sipWorkflow(
				'genStatusV20001',
				'Get Status v2',
				{ resource: 'registration', operation: 'getStatus', configId: picked(broken.configId) },
				{ typeVersion: 2 },
			),
			verify: ({ items, error }) => {
				checks.that(
					'the line is looked up by default and its registration read',
					!error &&
						items[0]?.lineId === broken.configId &&
						items[0]?.status === 'failed' &&
						items[0]?.sipCode === 403,
					{ error, items },
				);
			},
		},
		{
			name: 'Line → Get with a plain number, as workflows made before the Line picker hold it',
			workflow: sipWorkflow('genGetLegacy0001', 'Get by legacy number', {
				resource: 'line',
				operation: 'get',
				configId: office.configId,
			}),
			verify: ({ items, error }) => {
				checks.that(
					'an old workflow still gets its line',
					!error && items[0]?.TITLE === 'Branch office PBX',
					{ error, items },
				);
			},
		},
		{
			name: 'Line → Update with a Line picked from the list',
			workflow: sipWorkflow('genUpdate0000001', 'Update', {
				resource: 'line',
				operation: 'update',
				configId: picked(office.configId),
				updateFields: { title: 'Branch office PBX (moved)' },
			}),
			verify: ({ items, error, sent }) => {
				const now = sandbox.lines().find((candidate) => candidate.configId === office.configId);
				checks.that('Update reports the changed field', !error && items[0]?.updated === true, {
					error,
					items,
				});
				checks.that(
					'the portal has the new title, and no TYPE was sent',
					now?.title === 'Branch office PBX (moved)' && sent.includes('voximplant.sip.update'),
					{ now, sent },
				);
			},
		},
		{
			name: 'Registration → Get Status (registration-status.json with a line picked)',
			workflow: withParameters(
				registration,
				registrationNode,
				{ configId: picked(trunk.configId) },
				'exRegStatus00002',
			),
			verify: ({ items, error }) => {
				checks.that(
					'the status of the registered line is success',
					!error && items[0]?.STATUS_RESULT === 'success',
					{ error, items },
				);
			},
		},
		{
			name: 'Registration → Check All Lines (health-check.json, started by hand)',
			workflow: startedByHand(example('health-check.json', 'exHealthCheck001')),
			verify: ({ items, error }) => {
				const titles = items.map((item) => item.TITLE);
				checks.that(
					'only the broken line is reported',
					!error && titles.length === 1 && titles[0] === 'Broken trunk',
					{ error, items },
				);
			},
		},
		{
			name: 'Connector → Get Status (connector-status.json as shipped)',
			workflow: example('connector-status.json', 'exConnector00001'),
			verify: ({ items, error, sent }) => {
				checks.that(
					'the connector status is read',
					!error && items.length === 1 && sent.includes('voximplant.sip.connector.status'),
					{ error, items, sent },
				);
			},
		},
		{
			name: 'Line → Set Default Outgoing (set-default-outgoing.json as shipped) refuses and sends nothing',
			workflow: setDefault,
			verify: ({ error, requests }) => {
				checks.that('the error names Line ID', /Line ID/.test(`${error?.message}`), error);
				checks.that(
					'nothing was sent, the default line is unchanged',
					requests === 0 && sandbox.defaultOutgoing() === defaultBefore,
					{ requests },
				);
			},
		},
		{
			name: 'Line → Set Default Outgoing with a line picked',
			workflow: withParameters(
				setDefault,
				setDefaultNode,
				{ configId: picked(trunk.configId) },
				'exSetDefault0002',
			),
			verify: ({ items, error }) => {
				checks.that(
					'the portal routes outgoing calls through the line',
					!error &&
						items[0]?.defaultOutgoing === true &&
						sandbox.defaultOutgoing() === `reg${trunk.regId}`,
					{ error, items, now: sandbox.defaultOutgoing() },
				);
			},
		},
		{
			name: 'Line → Get Default Outgoing names the line Set Default Outgoing chose',
			workflow: sipWorkflow('genDefaultOut001', 'Get default outgoing', {
				resource: 'line',
				operation: 'getDefaultOutgoing',
			}),
			verify: ({ items, error, sent }) => {
				const [answer] = items;
				checks.that(
					'the default is the picked cloud line, resolved to it',
					!error &&
						items.length === 1 &&
						answer.defaultOutgoing === `reg${trunk.regId}` &&
						answer.kind === 'sipLine' &&
						Number(answer.CONFIG_ID) === trunk.configId,
					{ error, items },
				);
				checks.that(
					'only reads were sent',
					sent.includes('voximplant.line.outgoing.get') &&
						sent.every((method) => !/\.(add|update|delete|set)$/.test(method)),
					sent,
				);
			},
		},
		{
			name: 'Line → Delete (delete-line.json as shipped) refuses and sends nothing',
			workflow: deleteLine,
			verify: ({ error, requests }) => {
				checks.that('the error names Line ID', /Line ID/.test(`${error?.message}`), error);
				checks.that('nothing was sent', requests === 0, requests);
			},
		},
		{
			name: '120 items of Line → Get cost 3 HTTP requests',
			workflow: sipWorkflow(
				'gen120Items00001',
				'120 items',
				{ resource: 'line', operation: 'get', configId: '={{ $json.configId }}' },
				{
					before: itemsOf(
						'configId',
						Array.from(
							{ length: 120 },
							(_, i) => [trunk.configId, office.configId, broken.configId][i % 3],
						),
					),
				},
			),
			verify: ({ items, error, requests }) => {
				checks.that(
					'120 lines come out',
					!error && items.length === 120 && items[119].TITLE === 'Broken trunk',
					{ error, count: items.length },
				);
				checks.that('in 3 HTTP requests', requests === 3, requests);
			},
		},
		{
			name: 'a wrong webhook fails clearly, without the secret',
			workflow: sipWorkflow(
				'genWrongCred0001',
				'Wrong webhook',
				{ resource: 'line', operation: 'getMany', returnAll: true },
				{ credentialId: CREDENTIAL.wrongWebhook },
			),
			verify: ({ error, output }) => {
				checks.that(
					'the error says Bitrix24 does not accept the webhook',
					/does not accept this webhook/.test(`${error?.message}`),
					error,
				);
				checks.that(
					'nothing n8n printed holds the wrong code',
					!output.includes('wrongcode1234567'),
					output.slice(-1500),
				);
			},
		},
		{
			name: 'Line → Sync (sync-lines-from-sheet.json as shipped): a dry-run plan of three creates, nothing written',
			workflow: syncSheet,
			verify: ({ items, error, sent }) => {
				checks.that(
					'the plan creates the three rows of the table',
					!error &&
						items.length === 3 &&
						items.every(
							(item, index) =>
								item.action === 'create' &&
								item.dryRun === true &&
								item.TITLE === syncTitles[index],
						),
					{ error, items },
				);
				checks.that(
					'only the lines were read, nothing was written',
					sent.length > 0 &&
						sent.every((method) => method === 'voximplant.sip.get') &&
						synced().length === 0,
					sent,
				);
			},
		},
		{
			name: 'Line → Sync with Dry Run from an expression giving the text "TRUE " only plans, as a sheet would fill it',
			workflow: withParameters(
				syncSheet,
				syncNode,
				{ dryRun: '={{ "TRUE " }}' },
				'exSyncSheet00004',
			),
			verify: ({ items, error, sent }) => {
				checks.that(
					'the plan is a dry run',
					!error &&
						items.length === 3 &&
						items.every((item) => item.action === 'create' && item.dryRun === true),
					{ error, items },
				);
				checks.that(
					'nothing was written',
					sent.every((method) => method === 'voximplant.sip.get') && synced().length === 0,
					sent,
				);
			},
		},
		{
			name: 'Line → Sync with Dry Run from an expression giving "maybe" stops, naming the field, with nothing sent',
			workflow: withParameters(
				syncSheet,
				syncNode,
				{ dryRun: '={{ "maybe" }}' },
				'exSyncSheet00005',
			),
			verify: ({ error, sent }) => {
				checks.that(
					'the error names Dry Run and the value',
					/Dry Run must be true or false \(or 1 \/ 0\), got "maybe"/.test(`${error?.message}`),
					error,
				);
				checks.that('nothing was sent', sent.length === 0 && synced().length === 0, sent);
			},
		},
		{
			name: 'Line → Sync (sync-lines-from-sheet.json with Dry Run off) creates the three lines',
			workflow: withParameters(syncSheet, syncNode, { dryRun: false }, 'exSyncSheet00002'),
			verify: ({ items, error, sent }) => {
				const made = synced();
				checks.that(
					'each row reports its new line',
					!error &&
						items.length === 3 &&
						items.every(
							(item, index) =>
								item.action === 'create' &&
								item.dryRun === false &&
								Number(item.CONFIG_ID) ===
									made.find((candidate) => candidate.title === syncTitles[index])?.configId,
						),
					{ error, items },
				);
				checks.that(
					'the portal has the three lines as the table says',
					made.length === 3 &&
						made.filter((candidate) => candidate.type === 'office').length === 1 &&
						sent.filter((method) => method === 'voximplant.sip.add').length === 3,
					{ made, sent },
				);
				checks.that('no password in the output', !JSON.stringify(items).includes('fake-pass'));
			},
		},
		{
			name: 'Line → Sync (sync-lines-from-sheet.json with Dry Run off) run again plans nothing',
			workflow: withParameters(syncSheet, syncNode, { dryRun: false }, 'exSyncSheet00003'),
			verify: ({ items, error, sent }) => {
				checks.that(
					'every row is unchanged',
					!error && items.length === 3 && items.every((item) => item.action === 'unchanged'),
					{ error, items },
				);
				checks.that(
					'nothing was written',
					sent.every((method) => method === 'voximplant.sip.get') && synced().length === 3,
					sent,
				);
			},
		},
	];

	// Delete goes last among the lines: it removes the line Create made.
	cases.push({
		name: 'Line → Delete with a line picked',
		get workflow() {
			return withParameters(
				deleteLine,
				deleteNode,
				{ configId: picked(created) },
				'exDeleteLine0002',
			);
		},
		verify: ({ items, error }) => {
			checks.that(
				'the line Create made is gone',
				created > 0 &&
					!error &&
					items[0]?.deleted === true &&
					!sandbox.lines().some((candidate) => candidate.configId === created),
				{ created, error, items },
			);
		},
	});

	// One import for all files: each n8n CLI command boots n8n, which takes seconds.
	const workflowDir = path.join(dir, 'workflows');
	const importable = cases.filter((entry) => !entry.name.startsWith('Line → Delete with'));
	const imported = await n8n.importFolder(
		importable.map((entry) => entry.workflow),
		workflowDir,
	);
	if (
		!checks.that(
			'the examples and test workflows import with n8n import:workflow',
			imported.code === 0,
			imported.output.slice(-3000),
		)
	)
		return;

	for (const entry of cases) {
		await checks.group(entry.name, async () => {
			const workflow = entry.workflow;
			if (!importable.includes(entry)) {
				const late = await n8n.importFolder([workflow], path.join(dir, 'late'));
				if (!checks.that('the workflow imports', late.code === 0, late.output.slice(-2000))) return;
			}
			const before = sandbox.log.length;
			const { cli, run } = await n8n.execute(workflow.id as string);
			const received = sandbox.log.slice(before);
			const sent = received.flatMap((entry) =>
				entry.batchCommands?.length
					? entry.batchCommands.map((command) => command.restMethod)
					: [entry.restMethod],
			);
			const node = sipNodes(workflow)[0].name;
			const outcome: Outcome = {
				run,
				output: cli.output,
				code: cli.code,
				...nodeResult(run, node),
				sent,
				requests: received.length,
			};
			if (
				!entry.refusedByN8n &&
				!checks.that('n8n printed the run', run !== undefined, cli.output.slice(-3000))
			)
				return;
			entry.verify(outcome);
			checks.that(
				'the webhook secret is nowhere in what n8n printed',
				!cli.output.includes(secret),
			);
		});
	}
}
