import type { IDataObject } from 'n8n-workflow';

import { addLines, dateInDays, fetchTestEvent, TRIGGER, triggerRunner } from './helpers/health';
import { allText, TestPortal } from './helpers/portal';

const REGISTERED_SUMMARY = 'Registered';
const FORBIDDEN_SUMMARY = 'SIP 403 Forbidden — check login and password';
const NO_SIP_DEFAULT =
	"No SIP default: Bitrix24 has no default outgoing line set and uses the portal's base number (LINK_BASE_NUMBER)";

/** The REST methods of the log, with a batch's commands in brackets. */
function calls(portal: TestPortal): string[] {
	return portal.sandbox.log.map((entry) =>
		entry.batchCommands
			? `batch[${entry.batchCommands.map((command) => command.restMethod).join(',')}]`
			: entry.restMethod,
	);
}

describe('Line → Get Default Outgoing', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	const getDefault = async (options: IDataObject = {}) => {
		portal.sandbox.clearLog();
		const run = await portal.run({ resource: 'line', operation: 'getDefaultOutgoing', options });
		expect(run.failure).toBeUndefined();
		expect(run.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
		return run.json[0];
	};

	/** What Get Default Outgoing says of a default that is a number: no line fields, the number in words. */
	const numberDefault = (value: string) => ({
		defaultOutgoing: value,
		kind: 'number',
		CONFIG_ID: null,
		TITLE: null,
		TYPE: null,
		REG_ID: null,
		description: `The number ${value}, not a SIP line`,
		line: null,
	});

	it('reports LINK_BASE_NUMBER on a fresh portal as no SIP default, with one call', async () => {
		expect(await getDefault()).toEqual({
			defaultOutgoing: 'LINK_BASE_NUMBER',
			kind: 'none',
			CONFIG_ID: null,
			TITLE: null,
			TYPE: null,
			REG_ID: null,
			description: NO_SIP_DEFAULT,
			line: null,
		});
		expect(calls(portal)).toEqual(['voximplant.line.outgoing.get']);
	});

	it('resolves a cloud line (reg<REG_ID>) to the line, without its password unless asked', async () => {
		// the first line of a portal without a default becomes the default
		const [trunk] = await addLines(portal, [{ title: 'Main trunk', server: 'sip.ok.example' }]);
		await addLines(portal, [{ title: 'Second trunk', server: 'sip.ok.example' }]);

		const result = await getDefault();
		expect(result).toEqual({
			defaultOutgoing: `reg${trunk.REG_ID}`,
			kind: 'sipLine',
			CONFIG_ID: trunk.CONFIG_ID,
			TITLE: 'Main trunk',
			TYPE: 'cloud',
			REG_ID: trunk.REG_ID,
			description: `SIP line "Main trunk" (${trunk.CONFIG_ID}): cloud PBX at sip.ok.example`,
			line: expect.objectContaining({
				CONFIG_ID: trunk.CONFIG_ID,
				REG_ID: trunk.REG_ID,
				TITLE: 'Main trunk',
				SERVER: 'sip.ok.example',
				LOGIN: 'user0',
			}),
		});
		expect(result.line).not.toHaveProperty('PASSWORD');
		expect(allText(result)).not.toContain('secret-pass');
		// one lookup of the line by its registration
		expect(calls(portal)).toEqual(['voximplant.line.outgoing.get', 'voximplant.sip.get']);
		expect(portal.sandbox.log[1].params.FILTER).toEqual({ TYPE: 'cloud', REG_ID: trunk.REG_ID });

		const withPasswords = await getDefault({ includePasswords: true });
		expect(withPasswords.line).toMatchObject({ PASSWORD: 'secret-pass' });
	});

	it('resolves an office line by its search id (its INCOMING_LOGIN)', async () => {
		await addLines(portal, [{ title: 'Cloud', server: 'sip.ok.example' }]);
		const [office] = await addLines(portal, [{ title: 'Head office', type: 'office' }]);
		portal.sandbox.setDefaultOutgoing(office.CONFIG_ID as number);
		expect(portal.sandbox.defaultOutgoing()).toBe(office.INCOMING_LOGIN);

		const result = await getDefault();
		expect(result).toEqual({
			defaultOutgoing: office.INCOMING_LOGIN,
			kind: 'sipLine',
			CONFIG_ID: office.CONFIG_ID,
			TITLE: 'Head office',
			TYPE: 'office',
			REG_ID: null,
			description: `SIP line "Head office" (${office.CONFIG_ID}): office PBX at sip.example.com`,
			line: expect.objectContaining({
				CONFIG_ID: office.CONFIG_ID,
				INCOMING_LOGIN: office.INCOMING_LOGIN,
			}),
		});
		expect(result.line).not.toHaveProperty('INCOMING_PASSWORD');
		expect(portal.sandbox.log[1].params.FILTER).toEqual({
			TYPE: 'office',
			INCOMING_LOGIN: office.INCOMING_LOGIN,
		});

		const withPasswords = await getDefault({ includePasswords: true });
		expect(withPasswords.line).toMatchObject({ INCOMING_PASSWORD: expect.any(String) });
	});

	it('names a rented number as a number, not a SIP line', async () => {
		await addLines(portal, [{ title: 'Cloud', server: 'sip.ok.example' }]);
		const rented = portal.sandbox.addRentedNumber('74951234567', 'Moscow office');
		portal.sandbox.setDefaultOutgoing(rented.configId);

		expect(await getDefault()).toEqual(numberDefault('74951234567'));
	});

	it('names a verified caller ID a number too: the answer cannot tell it from a rented one', async () => {
		await addLines(portal, [{ title: 'Cloud', server: 'sip.ok.example' }]);
		portal.sandbox.setDefaultOutgoing(portal.sandbox.addCallerId('74957654321'));

		expect(await getDefault()).toEqual(numberDefault('74957654321'));
	});

	it("names a REST application's pseudo-line restApp, with no line lookup", async () => {
		await addLines(portal, [{ title: 'Cloud', server: 'sip.ok.example' }]);
		portal.sandbox.setDefaultOutgoing(portal.sandbox.addRestAppLine(12));

		expect(await getDefault()).toEqual({
			defaultOutgoing: 'REST_APP:12',
			kind: 'restApp',
			CONFIG_ID: null,
			TITLE: null,
			TYPE: null,
			REG_ID: null,
			description: 'A REST telephony application (REST_APP:12), not a SIP line',
			line: null,
		});
		expect(calls(portal)).toEqual(['voximplant.line.outgoing.get']);
	});

	it('reports a default whose line is gone as no SIP default: Bitrix24 answers LINK_BASE_NUMBER', async () => {
		const [trunk] = await addLines(portal, [{ title: 'Main trunk', server: 'sip.ok.example' }]);
		const deleted = await portal.run({
			resource: 'line',
			operation: 'delete',
			configId: trunk.CONFIG_ID as number,
		});
		expect(deleted.failure).toBeUndefined();
		expect(portal.sandbox.storedDefaultOutgoing()).toBe(`reg${trunk.REG_ID}`);
		expect(await getDefault()).toMatchObject({
			defaultOutgoing: 'LINK_BASE_NUMBER',
			kind: 'none',
			description: NO_SIP_DEFAULT,
		});

		// a stale value stored some other way reads the same
		portal.sandbox.setDefaultOutgoing('reg999999');
		expect(await getDefault()).toMatchObject({ defaultOutgoing: 'LINK_BASE_NUMBER', kind: 'none' });
		// and the next line made becomes the default, as on a portal that never had one
		const [next] = await addLines(portal, [{ title: 'Next trunk', server: 'sip.ok.example' }]);
		expect(await getDefault()).toMatchObject({
			defaultOutgoing: `reg${next.REG_ID}`,
			kind: 'sipLine',
			CONFIG_ID: next.CONFIG_ID,
		});
	});

	it("reports an OAuth application's line, which the webhook cannot see, as an unknown SIP line", async () => {
		await addLines(portal, [{ title: 'Visible', server: 'sip.ok.example' }]);
		const appCloud = portal.sandbox.addAppLine('app.crm', {
			title: 'App trunk',
			server: 'sip.app.example',
			login: 'app',
			password: 'app-pass',
		});
		portal.sandbox.setDefaultOutgoing(appCloud.configId);

		expect(await getDefault()).toEqual({
			defaultOutgoing: `reg${appCloud.regId}`,
			kind: 'unknownSipLine',
			CONFIG_ID: null,
			TITLE: null,
			TYPE: 'cloud',
			REG_ID: appCloud.regId,
			description: `A SIP line this webhook cannot see (reg${appCloud.regId}): one made by an OAuth application`,
			line: null,
		});

		const appOffice = portal.sandbox.addAppLine('app.crm', {
			type: 'office',
			title: 'App office',
			server: 'pbx.app.example',
			login: 'app',
		});
		portal.sandbox.setDefaultOutgoing(appOffice.configId);
		expect(await getDefault()).toMatchObject({
			defaultOutgoing: appOffice.incomingLogin,
			kind: 'unknownSipLine',
			TYPE: 'office',
			REG_ID: null,
			line: null,
		});
	});

	it('fails with the portal error, without the webhook secret', async () => {
		const denied = portal.sandbox.addWebhook({ canManageNumbers: false });
		const run = await portal.run({ resource: 'line', operation: 'getDefaultOutgoing' }, [{}], {
			webhookUrl: denied.url,
		});
		expect(run.failure?.name).toBe('NodeApiError');
		expect(run.failure?.message).toBe(
			"Bitrix24 denied access: the webhook's user lacks the telephony permission",
		);
		expect(allText(run.failure)).not.toContain(denied.secret);
	});
});

