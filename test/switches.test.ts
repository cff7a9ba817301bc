import type {
	IDataObject,
	INodeParameters,
	INodeProperties,
	INodePropertyCollection,
} from 'n8n-workflow';

import { APP_TOKEN, startCallTrigger } from './helpers/calls';
import { triggerRunner } from './helpers/health';
import { sharedEngine, TestPortal } from './helpers/portal';
import type { CallSpec, LogEntry, SandboxOptions } from './sandbox';

/**
 * Every switch (boolean parameter) of every node, walked from the built descriptions, fed through
 * n8n's engine as an expression the way a sheet, a form or a query string fills it: "true",
 * "TRUE " and 1 must act as the literal true, "false" and 0 as the literal false, and "maybe" must
 * stop the run naming the field, with nothing sent and nothing started. Each switch has a small
 * scenario below in which on and off visibly differ, so that "acts as true" proves the value was
 * read. A new boolean parameter without a scenario fails this file, by name.
 */

// ——— the switches, as the descriptions declare them ———

interface PathStep {
	name: string;
	/** a fixedCollection with multipleValues: its value is a list of entries */
	list?: boolean;
}

interface Switch {
	/** node · the displayOptions it is shown for · its path, e.g. "bitrix24Sip · line.create · options.includePasswords" */
	key: string;
	node: string;
	path: PathStep[];
	displayName: string;
	/** "under Options" for a field inside a collection, as the hint names it */
	where?: string;
	/** the parameters its displayOptions ask for (resource, operation) */
	base: IDataObject;
	/** the node version its displayOptions ask for (`@version`), if any */
	version?: number;
}

/** A scenario may serve a switch in every node version: its key without the version. */
function versionless(key: string): string {
	return key.replace(/ · v\d+ · /, ' · ');
}

type Show = Record<string, unknown[]>;

function isOptionGroup(option: unknown): option is INodePropertyCollection {
	return (
		typeof option === 'object' &&
		option !== null &&
		Array.isArray((option as INodePropertyCollection).values)
	);
}

function switchesOf(): Switch[] {
	const found: Switch[] = [];
	for (const type of Object.values(sharedEngine().loaded.nodes)) {
		const node = type.description.name;
		const walk = (
			properties: INodeProperties[],
			path: PathStep[],
			where: string | undefined,
			show: Show,
		): void => {
			for (const property of properties) {
				const shown: Show = { ...show, ...((property.displayOptions?.show ?? {}) as Show) };
				const here = [...path, { name: property.name }];
				if (property.type === 'boolean') {
					// a version is the node's typeVersion, not a parameter: it goes into the key and the run
					const { '@version': versions, ...parameters } = shown;
					const context = Object.values(parameters).map((values) => values.join('|'));
					const version = versions?.length === 1 ? Number(versions[0]) : undefined;
					found.push({
						key: [
							node,
							...(version !== undefined ? [`v${version}`] : []),
							...(context.length > 0 ? [context.join('.')] : []),
							here.map((step) => step.name).join('.'),
						].join(' · '),
						node,
						path: here,
						displayName: property.displayName,
						where,
						base: Object.fromEntries(
							Object.entries(parameters).map(([name, values]) => [name, values[0]]),
						) as IDataObject,
						version,
					});
				}
				const under = `under ${property.displayName}`;
				if (property.type === 'collection')
					walk((property.options ?? []) as INodeProperties[], here, under, shown);
				if (property.type === 'fixedCollection') {
					const list = property.typeOptions?.multipleValues === true;
					for (const group of (property.options ?? []).filter(isOptionGroup)) {
						walk(
							group.values,
							[...path, { name: property.name }, { name: group.name, list }],
							under,
							shown,
						);
					}
				}
			}
		};
		walk(type.description.properties, [], undefined, {});
	}
	return found;
}

/** The parameters with `value` placed at the switch's path (a copy; the scenario's own values kept). */
function placed(parameters: IDataObject, path: PathStep[], value: unknown): INodeParameters {
	const copy = JSON.parse(JSON.stringify(parameters)) as IDataObject;
	let target: IDataObject = copy;
	path.slice(0, -1).forEach((step) => {
		if (step.list) {
			const entries = (target[step.name] as IDataObject[] | undefined) ?? [{}];
			target[step.name] = entries;
			target = entries[0];
		} else {
			target[step.name] = (target[step.name] as IDataObject | undefined) ?? {};
			target = target[step.name] as IDataObject;
		}
	});
	target[path[path.length - 1].name] = value as IDataObject[string];
	return copy as INodeParameters;
}

