/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code that reads the README and the build, not code shipped to n8n */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { INodeProperties, INodePropertyOptions, INodeType } from 'n8n-workflow';

import type * as RouterModule from '../nodes/Bitrix24Sip/actions/router';
import type * as ChangesModule from '../nodes/Bitrix24SipTrigger/changes';
import type * as CallEventModule from '../nodes/shared/calls/callEvent';
import type * as RequestOptionsModule from '../nodes/shared/requestOptions';
import type { WebhookHarness } from './harness/webhook';
import { post } from './harness/webhook';
import { CALL_TRIGGER_TYPE, callEndData, eventBody, startCallTrigger } from './helpers/calls';
import { addLines, fetchTestEvent, TRIGGER_TYPE, triggerRunner } from './helpers/health';
import { NODE_TYPE, sharedEngine, TestPortal } from './helpers/portal';
import { PACKAGE_ROOT } from './harness/package';
import type { ForcedRegistration } from './sandbox';

/*
 * What the editor offers (the descriptions of the nodes as n8n loads them from the build) agrees
 * with what the code handles (the lists the code dispatches on, from the same build), both ways:
 * a value the code handles but the editor never offers cannot be chosen, and a value the editor
 * offers but the code does not handle is silently ignored. The other tests hand parameters over
 * raw, so they cannot see either.
 */

// the modules the nodes run, from the build the engine loaded them from
/* eslint-disable @typescript-eslint/no-require-imports */
const { resources } = require('../dist/nodes/Bitrix24Sip/actions/router') as typeof RouterModule;
const { TRIGGER_EVENTS } =
	require('../dist/nodes/Bitrix24SipTrigger/changes') as typeof ChangesModule;
const { CALL_EVENTS } = require('../dist/nodes/shared/calls/callEvent') as typeof CallEventModule;
const { clientOptionsFrom } =
	require('../dist/nodes/shared/requestOptions') as typeof RequestOptionsModule;
/* eslint-enable @typescript-eslint/no-require-imports */

function loadedNode(type: string): INodeType {
	const node = sharedEngine().loaded.nodes[type];
	if (!node) throw new Error(`the package has no node ${type}`);
	return node;
}

/** The top-level parameter of that name that is shown for the given values of other parameters. */
function parameter(
	node: INodeType,
	name: string,
	shownFor: Record<string, string | number> = {},
): INodeProperties {
	const found = node.description.properties.filter(
		(property) =>
			property.name === name &&
			Object.entries(shownFor).every(([key, value]) =>
				(property.displayOptions?.show?.[key] ?? []).includes(value),
			),
	);
	if (found.length !== 1) {
		throw new Error(
			`${node.description.name} has ${found.length} parameters "${name}" shown for ${JSON.stringify(shownFor)}`,
		);
	}
	return found[0];
}

/** An option of a collection parameter, e.g. Options → If Title Exists. */
function child(collection: INodeProperties, name: string): INodeProperties {
	const found = ((collection.options ?? []) as INodeProperties[]).find(
		(option) => option.name === name,
	);
	if (!found) throw new Error(`${collection.displayName} has no option "${name}"`);
	return found;
}

/** The values an options or multiOptions parameter offers in the editor. */
function offered(property: INodeProperties): string[] {
	if (property.type !== 'options' && property.type !== 'multiOptions') {
		throw new Error(`${property.displayName} is a ${property.type} parameter, not options`);
	}
	const values = ((property.options ?? []) as INodePropertyOptions[]).map((option) =>
		String(option.value),
	);
	expect(values.length).toBeGreaterThan(0);
	expect(new Set(values).size).toBe(values.length);
	return values;
}

/** What one side has and the other lacks; both lists are empty when they agree. */
function disagreement(offeredValues: readonly string[], handled: readonly string[]) {
	return {
		handledButNotOffered: handled.filter((value) => !offeredValues.includes(value)),
		offeredButNotHandled: offeredValues.filter((value) => !handled.includes(value)),
	};
}