describe('Registration → Check All Lines and the default outgoing line', () => {
	let portal: TestPortal;
	let good: IDataObject;
	let bad: IDataObject;
	let pending: IDataObject;
	let office: IDataObject;

	beforeEach(async () => {
		portal = await TestPortal.start();
		portal.sandbox.setServerBehaviour('sip.forbidden.example', { statusCode: 403 });
		[good, bad, pending, office] = await addLines(portal, [
			{ title: 'Good', server: 'sip.ok.example' },
			{ title: 'Bad', server: 'sip.forbidden.example' },
			{ title: 'Pending', server: 'sip.ok.example' },
			{ title: 'Office', type: 'office' },
		]);
		portal.sandbox.advanceRegistrations(2);
		portal.sandbox.setConnector({ FREE_MINUTES: 25, PAID: true, PAID_DATE_END: dateInDays(20) });
	});

	afterEach(async () => {
		await portal.close();
	});

	const check = async (options: IDataObject = {}) => {
		// reading a pending registration moves it on in the sandbox: set it back before every run
		portal.sandbox.setRegistration(pending.REG_ID as number, { STATUS_RESULT: 'in_progress' });
		portal.sandbox.clearLog();
		const run = await portal.run({ resource: 'registration', operation: 'checkAll', options });
		expect(run.failure).toBeUndefined();
		return run.json;
	};

	const marked = (items: IDataObject[]) =>
		items.filter((item) => item.isDefaultOutgoing === true).map((item) => item.TITLE);

	it('marks the line voximplant.line.outgoing.get names, cloud or office, and no other', async () => {
		const items = await check({ includeOffice: true });
		expect(items.map((item) => [item.itemType, item.TITLE, item.isDefaultOutgoing])).toEqual([
			['line', 'Good', true],
			['line', 'Bad', false],
			['line', 'Pending', false],
			['line', 'Office', false],
		]);

		portal.sandbox.setDefaultOutgoing(office.CONFIG_ID as number);
		expect(marked(await check({ includeOffice: true }))).toEqual(['Office']);
		expect(marked(await check())).toEqual([]);

		portal.sandbox.setDefaultOutgoing(bad.CONFIG_ID as number);
		expect(marked(await check({ onlyUnhealthy: true }))).toEqual(['Bad']);

		portal.sandbox.setDefaultOutgoing(null);
		expect(marked(await check({ includeOffice: true }))).toEqual([]);
	});

	it('adds one summary item first: counts, the default line and its health, the connector; all in the status batch', async () => {
		const items = await check({ includeSummary: true });

		expect(items).toHaveLength(4);
		expect(items[0]).toEqual({
			itemType: 'summary',
			summary: `3 lines: 2 healthy, 1 unhealthy, 1 still registering. Default outgoing line: "Good" (${good.CONFIG_ID}), healthy (Registered). SIP connector: 25 free minutes, paid period ends in 20 days, on ${dateInDays(20)}.`,
			lines: { total: 3, healthy: 2, unhealthy: 1, pending: 1 },
			defaultOutgoing: {
				value: `reg${good.REG_ID}`,
				kind: 'sipLine',
				CONFIG_ID: good.CONFIG_ID,
				TITLE: 'Good',
				TYPE: 'cloud',
				REG_ID: good.REG_ID,
				description: `SIP line "Good" (${good.CONFIG_ID}): cloud PBX at sip.ok.example`,
				healthy: true,
				summary: REGISTERED_SUMMARY,
			},
			connector: { FREE_MINUTES: 25, PAID: true, PAID_DATE_END: dateInDays(20), daysLeft: 20 },
		});
		expect(items.slice(1).map((item) => [item.itemType, item.TITLE])).toEqual([
			['line', 'Good'],
			['line', 'Bad'],
			['line', 'Pending'],
		]);
		expect(calls(portal)).toEqual([
			'voximplant.sip.get',
			'batch[voximplant.sip.status,voximplant.sip.status,voximplant.sip.status,voximplant.line.outgoing.get,voximplant.sip.connector.status]',
		]);
		expect(allText(items)).not.toContain('secret-pass');
	});

	it('counts office lines when they are included, and pending lines as unhealthy when configured', async () => {
		const [summary] = await check({
			includeSummary: true,
			includeOffice: true,
			pendingAs: 'unhealthy',
		});
		expect(summary.lines).toEqual({ total: 4, healthy: 2, unhealthy: 2, pending: 1 });
		expect(summary.summary).toMatch(/^4 lines: 2 healthy, 2 unhealthy, 1 still registering\. /);
	});

	it('keeps the summary with Only Unhealthy Lines, and reports a failing default line as unhealthy', async () => {
		portal.sandbox.setDefaultOutgoing(bad.CONFIG_ID as number);
		const items = await check({ includeSummary: true, onlyUnhealthy: true });

		expect(items.map((item) => [item.itemType, item.TITLE])).toEqual([
			['summary', undefined],
			['line', 'Bad'],
		]);
		expect(items[0].defaultOutgoing).toMatchObject({
			value: `reg${bad.REG_ID}`,
			kind: 'sipLine',
			CONFIG_ID: bad.CONFIG_ID,
			TITLE: 'Bad',
			healthy: false,
			summary: FORBIDDEN_SUMMARY,
		});
		expect(items[0].summary).toContain(
			`Default outgoing line: "Bad" (${bad.CONFIG_ID}), unhealthy (${FORBIDDEN_SUMMARY})`,
		);
		expect(items[1]).toMatchObject({ isDefaultOutgoing: true, healthy: false });

		// nothing failing: the summary alone
		portal.sandbox.setServerBehaviour('sip.forbidden.example', null);
		const healthy = await check({ includeSummary: true, onlyUnhealthy: true });
		expect(healthy.map((item) => item.itemType)).toEqual(['summary']);
		expect(healthy[0].lines).toEqual({ total: 3, healthy: 3, unhealthy: 0, pending: 1 });
	});

	it('reports LINK_BASE_NUMBER as "no SIP default" with no health, and an unpaid connector', async () => {
		portal.sandbox.setDefaultOutgoing(null);
		portal.sandbox.setConnector({ FREE_MINUTES: 60, PAID: false });
		const [summary] = await check({ includeSummary: true });

		expect(summary.defaultOutgoing).toEqual({
			value: 'LINK_BASE_NUMBER',
			kind: 'none',
			CONFIG_ID: null,
			TITLE: null,
			TYPE: null,
			REG_ID: null,
			description: NO_SIP_DEFAULT,
			healthy: null,
			summary: null,
		});
		expect(summary.summary).toBe(
			'3 lines: 2 healthy, 1 unhealthy, 1 still registering. Default outgoing line: no SIP default (LINK_BASE_NUMBER). SIP connector: 60 free minutes, not paid.',
		);
		expect(summary.connector).toEqual({
			FREE_MINUTES: 60,
			PAID: false,
			PAID_DATE_END: null,
			daysLeft: null,
		});
	});

	it('resolves an office default without listing office lines (one filtered lookup), and a rented number', async () => {
		portal.sandbox.setDefaultOutgoing(office.CONFIG_ID as number);
		const [summary] = await check({ includeSummary: true });
		expect(summary.defaultOutgoing).toMatchObject({
			value: office.INCOMING_LOGIN,
			kind: 'sipLine',
			CONFIG_ID: office.CONFIG_ID,
			TYPE: 'office',
			healthy: true,
			summary: 'Office PBX — no registration to check (your PBX connects to Bitrix24)',
		});
		expect(portal.sandbox.log).toHaveLength(3);
		expect(portal.sandbox.log[2].params.FILTER).toEqual({
			TYPE: 'office',
			INCOMING_LOGIN: office.INCOMING_LOGIN,
		});

		// with the office lines listed, nothing is looked up
		await check({ includeSummary: true, includeOffice: true });
		expect(portal.sandbox.log).toHaveLength(2);

		const rented = portal.sandbox.addRentedNumber('74951234567', 'Moscow');
		portal.sandbox.setDefaultOutgoing(rented.configId);
		const [withNumber] = await check({ includeSummary: true, includeOffice: true });
		expect(withNumber.defaultOutgoing).toMatchObject({
			value: '74951234567',
			kind: 'number',
			CONFIG_ID: null,
			healthy: null,
		});
		expect(withNumber.summary).toContain(
			'Default outgoing line: the number 74951234567, not a SIP line.',
		);

		portal.sandbox.setDefaultOutgoing(portal.sandbox.addRestAppLine(12));
		const withAppItems = await check({ includeSummary: true, includeOffice: true });
		const [withApp] = withAppItems;
		expect(withApp.defaultOutgoing).toEqual({
			value: 'REST_APP:12',
			kind: 'restApp',
			CONFIG_ID: null,
			TITLE: null,
			TYPE: null,
			REG_ID: null,
			description: 'A REST telephony application (REST_APP:12), not a SIP line',
			healthy: null,
			summary: null,
		});
		expect(withApp.summary).toContain(
			'Default outgoing line: a REST telephony application (REST_APP:12), not a SIP line.',
		);
		expect(marked(withAppItems)).toEqual([]);
	});

	it("reads the registration of an unseen default cloud line by its REG_ID (OAuth application's line)", async () => {
		const appLine = portal.sandbox.addAppLine('app.crm', {
			title: 'App trunk',
			server: 'sip.forbidden.example',
			login: 'app',
		});
		portal.sandbox.advanceRegistrations(2);
		portal.sandbox.setDefaultOutgoing(appLine.configId);

		const items = await check({ includeSummary: true });
		expect(items[0].defaultOutgoing).toEqual({
			value: `reg${appLine.regId}`,
			kind: 'unknownSipLine',
			CONFIG_ID: null,
			TITLE: null,
			TYPE: 'cloud',
			REG_ID: appLine.regId,
			description: `A SIP line this webhook cannot see (reg${appLine.regId}): one made by an OAuth application`,
			healthy: false,
			summary: FORBIDDEN_SUMMARY,
		});
		expect(marked(items)).toEqual([]);
		// the unseen line is not counted among the lines
		expect(items[0].lines).toMatchObject({ total: 3 });
		expect(calls(portal)[2]).toBe('voximplant.sip.status');
	});
});