// ——— what a run shows ———

interface Failure {
	/** where it stopped: the execution, a poll, the trigger's activation or a delivery */
	stage: 'execution' | 'poll' | 'activation' | 'delivery';
	message: string;
	description: string;
}

interface Observed {
	failures: Failure[];
	/** the items the node put out, or that started a workflow */
	items: IDataObject[];
	/** the requests the portal got, in order: a method, or batch(its commands) */
	requests: string[];
	/** a trigger saved what it saw (poll static data) */
	stored: boolean;
	/** what else the kind of node shows: the answers Bitrix24 got for its deliveries */
	answers?: number[];
}

const requestOf = (entry: LogEntry): string =>
	entry.batchCommands
		? `batch(${entry.batchCommands.map((command) => command.restMethod).join(', ')})`
		: entry.restMethod;

/** Fields that differ from run to run whatever the switch: times and ids the portal makes up. */
const VOLATILE = new Set([
	'LAST_UPDATED',
	'detectedAt',
	'sentAt',
	'CALL_ID',
	'CALL_START_DATE',
	'CALL_START_DATE_PORTAL',
]);

/** Replaces the portal's random values (registration ids, office passwords, its port) by names, drops volatile fields. */
function scrub(value: unknown, names: Map<string | number, string>): unknown {
	if (Array.isArray(value)) return value.map((entry) => scrub(entry, names));
	if (typeof value === 'object' && value !== null) {
		return Object.fromEntries(
			Object.entries(value)
				.filter(([key]) => !VOLATILE.has(key))
				.map(([key, entry]) => [key, scrub(entry, names)]),
		);
	}
	if (typeof value === 'number') return names.get(value) ?? value;
	if (typeof value === 'string') {
		let text = value;
		for (const [from, to] of names) text = text.split(String(from)).join(to);
		return text;
	}
	return value;
}

// ——— scenarios: per switch, a portal and parameters in which on and off differ ———

interface Setup {
	/** parameters that depend on what the setup made (e.g. a line's id) */
	parameters?: IDataObject;
	/** calls placed on the portal, for the call trigger */
	calls?: CallSpec[];
}

interface Scenario {
	/** what on does here that off does not, in words */
	shows: string;
	sandbox?: SandboxOptions;
	setup?: (portal: TestPortal) => Setup | void;
	/** besides those the switch's displayOptions ask for */
	parameters?: IDataObject;
	/** the action node's input items */
	input?: IDataObject[];
	/**
	 * Runs of the same workflow at the same moment (executions, or polls of as many triggers). Each
	 * makes exactly one call, so a request that carries several commands carries several runs' calls;
	 * how they fall into requests depends on timing, so only that is compared, with the commands.
	 */
	concurrent?: number;
}

/** A line, as the sandbox makes it by hand and as Line → Create and Line → Sync take it in their fields. */
const office = (title: string) => ({
	type: 'office' as const,
	title,
	server: 'pbx.example.com',
	login: title.toLowerCase(),
	password: 'secret-pass',
});
const cloud = (title: string, server = 'sip.example.com') => ({
	type: 'cloud' as const,
	title,
	server,
	login: title.toLowerCase(),
	password: 'secret-pass',
});

/** Long enough that runs arriving together are still waiting while the first request is out. */
const SLOW = { latencyMs: 300 };

