import type { IDataObject } from 'n8n-workflow';

import { addLines, dateInDays, fetchTestEvent, TRIGGER, triggerRunner } from './helpers/health';
import { allText, TestPortal } from './helpers/portal';

const LINE_EVENTS = [
	'lineAdded',
	'lineRemoved',
	'registrationChanged',
	'lineUnhealthy',
	'lineRecovered',
];
const CONNECTOR_EVENTS = ['connectorMinutesLow', 'connectorPaidEnding'];

interface Status {
	result: string;
	code: number | null;
	message: string;
	healthy: boolean;
	summary: string;
}

/** The status object of an item, as the trigger writes it for a cloud line. */
function status({ result, code, message, healthy, summary }: Status): IDataObject {
	return {
		hasRegistration: true,
		STATUS_RESULT: result,
		STATUS_CODE: code,
		ERROR_MESSAGE: message,
		LAST_UPDATED: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
		healthy,
		summary,
	};
}

const REGISTERED = status({
	result: 'success',
	code: 200,
	message: '',
	healthy: true,
	summary: 'Registered',
});
const FORBIDDEN = status({
	result: 'error',
	code: 403,
	message: 'Forbidden',
	healthy: false,
	summary: 'SIP 403 Forbidden — check login and password',
});
const UNAUTHORIZED = status({
	result: 'error',
	code: 401,
	message: 'Unauthorized',
	healthy: false,
	summary: 'SIP 401 Unauthorized — check login and password',
});
const OFFICE = {
	hasRegistration: false,
	STATUS_RESULT: null,
	STATUS_CODE: null,
	ERROR_MESSAGE: null,
	LAST_UPDATED: null,
	healthy: true,
	summary: 'Office PBX — no registration to check (your PBX connects to Bitrix24)',
};