const AGREE = { handledButNotOffered: [], offeredButNotHandled: [] };

/**
 * The groups of option values that led to the same outcome. A value the code does not handle
 * falls through to the behaviour of another (usually the default), so it lands in a group.
 */
function alike(outcomes: Map<string, unknown>): string[][] {
	const groups = new Map<string, string[]>();
	for (const [value, outcome] of outcomes) {
		const key = JSON.stringify(outcome);
		groups.set(key, [...(groups.get(key) ?? []), value]);
	}
	return [...groups.values()].filter((group) => group.length > 1);
}

/** Each value's outcome, each on a fresh sandbox portal. */
async function outcomesOf(
	values: string[],
	outcome: (portal: TestPortal, value: string) => Promise<unknown>,
): Promise<Map<string, unknown>> {
	expect(values.length).toBeGreaterThanOrEqual(2);
	const outcomes = new Map<string, unknown>();
	for (const value of values) {
		const portal = await TestPortal.start();
		try {
			outcomes.set(value, await outcome(portal, value));
		} finally {
			await portal.close();
		}
	}
	return outcomes;
}

describe('What the editor offers agrees with what the code handles', () => {
	describe('Bitrix24 SIP Trigger: Events', () => {
		const events = () => offered(parameter(loadedNode(TRIGGER_TYPE), 'events'));

		it('offers every event the trigger handles, and handles every event it offers', () => {
			expect(disagreement(events(), TRIGGER_EVENTS)).toEqual(AGREE);
		});

		it('accepts each offered event chosen alone: a test poll shows the current state for it', async () => {
			const portal = await TestPortal.start();
			try {
				await addLines(portal, [{ title: 'Trunk' }]);
				portal.sandbox.advanceRegistrations(2);
				const shown: Record<string, string[]> = {};
				for (const event of events()) {
					// an event the trigger does not take is dropped, and a poll with no event left fails
					const items = await fetchTestEvent(portal, { events: [event] });
					shown[event] = items.map((item) => String(item.event));
				}
				const wrong = Object.entries(shown).filter(
					([, kinds]) => kinds.length === 0 || kinds.some((kind) => kind !== 'currentState'),
				);
				expect(wrong).toEqual([]);
			} finally {
				await portal.close();
			}
		});

		it("names every offered event in the README's table of trigger events, as the editor names it", () => {
			const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
			const section = readme.split(/^## /m).find((part) => part.startsWith('Trigger\n'));
			if (!section) throw new Error('the README has no "## Trigger" section');
			const rows = section
				.split('\n')
				.filter((line) => line.startsWith('| ') && !line.startsWith('| Event |'));
			// a row may name two events: "Line Added / Line Removed"
			const documented = rows.flatMap((row) =>
				row
					.split('|')[1]
					.split(' / ')
					.map((name) => name.trim()),
			);
			const options = (parameter(loadedNode(TRIGGER_TYPE), 'events').options ??
				[]) as INodePropertyOptions[];
			const names = options.map((option) => option.name);
			expect({
				notInReadme: names.filter((name) => !documented.includes(name)),
				notOffered: documented.filter((name) => !names.includes(name)),
			}).toEqual({ notInReadme: [], notOffered: [] });
		});
	});

	describe('Bitrix24 SIP Call Trigger: Events', () => {
		const events = () => offered(parameter(loadedNode(CALL_TRIGGER_TYPE), 'events'));

		it('offers every call event the trigger reads, and reads every event it offers', () => {
			expect(disagreement(events(), Object.keys(CALL_EVENTS))).toEqual(AGREE);
		});

		it('starts the workflow for a delivery of each offered event chosen alone', async () => {
			const portal = await TestPortal.start();
			const harnesses: WebhookHarness[] = [];
			try {
				const started: Record<string, unknown[]> = {};
				for (const event of events()) {
					const harness = await startCallTrigger(portal, { events: [event] });
					harnesses.push(harness);
					const answer = await post(harness.url, eventBody(callEndData(), { event }));
					await harness.settled();
					started[event] = [
						answer.status,
						...harness.runs.flatMap((run) => run.json.map((item) => item.event)),
					];
				}
				const expected = Object.fromEntries(
					events().map((event) => [event, [200, CALL_EVENTS[event as keyof typeof CALL_EVENTS]]]),
				);
				expect(started).toEqual(expected);
			} finally {
				await Promise.all(harnesses.map(async (harness) => await harness.close()));
				await portal.close();
			}
		});
	});

	describe('Bitrix24 SIP: Resource and Operation', () => {
		const node = () => loadedNode(NODE_TYPE);

		it('offers every resource the router runs, and the router runs every resource offered', () => {
			expect(disagreement(offered(parameter(node(), 'resource')), Object.keys(resources))).toEqual(
				AGREE,
			);
		});

		it('offers, for each resource, exactly the operations the router runs for it', () => {
			const byResource: Record<string, ReturnType<typeof disagreement>> = {};
			for (const resource of Object.keys(resources)) {
				const operation = parameter(node(), 'operation', { resource });
				byResource[resource] = disagreement(offered(operation), Object.keys(resources[resource]));
			}
			expect(byResource).toEqual(
				Object.fromEntries(Object.keys(resources).map((resource) => [resource, AGREE])),
			);
		});

		it('shows an Operation parameter only for resources that are offered', () => {
			const resourceOptions = offered(parameter(node(), 'resource'));
			const shownFor = node()
				.description.properties.filter((property) => property.name === 'operation')
				.flatMap((property) => (property.displayOptions?.show?.resource ?? []).map(String));
			expect(shownFor.filter((resource) => !resourceOptions.includes(resource))).toEqual([]);
			expect([...shownFor].sort()).toEqual([...resourceOptions].sort());
		});
	});

	describe('each value of an option the code switches on is handled: no two values behave alike', () => {
		it('Line → Create → If Title Exists', async () => {
			const options = parameter(loadedNode(NODE_TYPE), 'options', {
				resource: 'line',
				operation: 'create',
			});
			const outcomes = await outcomesOf(
				offered(child(options, 'ifTitleExists')),
				async (portal, ifTitleExists) => {
					portal.sandbox.addLineByHand({
						type: 'office',
						title: 'Taken',
						server: 'old.example',
						login: 'old',
						password: 'p',
					});
					const run = await portal.run({
						resource: 'line',
						operation: 'create',
						type: 'office',
						title: 'Taken',
						server: 'new.example',
						login: 'new',
						password: 'p',
						options: { ifTitleExists },
					});
					return {
						failed: run.failure !== undefined,
						output: run.json.map((item) => [item.TITLE, item.SERVER, item.LOGIN]),
						stored: portal.sandbox.lines().map((line) => [line.title, line.server, line.login]),
					};
				},
			);
			expect(alike(outcomes)).toEqual([]);
		});

		it('Line → Sync → Send Passwords', async () => {
			const options = parameter(loadedNode(NODE_TYPE), 'options', {
				resource: 'line',
				operation: 'sync',
			});
			const outcomes = await outcomesOf(
				offered(child(options, 'sendPasswords')),
				async (portal, sendPasswords) => {
					portal.sandbox.addLineByHand({
						type: 'office',
						title: 'P',
						server: 's.example',
						login: 'l',
						password: 'same',
					});
					const run = await portal.run({
						resource: 'line',
						operation: 'sync',
						type: 'office',
						title: 'P',
						server: 's.example',
						login: 'l',
						password: 'same',
						options: { sendPasswords },
					});
					return {
						failed: run.failure !== undefined,
						plan: run.json.map((item) => [item.action, item.changes]),
					};
				},
			);
			expect(alike(outcomes)).toEqual([]);
		});

		it('Registration → Check All Lines → Treat Pending Registrations As', async () => {
			// version 2's Options: version 1's hold the same Treat Pending Registrations As
			const options = parameter(loadedNode(NODE_TYPE), 'options', {
				resource: 'registration',
				operation: 'checkAll',
				'@version': 2,
			});
			const outcomes = await outcomesOf(
				offered(child(options, 'pendingAs')),
				async (portal, pendingAs) => {
					const [line] = await addLines(portal, [{ title: 'Pending' }]);
					portal.sandbox.setRegistration(line.REG_ID as number, { STATUS_RESULT: 'in_progress' });
					const run = await portal.run({
						resource: 'registration',
						operation: 'checkAll',
						options: { pendingAs },
					});
					return {
						failed: run.failure !== undefined,
						verdicts: run.json.map((item) => [item.TITLE, item.STATUS_RESULT, item.healthy]),
					};
				},
			);
			expect(alike(outcomes)).toEqual([]);
		});

		it('Bitrix24 SIP Trigger → Treat Pending Registrations As', async () => {
			const options = parameter(loadedNode(TRIGGER_TYPE), 'options');
			// registered, then pending, failing, pending again and registered: what each poll emits
			const steps: Array<ForcedRegistration | undefined> = [
				undefined,
				{ STATUS_RESULT: 'in_progress' },
				{ STATUS_RESULT: 'error', STATUS_CODE: 403 },
				{ STATUS_RESULT: 'in_progress' },
				{ STATUS_RESULT: 'success' },
			];
			const outcomes = await outcomesOf(
				offered(child(options, 'pendingAs')),
				async (portal, pendingAs) => {
					const [line] = await addLines(portal, [{ title: 'Trunk' }]);
					portal.sandbox.advanceRegistrations(2);
					const trigger = triggerRunner(portal, {
						events: ['lineUnhealthy', 'lineRecovered'],
						options: { pendingAs },
					});
					const emitted: string[][] = [];
					for (const step of steps) {
						// reading a pending registration moves it on in the sandbox: each step sets it anew
						if (step) portal.sandbox.setRegistration(line.REG_ID as number, step);
						emitted.push(((await trigger.pollJson()) ?? []).map((item) => String(item.event)));
					}
					return emitted;
				},
			);
			expect(alike(outcomes)).toEqual([]);
		});

		it.each([
			['Bitrix24 SIP', NODE_TYPE],
			['Bitrix24 SIP Trigger', TRIGGER_TYPE],
		])('%s → Request Options → Rate Limit, as the node reads it', (_name, type) => {
			const values = offered(child(parameter(loadedNode(type), 'requestOptions'), 'rateLimit'));
			const outcomes = new Map(
				values.map((rateLimit) => [rateLimit, clientOptionsFrom({ rateLimit }).rateLimit]),
			);
			expect(values.length).toBeGreaterThanOrEqual(2);
			expect(
				[...outcomes].filter(([, plan]) => plan === undefined).map(([value]) => value),
			).toEqual([]);
			expect(alike(outcomes)).toEqual([]);
		});
	});
});

/*
 * The words of the panels are read by people who build workflows, not by people who read the
 * source: a description, hint or notice longer than a short paragraph is a reference page in a
 * tooltip. The detail belongs in the README; the panel says what the field is for.
 */

/** The most characters a description, hint or notice may have in the editor. */
const MAX_WORDS = 250;

interface Words {
	/** node or credential · the field's path, e.g. "Bitrix24 SIP · Options [line.create] → Include Passwords" */
	where: string;
	kind: 'description' | 'hint' | 'notice';
	text: string;
	/** the field is a switch (its description should start with "Whether") */
	boolean: boolean;
}

type Described = Partial<INodeProperties> & { values?: INodeProperties[]; value?: unknown };

/** The resource and operation a top-level field is shown for, e.g. " [line.create]". */
function shownFor(property: Described): string {
	const show = property.displayOptions?.show ?? {};
	const keys = ['resource', 'operation'].filter((key) => Array.isArray(show[key]));
	return keys.length > 0
		? ` [${keys.map((key) => (show[key] as unknown[]).join('|')).join('.')}]`
		: '';
}

/** Every description, hint and notice below these fields: options of options, fixedCollection values, locator modes. */
function wordsOf(entries: readonly Described[], where: string, topLevel: boolean): Words[] {
	const found: Words[] = [];
	for (const entry of entries) {
		// a notice's display name is its text: it is named by its parameter name instead
		const name =
			entry.type === 'notice'
				? entry.name
				: (entry.displayName ?? String(entry.name ?? entry.value));
		const label = `${where} → ${name}${topLevel ? shownFor(entry) : ''}`;
		const boolean = entry.type === 'boolean';
		if (typeof entry.description === 'string')
			found.push({ where: label, kind: 'description', text: entry.description, boolean });
		if (typeof entry.hint === 'string')
			found.push({ where: label, kind: 'hint', text: entry.hint, boolean });
		if (entry.type === 'notice' && typeof entry.displayName === 'string') {
			found.push({ where: label, kind: 'notice', text: entry.displayName, boolean });
		}
		for (const nested of [entry.options, entry.values, entry.modes]) {
			if (Array.isArray(nested))
				found.push(
					...wordsOf(
						nested.filter((item) => typeof item === 'object') as Described[],
						label,
						false,
					),
				);
		}
	}
	return found;
}

/** The words of every node (each version of a versioned one) and every credential, as n8n loads them. */
function allWords(): Words[] {
	const { nodes, credentials } = sharedEngine().loaded;
	const found: Words[] = [];
	for (const type of Object.values(nodes)) {
		const versions =
			'nodeVersions' in type
				? Object.values((type as { nodeVersions: Record<string, INodeType> }).nodeVersions)
				: [type];
		for (const node of versions) {
			const { description } = node;
			const name =
				versions.length > 1
					? `${description.displayName} v${String(description.version)}`
					: description.displayName;
			if (description.description)
				found.push({
					where: name,
					kind: 'description',
					text: description.description,
					boolean: false,
				});
			found.push(...wordsOf(description.properties, name, true));
		}
	}
	for (const credential of Object.values(credentials)) {
		found.push(...wordsOf(credential.properties, credential.displayName, true));
	}
	return found;
}

describe('The words the editor shows', () => {
	it('are all found, also those nested in options and in every node and credential', () => {
		const places = allWords().map((words) => words.where);
		expect(places).toEqual(
			expect.arrayContaining([
				'Bitrix24 SIP → Options [line.create] → Wait for Registration (Seconds)',
				'Bitrix24 SIP → Options [line.create] → If Title Exists → Update Existing Line',
				'Bitrix24 SIP → Request Options → Max Wait (Seconds)',
				'Bitrix24 SIP Call Trigger → Filters → Only SIP Lines',
				'Bitrix24 Webhook API → Webhook URL',
				'Bitrix24 Outgoing Webhook API → Application Token',
			]),
		);
	});

	it(`keeps every description, hint and notice to at most ${MAX_WORDS} characters`, () => {
		const tooLong = allWords()
			.filter((words) => words.text.length > MAX_WORDS)
			.map((words) => `${words.where} · ${words.kind}: ${words.text.length} characters`);
		expect([...new Set(tooLong)]).toEqual([]);
	});

	it('starts the description of every switch with "Whether", as n8n\'s own nodes do', () => {
		const otherwise = allWords()
			.filter(
				(words) =>
					words.boolean && words.kind === 'description' && !words.text.startsWith('Whether '),
			)
			.map((words) => words.where);
		expect([...new Set(otherwise)]).toEqual([]);
	});
});