const SCENARIOS: Record<string, Scenario> = {
	// Bitrix24 SIP (action node)
	'bitrix24Sip · line.create · options.includePasswords': {
		shows: 'the new office line with PASSWORD and INCOMING_PASSWORD',
		parameters: office('Office'),
	},
	'bitrix24Sip · line.get · options.includePasswords': {
		shows: 'the line with its passwords',
		setup: (portal) => ({
			parameters: { configId: portal.sandbox.addLineByHand(office('Office')).configId },
		}),
	},
	'bitrix24Sip · line.getMany · returnAll': {
		shows: 'all three lines instead of the Limit of one',
		setup: (portal) =>
			['One', 'Two', 'Three'].forEach((title) => portal.sandbox.addLineByHand(office(title))),
		parameters: { limit: 1 },
	},
	'bitrix24Sip · line.getMany · options.includePasswords': {
		shows: 'the lines with their passwords',
		setup: (portal) => void portal.sandbox.addLineByHand(office('Office')),
	},
	'bitrix24Sip · line.getDefaultOutgoing · options.includePasswords': {
		shows: 'the default line with its passwords',
		setup: (portal) => void portal.sandbox.addLineByHand(office('Office')),
	},
	'bitrix24Sip · line.sync · dryRun': {
		shows: 'the plan only: no voximplant.sip.add',
		parameters: office('New'),
	},
	'bitrix24Sip · line.sync · deleteUnlisted': {
		shows: 'the unlisted managed line deleted',
		setup: (portal) =>
			['n8n-Keep', 'n8n-Stale'].forEach((title) => portal.sandbox.addLineByHand(office(title))),
		parameters: { ...office('n8n-Keep'), managedPrefix: 'n8n-' },
	},
	'bitrix24Sip · line.sync · options.allowTypeChange': {
		shows: 'the office line replaced by a cloud one, where off stops the sync',
		setup: (portal) => void portal.sandbox.addLineByHand(office('Trunk')),
		parameters: cloud('Trunk'),
	},
	'bitrix24Sip · line.sync · options.includePasswords': {
		shows: 'the unchanged line with its passwords',
		setup: (portal) => void portal.sandbox.addLineByHand(office('Office')),
		parameters: office('Office'),
	},
	'bitrix24Sip · registration.checkAll · options.includeOffice': {
		shows: 'the office line listed beside the cloud one',
		setup: (portal) =>
			[cloud('Cloud'), office('Office')].forEach((line) => portal.sandbox.addLineByHand(line)),
	},
	'bitrix24Sip · v2 · registration.checkAll · options.excludeOffice': {
		shows: 'the office line left out, only the cloud one checked',
		setup: (portal) =>
			[cloud('Cloud'), office('Office')].forEach((line) => portal.sandbox.addLineByHand(line)),
	},
	'bitrix24Sip · v2 · line|registration.create|update|get|getMany|getDefaultOutgoing|sync|getStatus|checkAll · simplify':
		{
			shows: "the new line's raw row instead of the short form",
			parameters: office('Office'),
		},
	'bitrix24Sip · registration.checkAll · options.includeSummary': {
		shows: 'a summary item, and the connector read for it',
		setup: (portal) => void portal.sandbox.addLineByHand(cloud('Cloud')),
	},
	'bitrix24Sip · registration.checkAll · options.onlyUnhealthy': {
		shows: 'only the failing line',
		setup: (portal) => {
			portal.sandbox.setServerBehaviour('sip.forbidden.example', { statusCode: 403 });
			portal.sandbox.addLineByHand(cloud('Healthy'));
			portal.sandbox.addLineByHand(cloud('Failing', 'sip.forbidden.example'));
			portal.sandbox.advanceRegistrations(2);
		},
	},
	'bitrix24Sip · requestOptions.batching': {
		shows: "two items' calls in one batch request instead of two requests",
		parameters: { resource: 'connector', operation: 'getStatus' },
		input: [{}, {}],
	},
	'bitrix24Sip · requestOptions.mergeExecutions': {
		shows: "three executions' calls sharing batch requests instead of one request each",
		sandbox: SLOW,
		parameters: { resource: 'connector', operation: 'getStatus' },
		concurrent: 3,
	},

	// Bitrix24 SIP Trigger (polling)
	'bitrix24SipTrigger · options.emitOnFirstRun': {
		shows: 'the line as it is now on the first poll, instead of nothing',
		setup: (portal) => void portal.sandbox.addLineByHand(office('Office')),
		parameters: { events: ['lineAdded'] },
	},
	'bitrix24SipTrigger · requestOptions.batching': {
		shows: "the two lines' registrations read in one batch request instead of two",
		setup: (portal) =>
			[cloud('Trunk A'), cloud('Trunk B')].forEach((line) => portal.sandbox.addLineByHand(line)),
		parameters: { events: ['lineUnhealthy'] },
	},
	'bitrix24SipTrigger · requestOptions.mergeExecutions': {
		shows: "three triggers' polls sharing batch requests instead of one request each",
		sandbox: SLOW,
		parameters: { events: ['connectorMinutesLow'] },
		concurrent: 3,
	},

	// Bitrix24 SIP Call Trigger (webhook)
	'bitrix24SipCallTrigger · lookUpLines': {
		shows: "the call's line with its CONFIG_ID and TITLE, read through voximplant.sip.get",
		setup: (portal) => ({
			calls: [{ configId: portal.sandbox.addLineByHand(cloud('Trunk A')).configId }],
		}),
	},
	'bitrix24SipCallTrigger · filters.onlyFailed': {
		shows: 'only the failed call starting a workflow',
		setup: () => ({
			calls: [
				{ portalNumber: 'reg1', code: '200' },
				{ portalNumber: 'reg1', code: '486' },
			],
		}),
	},
	'bitrix24SipCallTrigger · filters.onlySipLines': {
		shows: "the REST app's call left out",
		setup: () => ({
			calls: [
				{ portalNumber: 'REST_APP:12', code: '486' },
				{ portalNumber: 'reg1', code: '486' },
			],
		}),
	},
};

