import { LoadOptionsContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeListSearchResult,
	INodeParameters,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { NodeApiError, NodeHelpers, NodeOperationError, Workflow } from 'n8n-workflow';

import { additionalData } from './harness/engine';
import type { NodeRun } from './helpers/portal';
import { allText, NODE_TYPE, sharedEngine, sipWorkflow, TestPortal } from './helpers/portal';
import type { SandboxLine } from './sandbox';

const NOTHING = 'Line ID is empty';

/** A Line ID as the editor saves it in the workflow's JSON. */
const fromList = (value: string): IDataObject => ({
	__rl: true,
	mode: 'list',
	value,
	cachedResultName: 'as the editor saves it',
});
const byId = (value: string): IDataObject => ({ __rl: true, mode: 'id', value });

/** How a workflow can hold the Line ID: `target` is the line's id, which the item also carries as `lineId`. */
const FORMS: Array<[string, (target: number) => IDataObject | string | number]> = [
	['a line picked from the list', (target) => fromList(String(target))],
	['a line given by id', (target) => byId(String(target))],
	['an expression in By ID', () => byId('={{ $json.lineId }}')],
	['a plain number (a workflow saved before the picker)', (target) => target],
	['a plain expression (saved before the picker)', () => '={{ $json.lineId }}'],
	['a numeric string (saved before the picker)', (target) => String(target)],
];

interface OperationCase {
	parameters: IDataObject;
	/** checks the run and the portal after the node acted on `target` */
	check(run: NodeRun, target: SandboxLine, portal: TestPortal): void;
}

const OPERATIONS: Record<string, OperationCase> = {
	'Line → Get': {
		parameters: { resource: 'line', operation: 'get' },
		check: (run, target) => {
			expect(run.json).toEqual([
				expect.objectContaining({ CONFIG_ID: target.configId, TITLE: target.title }),
			]);
		},
	},
	'Line → Update': {
		parameters: { resource: 'line', operation: 'update', updateFields: { title: 'Renamed' } },
		check: (run, target, portal) => {
			expect(run.json).toEqual([
				{ CONFIG_ID: target.configId, updated: true, updatedFields: ['TITLE'] },
			]);
			expect(
				portal.sandbox
					.lines()
					.filter((line) => line.title === 'Renamed')
					.map((line) => line.configId),
			).toEqual([target.configId]);
		},
	},
	'Line → Delete': {
		parameters: { resource: 'line', operation: 'delete' },
		check: (run, target, portal) => {
			expect(run.json).toEqual([{ CONFIG_ID: target.configId, deleted: true }]);
			const left = portal.sandbox.lines().map((line) => line.configId);
			expect(left).toHaveLength(2);
			expect(left).not.toContain(target.configId);
		},
	},
	'Line → Set as Default Outgoing': {
		parameters: { resource: 'line', operation: 'setDefaultOutgoing' },
		check: (run, target, portal) => {
			expect(run.json).toEqual([{ CONFIG_ID: target.configId, defaultOutgoing: true }]);
			expect(
				portal.sandbox
					.lines()
					.filter((line) => line.isDefaultOutgoing)
					.map((line) => line.configId),
			).toEqual([target.configId]);
		},
	},
	'Registration → Get Status by Line ID': {
		parameters: { resource: 'registration', operation: 'getStatus', lookUpBy: 'configId' },
		check: (run, target, portal) => {
			expect(run.json).toEqual([
				expect.objectContaining({ CONFIG_ID: target.configId, REG_ID: target.regId }),
			]);
			const status = portal.sandbox.log.find(
				(entry) => entry.restMethod === 'voximplant.sip.status',
			);
			expect(status?.params).toEqual({ REG_ID: target.regId });
		},
	},
};

/** The Bitrix24 ids a run sent: every CONFIG_ID in the request log, in order. */
function sentConfigIds(portal: TestPortal): number[] {
	return portal.sandbox.log
		.flatMap((entry) => [
			entry.params.CONFIG_ID,
			(entry.params.FILTER as IDataObject | undefined)?.CONFIG_ID,
		])
		.filter((id) => id !== undefined)
		.map(Number);
}

describe('Line ID as a resource locator, through the engine', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	/** Three cloud lines; the middle one is the target, so that "the first line" never passes by chance. */
	async function threeLines(): Promise<SandboxLine> {
		await portal.createLines(3, 'cloud', 'Trunk');
		portal.sandbox.clearLog();
		return portal.sandbox.lines()[1];
	}

	describe.each(Object.entries(OPERATIONS))('%s', (_, operation) => {
		it.each(FORMS)('acts on %s', async (_form, configId) => {
			const target = await threeLines();

			const run = await portal.run(
				{ ...operation.parameters, configId: configId(target.configId) },
				[{ lineId: target.configId }],
			);

			expect(run.failure).toBeUndefined();
			operation.check(run, target, portal);
			expect(new Set(sentConfigIds(portal))).toEqual(new Set([target.configId]));
		});

		it.each([
			['an empty pick from the list', fromList('')],
			['an empty By ID', byId('')],
			['a By ID expression that gives nothing', byId('={{ $json.missing }}')],
		])('refuses %s by naming Line ID, with nothing sent', async (_form, configId) => {
			await threeLines();

			const run = await portal.run({ ...operation.parameters, configId });

			expect(run.failure?.name).toBe('NodeOperationError');
			expect(run.failure?.message).toBe(NOTHING);
			expect(run.failure?.description).toBe('Pick a line from the list (or enter its ID).');
			expect(portal.sandbox.log).toHaveLength(0);
		});
	});

	it('refuses a new node whose Line ID was never set (the locator default), with nothing sent', async () => {
		await threeLines();

		const run = await portal.run({ resource: 'line', operation: 'delete' });

		expect(run.failure?.message).toBe(NOTHING);
		expect(portal.sandbox.log).toHaveLength(0);
		expect(portal.sandbox.lines()).toHaveLength(3);
	});

	it('reads a different line for every item from an expression in By ID', async () => {
		await portal.createLines(3, 'cloud', 'Trunk');
		portal.sandbox.clearLog();
		const [first, , third] = portal.sandbox.lines();

		const run = await portal.run(
			{ resource: 'line', operation: 'get', configId: byId('={{ $json.lineId }}') },
			[{ lineId: third.configId }, { lineId: String(first.configId) }],
		);

		expect(run.json.map((line) => line.CONFIG_ID)).toEqual([third.configId, first.configId]);
		expect(run.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('names the item whose By ID expression is not a line id, before anything is sent', async () => {
		await threeLines();

		const run = await portal.run(
			{ resource: 'line', operation: 'delete', configId: byId('={{ $json.lineId }}') },
			[{ lineId: 4 }, { lineId: 'abc' }],
		);

		expect(run.failure?.message).toBe('Line ID must be a positive whole number, got "abc"');
		expect(run.failure?.context).toMatchObject({ itemIndex: 1 });
		expect(portal.sandbox.log).toHaveLength(0);
	});

	describe('what n8n checks before the node runs', () => {
		const node = sharedEngine().loaded.nodes[NODE_TYPE];
		const issuesOf = (configId: unknown) => {
			const workflowNode = sipWorkflow({
				resource: 'line',
				operation: 'delete',
				configId,
			} as INodeParameters).nodes[1];
			return NodeHelpers.getNodeParametersIssues(
				node.description.properties,
				workflowNode,
				node.description,
			);
		};

		it('leaves an empty Line ID to the node, whose message names the field and the fix', () => {
			// a required locator would make n8n refuse the workflow with "The workflow has issues", naming no field
			expect(issuesOf(fromList(''))).toBeNull();
			expect(issuesOf(byId(''))).toBeNull();
		});

		it('marks By ID text that is not a positive whole number in the editor, with the field-level message', () => {
			for (const wrong of ['abc', '0', '-4', '2.5']) {
				expect(issuesOf(byId(wrong))).toEqual({
					parameters: { configId: ['Line ID must be a positive whole number, e.g. 5'] },
				});
			}
			for (const right of ['5', ' 12 ', '007', '={{ $json.lineId }}'])
				expect(issuesOf(byId(right))).toBeNull();
		});

		it('accepts what workflows saved before the picker hold', () => {
			for (const legacy of [5, '5', '={{ $json.configId }}']) expect(issuesOf(legacy)).toBeNull();
		});

		it('refuses to run By ID text that is not a line id, before anything is sent', async () => {
			await threeLines();

			await expect(
				portal.run({ resource: 'line', operation: 'delete', configId: byId('abc') }),
			).rejects.toThrow('The workflow has issues');
			expect(portal.sandbox.log).toHaveLength(0);
		});
	});
});

/**
 * Calls the node's searchLines as n8n's editor does: a temporary node holding the parameters being
 * edited, in a workflow of its own, through n8n-core's LoadOptionsContext with the credential.
 */
async function searchLines(
	webhookUrl: string,
	filter?: string,
	application?: ICredentialDataDecryptedObject,
): Promise<INodeListSearchResult> {
	const engine = sharedEngine();
	const parameters: INodeParameters = {
		// the editor sends every parameter, with its default where untouched: n8n hands out only the
		// credential its Authentication shows
		authentication: application ? 'oAuth2' : 'webhook',
		resource: 'line',
		operation: 'get',
		configId: { __rl: true, mode: 'list', value: '' },
	};
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: application
			? { bitrix24OAuth2Api: { id: 'app', name: 'Bitrix24 app' } }
			: { bitrix24WebhookApi: { id: 'cred', name: 'Bitrix24 sandbox' } },
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: engine.nodeTypes,
	});
	// the editor's requests carry no execution
	const data: IWorkflowExecuteAdditionalData = {
		...additionalData(
			engine.loaded,
			application ? { bitrix24OAuth2Api: application } : { bitrix24WebhookApi: { webhookUrl } },
		),
		executionId: undefined,
		currentNodeParameters: parameters,
	};
	const context = new LoadOptionsContext(
		workflow,
		workflow.getNode('Temp-Node') as INode,
		data,
		'parameters.configId',
	);
	const method = engine.loaded.nodes[NODE_TYPE].methods?.listSearch?.searchLines;
	if (!method) throw new Error('the node does not offer listSearch.searchLines');
	return await method.call(context, filter);
}

describe('Line picker (listSearch searchLines) against the sandbox', () => {
	let portal: TestPortal;
	let lines: Record<string, SandboxLine>;

	beforeEach(async () => {
		portal = await TestPortal.start();
		const add = (title: string, type: 'cloud' | 'office', server: string) =>
			portal.sandbox.addLineByHand({ type, title, server, login: 'user', password: 'pass' });
		lines = {
			main: add('Main Trunk', 'cloud', 'sip.alpha.com'),
			backup: add('backup trunk', 'cloud', 'sip.beta.net'),
			office: add('Kyiv office', 'office', 'pbx.office.local'),
			fresh: add('Zeta', 'cloud', 'sip.trunk-provider.org'),
		};
		portal.sandbox.setRegistration(lines.main.regId as number, { STATUS_RESULT: 'success' });
		portal.sandbox.setRegistration(lines.backup.regId as number, {
			STATUS_RESULT: 'error',
			STATUS_CODE: 401,
		});
		portal.sandbox.clearLog();
	});

	afterEach(async () => {
		await portal.close();
	});

	it('lists every line by title (any case), with title and server, its id as the value, and its type and registration', async () => {
		const { results } = await searchLines(portal.webhookUrl);

		expect(results).toEqual([
			{
				name: 'backup trunk — sip.beta.net (Cloud PBX · not registered: 401 Unauthorized)',
				value: String(lines.backup.configId),
				description: 'Cloud PBX · not registered: 401 Unauthorized',
			},
			{
				name: 'Kyiv office — pbx.office.local (Office PBX)',
				value: String(lines.office.configId),
				description: 'Office PBX',
			},
			{
				name: 'Main Trunk — sip.alpha.com (Cloud PBX · registered)',
				value: String(lines.main.configId),
				description: 'Cloud PBX · registered',
			},
			{
				name: 'Zeta — sip.trunk-provider.org (Cloud PBX · registration not checked yet)',
				value: String(lines.fresh.configId),
				description: 'Cloud PBX · registration not checked yet',
			},
		]);
		expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual(['voximplant.sip.get']);
	});

	it('finds lines by part of the title or of the server, in any case', async () => {
		const values = async (filter: string) =>
			(await searchLines(portal.webhookUrl, filter)).results.map((item) => item.value);

		expect(await values('TRUNK')).toEqual(
			[lines.backup, lines.main, lines.fresh].map((line) => String(line.configId)),
		);
		expect(await values('kyiv')).toEqual([String(lines.office.configId)]);
		expect(await values('Beta.NET')).toEqual([String(lines.backup.configId)]);
		expect(await values('  alpha ')).toEqual([String(lines.main.configId)]);
		expect(await values('no such line')).toEqual([]);
		expect(await values('')).toHaveLength(4);
	});

	it("shows the SIP server's own words when it refused a registration, and a re-registration after a change", async () => {
		portal.sandbox.setRegistration(lines.backup.regId as number, {
			STATUS_RESULT: 'error',
			STATUS_CODE: 403,
			ERROR_MESSAGE: 'Forbidden by provider',
		});
		await portal.run({
			resource: 'line',
			operation: 'update',
			configId: lines.main.configId,
			updateFields: { password: 'new' },
		});

		const { results } = await searchLines(portal.webhookUrl);

		const byValue = new Map(results.map((item) => [item.value, item.description]));
		expect(byValue.get(String(lines.backup.configId))).toBe(
			'Cloud PBX · not registered: 403 Forbidden by provider',
		);
		expect(byValue.get(String(lines.main.configId))).toBe('Cloud PBX · registering');
	});

	it('names an untitled line as Bitrix24 does', async () => {
		const untitled = portal.sandbox.addLineByHand({
			type: 'office',
			title: '',
			server: 'pbx.lan',
			login: 'u',
		});

		const { results } = await searchLines(portal.webhookUrl, 'pbx.lan');

		expect(results).toEqual([
			{
				name: `Office PBX (${untitled.configId}) — pbx.lan (Office PBX)`,
				value: String(untitled.configId),
				description: 'Office PBX',
			},
		]);
	});

	it('lists the lines of every page, not only the first 50', async () => {
		for (let index = 1; index <= 60; index++) {
			portal.sandbox.addLineByHand({
				type: 'office',
				title: `Branch ${index}`,
				server: 'pbx.branch.local',
				login: `b${index}`,
			});
		}

		const { results } = await searchLines(portal.webhookUrl, 'branch');

		expect(results).toHaveLength(60);
		// numbers in titles sort as numbers
		expect(results.slice(0, 3).map((item) => item.name)).toEqual([
			'Branch 1 — pbx.branch.local (Office PBX)',
			'Branch 2 — pbx.branch.local (Office PBX)',
			'Branch 3 — pbx.branch.local (Office PBX)',
		]);
	});

	it('gives a value the node then acts on: the line picked is the line read', async () => {
		const [picked] = (await searchLines(portal.webhookUrl, 'kyiv')).results;

		const run = await portal.run({
			resource: 'line',
			operation: 'get',
			configId: fromList(String(picked.value)),
		});

		expect(run.json).toEqual([
			expect.objectContaining({ CONFIG_ID: lines.office.configId, TITLE: 'Kyiv office' }),
		]);
	});

	it('says a wrong webhook is not accepted, without the secret', async () => {
		const unknownCode = 'wrong0000code';
		const error: unknown = await searchLines(
			portal.webhookUrl.replace(portal.webhook.secret, unknownCode),
		).catch((failure: unknown) => failure);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).message).toBe(
			'Bitrix24 does not accept this webhook: its code is wrong, or it was deleted or has expired',
		);
		expect((error as NodeApiError).description).toContain('Inbound webhook');
		expect(allText(error)).not.toContain(unknownCode);
		expect(allText(error)).not.toContain(portal.webhook.secret);
	});

	it('names the fix for a webhook URL that is not one', async () => {
		const error: unknown = await searchLines('https://example.com/not-a-webhook').catch(
			(failure: unknown) => failure,
		);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).description).toBe(
			'Fix the Webhook URL in the Bitrix24 Webhook API credential.',
		);
		expect(portal.sandbox.log).toHaveLength(0);
	});

	it('says the webhook lacks the telephony scope', async () => {
		const hook = portal.sandbox.addWebhook({ scopes: ['crm'] });

		const error: unknown = await searchLines(hook.url).catch((failure: unknown) => failure);

		expect((error as NodeApiError).message).toBe('The webhook lacks the "telephony" scope');
		expect(allText(error)).not.toContain(hook.secret);
	});

	it('with an OAuth2 application lists only the application’s own lines', async () => {
		const app = portal.sandbox.addOAuthApp();
		const own = portal.sandbox.addAppLine(app.clientId, {
			title: 'App trunk',
			server: 'sip.app.example',
			login: 'app',
		});
		const result = await searchLines(portal.webhookUrl, undefined, {
			portal: portal.sandbox.baseUrl,
			clientId: app.clientId,
			clientSecret: app.clientSecret,
			accessTokenUrl: portal.sandbox.tokenUrl,
			oauthTokenData: { ...portal.sandbox.issueTokens(app.clientId) },
		});
		expect(result.results.map((entry) => [entry.name, entry.value])).toEqual([
			[expect.stringContaining('App trunk'), String(own.configId)],
		]);
	});
});