describe('Bitrix24 SIP Trigger', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await portal.close();
	});

	/** The identity part of a line item, read from the sandbox. */
	const lineOf = (title: string, login: string): IDataObject => {
		const line = portal.sandbox.lines().find((candidate) => candidate.title === title);
		if (!line) throw new Error(`no line ${title}`);
		return {
			CONFIG_ID: line.configId,
			TITLE: title,
			TYPE: line.type,
			SERVER: line.server,
			LOGIN: login,
			REG_ID: line.regId,
		};
	};

	it('remembers the first poll silently, then emits exactly one item per change and event', async () => {
		await addLines(portal, [
			{ title: 'Trunk A', server: 'sip.a.example' },
			{ title: 'Trunk B', server: 'sip.b.example' },
			{ title: 'Office', type: 'office' },
		]);
		portal.sandbox.advanceRegistrations(2);
		const trigger = triggerRunner(portal, { events: LINE_EVENTS });
		const a = () => lineOf('Trunk A', 'user0');
		const detectedAt = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/);

		// first run: nothing, but the state is saved
		expect(await trigger.pollJson()).toBeNull();
		const saved = trigger.staticData[`node:${TRIGGER}`] as IDataObject;
		expect(saved.version).toBe(1);
		expect(Object.keys(saved.lines as IDataObject)).toHaveLength(3);
		expect(allText(trigger.staticData)).not.toMatch(/secret-pass|PASSWORD/);
		expect(trigger.saves).toBe(1);

		// no change: nothing, and nothing to save
		expect(await trigger.pollJson()).toBeNull();
		expect(trigger.saves).toBe(1);

		// the server of A starts refusing
		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		expect(await trigger.pollJson()).toEqual([
			{
				event: 'registrationChanged',
				message: `The registration of line "Trunk A" (${a().CONFIG_ID}) changed from success to error (SIP 403): SIP 403 Forbidden — check login and password`,
				line: a(),
				previous: REGISTERED,
				current: FORBIDDEN,
				detectedAt,
			},
			{
				event: 'lineUnhealthy',
				message: `Line "Trunk A" (${a().CONFIG_ID}) became unhealthy: SIP 403 Forbidden — check login and password`,
				line: a(),
				previous: REGISTERED,
				current: FORBIDDEN,
				detectedAt,
			},
		]);
		expect(await trigger.pollJson()).toBeNull();

		// the provider now wants another password: still unhealthy, but the status changed
		portal.sandbox.setServerBehaviour('sip.a.example', { requirePassword: 'new-pass' });
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({
				event: 'registrationChanged',
				previous: FORBIDDEN,
				current: UNAUTHORIZED,
			}),
		]);

		// the password is changed: Bitrix24 registers again; in progress is not yet a recovery
		const update = await portal.run({
			resource: 'line',
			operation: 'update',
			configId: a().CONFIG_ID as number,
			updateFields: { password: 'new-pass' },
		});
		expect(update.failure).toBeUndefined();
		const inProgress = await trigger.pollJson();
		expect(inProgress).toEqual([
			expect.objectContaining({
				event: 'registrationChanged',
				previous: UNAUTHORIZED,
				current: expect.objectContaining({
					STATUS_RESULT: 'in_progress',
					healthy: false,
					summary: 'Registration in progress',
				}),
			}),
		]);
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({ event: 'registrationChanged', current: REGISTERED }),
			{
				event: 'lineRecovered',
				message: `Line "Trunk A" (${a().CONFIG_ID}) recovered: Registered`,
				line: a(),
				previous: expect.objectContaining({ STATUS_RESULT: 'in_progress', healthy: false }),
				current: REGISTERED,
				detectedAt,
			},
		]);
		expect(await trigger.pollJson()).toBeNull();

		// a line added and a line removed
		const office = lineOf('Office', 'user2');
		const removed = await portal.run({
			resource: 'line',
			operation: 'delete',
			configId: office.CONFIG_ID as number,
		});
		expect(removed.failure).toBeUndefined();
		await addLines(portal, [{ title: 'Trunk C', server: 'sip.c.example' }]);
		portal.sandbox.advanceRegistrations(2);
		const c = lineOf('Trunk C', 'user0');
		expect(await trigger.pollJson()).toEqual([
			{
				event: 'lineRemoved',
				message: `Line "Office" (${office.CONFIG_ID}) was removed`,
				line: { ...office, REG_ID: null },
				previous: OFFICE,
				current: null,
				detectedAt,
			},
			{
				event: 'lineAdded',
				message: `Line "Trunk C" (${c.CONFIG_ID}) was added: cloud PBX at sip.c.example`,
				line: c,
				previous: null,
				current: REGISTERED,
				detectedAt,
			},
		]);
		expect(await trigger.pollJson()).toBeNull();
	});

	it('emits only the chosen events, and reports a new line that already fails as unhealthy', async () => {
		await addLines(portal, [{ title: 'Trunk A', server: 'sip.a.example' }]);
		portal.sandbox.advanceRegistrations(2);
		const trigger = triggerRunner(portal, { events: ['lineUnhealthy'] });
		expect(await trigger.pollJson()).toBeNull();

		portal.sandbox.setServerBehaviour('sip.bad.example', { statusCode: 503 });
		await addLines(portal, [{ title: 'Trunk Bad', server: 'sip.bad.example' }]);
		portal.sandbox.advanceRegistrations(2);

		const items = await trigger.pollJson();
		expect(items).toEqual([
			expect.objectContaining({
				event: 'lineUnhealthy',
				line: expect.objectContaining({ TITLE: 'Trunk Bad' }),
				previous: null,
				current: expect.objectContaining({
					STATUS_CODE: 503,
					summary:
						'SIP 503 Service Unavailable — the SIP server is down or overloaded: try again later or ask your SIP provider',
				}),
			}),
		]);

		// a recovery is not among the chosen events
		portal.sandbox.setServerBehaviour('sip.bad.example', null);
		expect(await trigger.pollJson()).toBeNull();
		const state = trigger.staticData[`node:${TRIGGER}`] as {
			lines: Record<string, { healthy: boolean }>;
		};
		expect(Object.values(state.lines).map((line) => line.healthy)).toEqual([true, true]);
	});

	it('counts a pending registration as healthy when configured, reporting a recovery early', async () => {
		await addLines(portal, [{ title: 'Trunk A', server: 'sip.a.example' }]);
		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		portal.sandbox.advanceRegistrations(2);
		const trigger = triggerRunner(portal, {
			events: ['lineRecovered', 'lineUnhealthy'],
			options: { pendingAs: 'healthy' },
		});
		expect(await trigger.pollJson()).toBeNull();

		const [line] = portal.sandbox.lines();
		portal.sandbox.setRegistration(line.regId as number, { STATUS_RESULT: 'in_progress' });
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({
				event: 'lineRecovered',
				current: expect.objectContaining({ STATUS_RESULT: 'in_progress', healthy: true }),
			}),
		]);
		// the status read moved the registration on: it failed again
		expect(await trigger.pollJson()).toEqual([expect.objectContaining({ event: 'lineUnhealthy' })]);
	});

	it('alerts once when the free minutes drop below the threshold and once per paid period about to end', async () => {
		portal.sandbox.setConnector({ FREE_MINUTES: 60, PAID: false });
		const trigger = triggerRunner(portal, {
			events: CONNECTOR_EVENTS,
			minutesThreshold: 10,
			paidWithinDays: 7,
		});
		const connector = (minutes: number, paid = false, end?: string) =>
			portal.sandbox.setConnector({
				FREE_MINUTES: minutes,
				PAID: paid,
				...(end ? { PAID_DATE_END: end } : {}),
			});

		expect(await trigger.pollJson()).toBeNull();
		// only the connector is read when only connector events are chosen
		expect(portal.sandbox.log.map((entry) => entry.restMethod)).toEqual([
			'voximplant.sip.connector.status',
		]);

		connector(30);
		expect(await trigger.pollJson()).toBeNull();
		connector(5);
		expect(await trigger.pollJson()).toEqual([
			{
				event: 'connectorMinutesLow',
				message: 'The SIP connector has 5 free minutes left, below the threshold of 10',
				connector: { FREE_MINUTES: 5, PAID: false, PAID_DATE_END: null, daysLeft: null },
				previous: { FREE_MINUTES: 30, PAID: false, PAID_DATE_END: null },
				detectedAt: expect.any(String),
			},
		]);
		connector(3);
		expect(await trigger.pollJson()).toBeNull();
		connector(60);
		expect(await trigger.pollJson()).toBeNull();
		connector(9);
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({ event: 'connectorMinutesLow' }),
		]);

		connector(60, true, dateInDays(30));
		expect(await trigger.pollJson()).toBeNull();
		const soon = dateInDays(5);
		connector(60, true, soon);
		expect(await trigger.pollJson()).toEqual([
			{
				event: 'connectorPaidEnding',
				message: `The paid period of the SIP connector ends in 5 days, on ${soon}`,
				connector: { FREE_MINUTES: 60, PAID: true, PAID_DATE_END: soon, daysLeft: 5 },
				previous: { FREE_MINUTES: 60, PAID: true, PAID_DATE_END: dateInDays(30) },
				detectedAt: expect.any(String),
			},
		]);
		expect(await trigger.pollJson()).toBeNull();
		// a renewal with another short period is a new period to warn about
		connector(60, true, dateInDays(2));
		expect(await trigger.pollJson()).toEqual([
			expect.objectContaining({
				event: 'connectorPaidEnding',
				connector: expect.objectContaining({ daysLeft: 2 }),
			}),
		]);
	});

	it('emits the current state on the first run when asked, and changes only afterwards', async () => {
		await addLines(portal, [
			{ title: 'Trunk A', server: 'sip.a.example' },
			{ title: 'Office', type: 'office' },
		]);
		portal.sandbox.advanceRegistrations(2);
		portal.sandbox.setConnector({ FREE_MINUTES: 42, PAID: false });
		const trigger = triggerRunner(portal, {
			events: ['lineUnhealthy', 'connectorMinutesLow'],
			options: { emitOnFirstRun: true },
		});

		const first = await trigger.pollJson();
		expect(first).toEqual([
			expect.objectContaining({
				event: 'currentState',
				message: `Line "Trunk A" (${lineOf('Trunk A', 'user0').CONFIG_ID}): Registered`,
				line: lineOf('Trunk A', 'user0'),
				previous: null,
				current: REGISTERED,
			}),
			expect.objectContaining({
				event: 'currentState',
				line: lineOf('Office', 'user1'),
				current: OFFICE,
			}),
			expect.objectContaining({
				event: 'currentState',
				message: 'SIP connector: 42 free minutes, not paid',
				connector: { FREE_MINUTES: 42, PAID: false, PAID_DATE_END: null, daysLeft: null },
				previous: null,
			}),
		]);
		expect(await trigger.pollJson()).toBeNull();
	});

	it('keeps its state only in the static data: another instance continues from the saved copy', async () => {
		await addLines(portal, [{ title: 'Trunk A', server: 'sip.a.example' }]);
		portal.sandbox.advanceRegistrations(2);
		const parameters = { events: ['lineUnhealthy'] };
		const main = triggerRunner(portal, parameters);
		expect(await main.pollJson()).toBeNull();

		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		// the next poll runs elsewhere (another main after a restart or a leader change): only the saved data travels
		const other = triggerRunner(portal, parameters, main.staticData);
		expect(await other.pollJson()).toEqual([expect.objectContaining({ event: 'lineUnhealthy' })]);
		// an instance that never saw static data starts over: it only remembers
		const fresh = triggerRunner(portal, parameters);
		expect(await fresh.pollJson()).toBeNull();
	});

	it('shows the current state in a manual run from the editor and leaves the saved state alone', async () => {
		await addLines(portal, [{ title: 'Trunk A', server: 'sip.a.example' }]);
		portal.sandbox.advanceRegistrations(2);
		const trigger = triggerRunner(portal, { events: ['lineUnhealthy'] });

		// the editor runs the poll through the engine, in manual mode
		expect(await fetchTestEvent(portal, { events: ['lineUnhealthy'] })).toEqual([
			expect.objectContaining({ event: 'currentState', current: REGISTERED }),
		]);

		expect(await trigger.pollJson()).toBeNull();
		const saved = trigger.staticData;
		portal.sandbox.setServerBehaviour('sip.a.example', { statusCode: 403 });
		expect(await trigger.pollJson('manual')).toEqual([
			expect.objectContaining({ event: 'currentState', current: FORBIDDEN }),
		]);
		expect(trigger.staticData).toEqual(saved);
		// the active trigger still sees the change
		expect(await trigger.pollJson()).toEqual([expect.objectContaining({ event: 'lineUnhealthy' })]);
	});

	it('fails with a clear error and keeps its state when the portal refuses, without the secret', async () => {
		await addLines(portal, [{ title: 'Trunk A', server: 'sip.a.example' }]);
		const trigger = triggerRunner(portal, { events: ['lineUnhealthy'] });
		expect(await trigger.pollJson()).toBeNull();
		const saved = trigger.staticData;

		const denied = portal.sandbox.addWebhook({ canManageNumbers: false });
		const refused = triggerRunner(portal, { events: ['lineUnhealthy'] }, saved, denied.url);
		const error = await refused.poll().catch((caught: unknown) => caught as Error & IDataObject);
		expect(error).toMatchObject({
			name: 'NodeApiError',
			message: "Bitrix24 denied access: the webhook's user lacks the telephony permission",
		});
		expect(allText(error)).not.toContain(denied.secret);
		expect(refused.staticData).toEqual(saved);

		const badUrl = triggerRunner(
			portal,
			{ events: ['lineUnhealthy'] },
			saved,
			'https://portal.example/rest/1/topsecret99/extra/path',
		);
		await expect(badUrl.poll()).rejects.toMatchObject({ name: 'NodeOperationError' });
		await badUrl
			.poll()
			.catch((caught: unknown) => expect(allText(caught)).not.toContain('topsecret99'));
	});

	it('refuses to run without an event, before calling the portal', async () => {
		const trigger = triggerRunner(portal, { events: [] });

		await expect(trigger.poll()).rejects.toMatchObject({
			name: 'NodeOperationError',
			message: 'No event chosen',
		});
		expect(portal.sandbox.log).toHaveLength(0);
	});
});