/**
 * Switches whose on and off cannot differ in any single observation, with the reason. They are
 * still fed every value (and must act alike for it), only "on and off differ" is not asked. An
 * entry for a switch that does not exist fails; so does one whose on and off do differ after all.
 * Empty: every switch has an observation that tells on from off.
 */
const ALWAYS_ALIKE: Record<string, string> = {};

// ——— one runner per kind of node ———

/** Runs the node as n8n would; the portal's request log is read after, for every kind alike. */
type Runner = (
	portal: TestPortal,
	parameters: INodeParameters,
	scenario: Scenario,
	setup: Setup,
	version: number | undefined,
) => Promise<Omit<Observed, 'requests'>>;

const NODE_KINDS: Record<string, Runner> = {
	async bitrix24Sip(portal, parameters, scenario, _setup, version) {
		const runs = await Promise.all(
			Array.from(
				{ length: scenario.concurrent ?? 1 },
				async () => await portal.run(parameters, scenario.input ?? [{}], { typeVersion: version }),
			),
		);
		return {
			failures: runs.flatMap((run): Failure[] =>
				run.failure
					? [
							{
								stage: 'execution',
								message: run.failure.message,
								description: String(run.failure.description ?? ''),
							},
						]
					: [],
			),
			items: runs.flatMap((run) => run.json),
			stored: false,
		};
	},

	async bitrix24SipTrigger(portal, parameters, scenario) {
		const triggers = Array.from({ length: scenario.concurrent ?? 1 }, () =>
			triggerRunner(portal, parameters),
		);
		const polls = await Promise.all(
			triggers.map(async (trigger) => {
				try {
					return { items: (await trigger.pollJson()) ?? [] };
				} catch (error) {
					return { error: error as Error & { description?: string }, items: [] };
				}
			}),
		);
		return {
			failures: polls.flatMap(({ error }): Failure[] =>
				error
					? [
							{
								stage: 'poll',
								message: error.message,
								description: String(error.description ?? ''),
							},
						]
					: [],
			),
			items: polls.flatMap((poll) => poll.items),
			stored: triggers.some((trigger) => trigger.saves > 0),
		};
	},

	async bitrix24SipCallTrigger(portal, parameters, _scenario, setup) {
		const harness = await startCallTrigger(portal, parameters);
		try {
			const activation = await harness.activate().then(
				() => undefined,
				(error: Error & { description?: string }) => error,
			);
			const events = (parameters.events as string[] | undefined) ?? ['ONVOXIMPLANTCALLEND'];
			portal.sandbox.addOutgoingWebhook({ url: harness.url, events, token: APP_TOKEN });
			for (const call of setup.calls ?? []) {
				await portal.sandbox.placeCall(call);
				await harness.settled();
			}
			const failed = harness.requests.filter((request) => request.error !== undefined);
			return {
				failures: [
					...(activation
						? [
								{
									stage: 'activation' as const,
									message: activation.message,
									description: String(activation.description ?? ''),
								},
							]
						: []),
					...failed.map((request) => {
						const error = request.error as Error & { description?: string };
						return {
							stage: 'delivery' as const,
							message: error.message,
							description: String(error.description ?? ''),
						};
					}),
				],
				items: harness.runs.flatMap((run) => run.json),
				stored: false,
				answers: portal.sandbox.deliveries.map((delivery) => delivery.status),
			};
		} finally {
			await harness.close();
		}
	},
};

/** Runs the switch's scenario on a fresh portal with `value` at the switch's path. */
async function observe(
	switchParameter: Switch,
	scenario: Scenario,
	value: unknown,
): Promise<Observed> {
	const portal = await TestPortal.start(scenario.sandbox);
	try {
		const setup = scenario.setup?.(portal) ?? {};
		const before = portal.sandbox.lines();
		portal.sandbox.clearLog();
		const parameters = placed(
			{ ...switchParameter.base, ...scenario.parameters, ...setup.parameters },
			switchParameter.path,
			value,
		);
		const ran = await NODE_KINDS[switchParameter.node](
			portal,
			parameters,
			scenario,
			setup,
			switchParameter.version,
		);
		const observed: Observed = { ...ran, requests: portal.sandbox.log.map(requestOf) };

		const names = new Map<string | number, string>([
			[new URL(portal.sandbox.baseUrl).host, '<portal>'],
		]);
		for (const line of [...before, ...portal.sandbox.lines()]) {
			if (line.regId !== null) names.set(line.regId, `<REG_ID of ${line.title}>`);
			if (line.incomingPassword !== null)
				names.set(line.incomingPassword, `<INCOMING_PASSWORD of ${line.title}>`);
		}
		return scrub(observed, names) as Observed;
	} finally {
		await portal.close();
	}
}