describe('Bitrix24 SIP Trigger: Default Outgoing Line Unhealthy', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	const lineOf = (title: string): IDataObject => {
		const line = portal.sandbox.lines().find((candidate) => candidate.title === title);
		if (!line) throw new Error(`no line ${title}`);
		return {
			CONFIG_ID: line.configId,
			TITLE: title,
			TYPE: line.type,
			SERVER: line.server,
			LOGIN: line.login,
			REG_ID: line.regId,
		};
	};
	const setDefault = async (title: string) => {
		const run = await portal.run({
			resource: 'line',
			operation: 'setDefaultOutgoing',
			configId: lineOf(title).CONFIG_ID as number,
		});
		expect(run.failure).toBeUndefined();
	};
	const stateOf = (trigger: ReturnType<typeof triggerRunner>) =>
		trigger.staticData[`node:${TRIGGER}`] as IDataObject;

	/** Two cloud lines, A the default; both registered. */
	const twoTrunks = async () => {
		await addLines(portal, [
			{ title: 'Trunk A', server: 'sip.a.example' },
			{ title: 'Trunk B', server: 'sip.b.example' },
		]);
		portal.sandbox.advanceRegistrations(2);
		expect(portal.sandbox.defaultOutgoing()).toBe(`reg${lineOf('Trunk A').REG_ID}`);
	};

	it('remembers the first poll, fires once when the default line fails, stays quiet, re-arms when healthy', async () => {
		await twoTrunks();
		const trigger = triggerRunner(portal, { events: ['defaultOutgoingUnhealthy'] });
		const a = lineOf('Trunk A');

		portal.sandbox.clearLog();
		expect(await trigger.pollJson()).toBeNull();
		expect(stateOf(trigger).defaultOutgoing).toEqual({ value: `reg${a.REG_ID}`, healthy: true });
		// lines, then the status calls and the default in one batch
		expect(calls(portal)).toEqual([
			'voximplant.sip.get',
			'batch[voximplant.sip.status,voximplant.sip.status,voximplant.line.outgoing.get]',
		]);

		// another line failing is not the default's business
		portal.sandbox.setServerBehaviour('sip.b.example', { statusCode: 403 });
		expect(await trigger.pollJson()).toBeNull();

		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		expect(await trigger.pollJson()).toEqual([
			{
				event: 'defaultOutgoingUnhealthy',
				message: `The default outgoing line "Trunk A" (${a.CONFIG_ID}) became unhealthy: ${FORBIDDEN_SUMMARY}`,
				defaultOutgoing: {
					value: `reg${a.REG_ID}`,
					kind: 'sipLine',
					previousValue: `reg${a.REG_ID}`,
				},
				line: a,
				previous: expect.objectContaining({
					STATUS_RESULT: 'success',
					healthy: true,
					summary: REGISTERED_SUMMARY,
				}),
				current: expect.objectContaining({
					STATUS_RESULT: 'error',
					STATUS_CODE: 403,
					healthy: false,
					summary: FORBIDDEN_SUMMARY,
				}),
				detectedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
			},
		]);
		expect(await trigger.pollJson()).toBeNull();
		expect(await trigger.pollJson()).toBeNull();

		// recovery emits nothing for this event, but re-arms it
		portal.sandbox.setServerBehaviour('sip.a.example', null);
		expect(await trigger.pollJson()).toBeNull();
		expect(stateOf(trigger).defaultOutgoing).toEqual({ value: `reg${a.REG_ID}`, healthy: true });
		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({ event: 'defaultOutgoingUnhealthy', line: a }),
		]);
		expect(allText(trigger.staticData)).not.toMatch(/secret-pass|PASSWORD/);
	});

	it('fires when the default moves to a failing line, also from another failing line, and not for no SIP default', async () => {
		await twoTrunks();
		portal.sandbox.setServerBehaviour('sip.b.example', { statusCode: 403 });
		const trigger = triggerRunner(portal, { events: ['defaultOutgoingUnhealthy'] });
		expect(await trigger.pollJson()).toBeNull();
		const a = lineOf('Trunk A');
		const b = lineOf('Trunk B');

		await setDefault('Trunk B');
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({
				event: 'defaultOutgoingUnhealthy',
				message: `The default outgoing line is now "Trunk B" (${b.CONFIG_ID}), which is unhealthy: ${FORBIDDEN_SUMMARY}`,
				defaultOutgoing: {
					value: `reg${b.REG_ID}`,
					kind: 'sipLine',
					previousValue: `reg${a.REG_ID}`,
				},
				line: b,
			}),
		]);
		expect(await trigger.pollJson()).toBeNull();

		// from one failing line to another: a new default that fails
		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		expect(await trigger.pollJson()).toBeNull();
		await setDefault('Trunk A');
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({
				event: 'defaultOutgoingUnhealthy',
				line: a,
				defaultOutgoing: expect.objectContaining({ previousValue: `reg${b.REG_ID}` }),
			}),
		]);

		// no SIP default: nothing to alert about, and moving back to a failing line is news again
		portal.sandbox.setDefaultOutgoing(null);
		expect(await trigger.pollJson()).toBeNull();
		expect(stateOf(trigger).defaultOutgoing).toEqual({ value: 'LINK_BASE_NUMBER', healthy: true });
		await setDefault('Trunk A');
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({ event: 'defaultOutgoingUnhealthy', line: a }),
		]);
	});

	it('stays silent on a first poll that finds the default already failing, and while it keeps failing', async () => {
		await twoTrunks();
		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		const trigger = triggerRunner(portal, {
			events: ['defaultOutgoingUnhealthy', 'lineUnhealthy'],
		});
		expect(await trigger.pollJson()).toBeNull();
		expect(stateOf(trigger).defaultOutgoing).toMatchObject({ healthy: false });
		expect(await trigger.pollJson()).toBeNull();
	});

	it('emits the line event and the default event side by side when both are chosen', async () => {
		await twoTrunks();
		const trigger = triggerRunner(portal, {
			events: ['lineUnhealthy', 'defaultOutgoingUnhealthy'],
		});
		expect(await trigger.pollJson()).toBeNull();
		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		expect((await trigger.pollJson())?.map((item) => item.event)).toEqual([
			'lineUnhealthy',
			'defaultOutgoingUnhealthy',
		]);
	});

	it('keeps the verdict of a pending registration by default, and re-arms on it when pending counts as healthy', async () => {
		await twoTrunks();
		const regId = lineOf('Trunk A').REG_ID as number;
		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		const unchanged = triggerRunner(portal, { events: ['defaultOutgoingUnhealthy'] });
		const healthy = triggerRunner(portal, {
			events: ['defaultOutgoingUnhealthy'],
			options: { pendingAs: 'healthy' },
		});
		expect(await unchanged.pollJson()).toBeNull();
		expect(await healthy.pollJson()).toBeNull();

		// error → in progress → error is not a recovery with "Unchanged"
		portal.sandbox.setRegistration(regId, { STATUS_RESULT: 'in_progress' });
		expect(await unchanged.pollJson()).toBeNull();
		expect(stateOf(unchanged).defaultOutgoing).toMatchObject({ healthy: false });
		expect(await unchanged.pollJson()).toBeNull();

		// with "Healthy" the pending registration re-arms the event, so the next failure fires again
		portal.sandbox.setRegistration(regId, { STATUS_RESULT: 'in_progress' });
		expect(await healthy.pollJson()).toBeNull();
		expect(stateOf(healthy).defaultOutgoing).toMatchObject({ healthy: true });
		expect(await healthy.pollJson()).toEqual([
			expect.objectContaining({ event: 'defaultOutgoingUnhealthy' }),
		]);
	});

	it("watches an unseen default cloud line (an OAuth application's) through its registration", async () => {
		await twoTrunks();
		const appLine = portal.sandbox.addAppLine('app.crm', {
			title: 'App trunk',
			server: 'sip.app.example',
			login: 'app',
			password: 'app-pass',
		});
		portal.sandbox.advanceRegistrations(2);
		portal.sandbox.setDefaultOutgoing(appLine.configId);
		const trigger = triggerRunner(portal, { events: ['defaultOutgoingUnhealthy'] });
		expect(await trigger.pollJson()).toBeNull();

		portal.sandbox.setServerBehaviour('sip.app.example', { statusCode: 403 });
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({
				event: 'defaultOutgoingUnhealthy',
				message: `The default outgoing line reg${appLine.regId} (a SIP line this webhook cannot see) became unhealthy: ${FORBIDDEN_SUMMARY}`,
				defaultOutgoing: {
					value: `reg${appLine.regId}`,
					kind: 'unknownSipLine',
					previousValue: `reg${appLine.regId}`,
				},
				line: null,
				previous: null,
				current: expect.objectContaining({ STATUS_CODE: 403, healthy: false }),
			}),
		]);
		expect(await trigger.pollJson()).toBeNull();
	});

	it('continues from state written before this event existed: the first poll with it only remembers', async () => {
		await twoTrunks();
		const old = triggerRunner(portal, { events: ['lineUnhealthy'] });
		expect(await old.pollJson()).toBeNull();
		expect(Object.keys(stateOf(old)).sort()).toEqual(['lines', 'version']);

		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		const upgraded = triggerRunner(
			portal,
			{ events: ['lineUnhealthy', 'defaultOutgoingUnhealthy'] },
			old.staticData,
		);
		// the line change is still seen; the default had no previous reading, so it is only remembered
		expect((await upgraded.pollJson())?.map((item) => item.event)).toEqual(['lineUnhealthy']);
		expect(stateOf(upgraded).defaultOutgoing).toMatchObject({ healthy: false });
		expect(await upgraded.pollJson()).toBeNull();
	});

	it('shows the default line as current state on a manual run and on a first run when asked', async () => {
		await twoTrunks();
		const a = lineOf('Trunk A');
		const current = {
			event: 'currentState',
			message: `Default outgoing line "Trunk A" (${a.CONFIG_ID}): Registered`,
			defaultOutgoing: { value: `reg${a.REG_ID}`, kind: 'sipLine', previousValue: null },
			line: a,
			previous: null,
			current: expect.objectContaining({ STATUS_RESULT: 'success', healthy: true }),
			detectedAt: expect.any(String),
		};

		// the editor's Fetch Test Event: only the default line's item when only its event is chosen
		expect(await fetchTestEvent(portal, { events: ['defaultOutgoingUnhealthy'] })).toEqual([
			current,
		]);

		const first = triggerRunner(portal, {
			events: ['defaultOutgoingUnhealthy'],
			options: { emitOnFirstRun: true },
		});
		expect(await first.pollJson()).toEqual([current]);
		expect(await first.pollJson()).toBeNull();

		portal.sandbox.setDefaultOutgoing(null);
		const none = triggerRunner(portal, { events: ['defaultOutgoingUnhealthy'] });
		expect(await none.pollJson('manual')).toEqual([
			expect.objectContaining({
				event: 'currentState',
				message: 'Default outgoing line: no SIP default (LINK_BASE_NUMBER)',
				defaultOutgoing: { value: 'LINK_BASE_NUMBER', kind: 'none', previousValue: null },
				line: null,
				current: null,
			}),
		]);
		// a manual run leaves the remembered state alone
		expect(none.staticData).toEqual({});

		// neither a number nor a REST application is a SIP line: no health, nothing to alert about
		portal.sandbox.setDefaultOutgoing(portal.sandbox.addCallerId('74957654321'));
		expect(await none.pollJson('manual')).toEqual([
			expect.objectContaining({
				message: 'Default outgoing line: the number 74957654321, not a SIP line',
				defaultOutgoing: { value: '74957654321', kind: 'number', previousValue: null },
				current: null,
			}),
		]);
		portal.sandbox.setDefaultOutgoing(portal.sandbox.addRestAppLine(12));
		expect(await none.pollJson('manual')).toEqual([
			expect.objectContaining({
				message:
					'Default outgoing line: a REST telephony application (REST_APP:12), not a SIP line',
				defaultOutgoing: { value: 'REST_APP:12', kind: 'restApp', previousValue: null },
				current: null,
			}),
		]);
	});
});