/** What is compared between values: with concurrent runs, which commands went and whether runs shared a request. */
function outcome(observed: Observed, scenario: Scenario): unknown {
	if (!scenario.concurrent) return observed;
	const commands = observed.requests.flatMap(
		(request) => request.match(/^batch\((.*)\)$/)?.[1].split(', ') ?? [request],
	);
	return {
		...observed,
		requests: {
			commands: commands.sort(),
			runsSharedARequest: observed.requests.some(
				(request) => request.startsWith('batch(') && request.includes(', '),
			),
		},
	};
}

const expression = (value: unknown): string => `={{ ${JSON.stringify(value)} }}`;

const SWITCHES = switchesOf();

describe('switches: every boolean parameter of every node, filled by an expression', () => {
	it('finds the switches of all three nodes, each under its own key, and every scenario and exception names one', () => {
		const keys = SWITCHES.map((found) => found.key);
		expect(new Set(keys).size).toBe(keys.length);
		expect(new Set(SWITCHES.map((found) => found.node))).toEqual(new Set(Object.keys(NODE_KINDS)));
		// a scenario or exception for a switch that is not there (renamed, removed) is stale
		expect({
			scenariosOfNoSwitch: Object.keys(SCENARIOS).filter(
				(key) => !keys.includes(key) && !keys.map(versionless).includes(key),
			),
			exceptionsOfNoSwitch: Object.keys(ALWAYS_ALIKE).filter((key) => !keys.includes(key)),
		}).toEqual({ scenariosOfNoSwitch: [], exceptionsOfNoSwitch: [] });
	});

	describe.each(SWITCHES.map((found) => [found.key, found] as const))('%s', (key, found) => {
		const scenario = (): Scenario => {
			const chosen = SCENARIOS[key] ?? SCENARIOS[versionless(key)];
			if (!chosen)
				throw new Error(
					`No scenario for the switch "${key}" (${found.displayName}): add one to SCENARIOS in test/switches.test.ts`,
				);
			return chosen;
		};

		it('refuses "maybe", naming the field, with nothing sent and nothing started', async () => {
			const observed = await observe(found, scenario(), expression('maybe'));

			expect(observed.failures.length).toBeGreaterThan(0);
			for (const failure of observed.failures) {
				expect(failure.message).toBe(
					`${found.displayName} must be true or false (or 1 / 0), got "maybe"`,
				);
				expect(failure.description).toBe(
					`Set "${found.displayName}"${found.where ? ` ${found.where}` : ''} to true or false (or 1 / 0); check the expression that fills it. Nothing was sent.`,
				);
			}
			expect(observed.requests).toEqual([]);
			expect(observed.items).toEqual([]);
			expect(observed.stored).toBe(false);
			if (found.node === 'bitrix24SipCallTrigger') {
				// caught when the workflow is activated; a delivery that arrives anyway is refused (500), starting nothing
				expect(observed.failures[0].stage).toBe('activation');
				expect(observed.answers?.length).toBeGreaterThan(0);
				expect(observed.answers?.every((status) => status === 500)).toBe(true);
			}
		});

		it(`reads "true", "TRUE " and 1 as on, "false" and 0 as off; on: ${(SCENARIOS[key] ?? SCENARIOS[versionless(key)])?.shows ?? '(no scenario)'}`, async () => {
			const chosen = scenario();
			const on = outcome(await observe(found, chosen, true), chosen);
			const off = outcome(await observe(found, chosen, false), chosen);
			if (ALWAYS_ALIKE[key] === undefined) expect(on).not.toEqual(off);
			else expect(on).toEqual(off);

			for (const value of ['true', 'TRUE ', 1]) {
				expect([value, outcome(await observe(found, chosen, expression(value)), chosen)]).toEqual([
					value,
					on,
				]);
			}
			for (const value of ['false', 0]) {
				expect([value, outcome(await observe(found, chosen, expression(value)), chosen)]).toEqual([
					value,
					off,
				]);
			}
		});
	});
});
