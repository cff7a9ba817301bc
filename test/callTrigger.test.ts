import type { IDataObject, INodeParameters } from 'n8n-workflow';

import type { WebhookHarness } from './harness/webhook';
import { post } from './harness/webhook';
import {
	APP_TOKEN,
	callEndData,
	captureLogs,
	eventBody,
	runItems,
	startCallTrigger,
	testTokenCredential,
} from './helpers/calls';
import type { CallTriggerOptions } from './helpers/calls';
import { allText, TestPortal } from './helpers/portal';
import type { CallSpec, DeliveryOptions, OutgoingWebhook } from './sandbox';

describe('Bitrix24 SIP Call Trigger', () => {
	let portal: TestPortal;
	const harnesses: WebhookHarness[] = [];

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		await Promise.all(harnesses.splice(0).map(async (harness) => await harness.close()));
		await portal.close();
	});

	async function trigger(
		parameters: INodeParameters = {},
		options: CallTriggerOptions = {},
	): Promise<WebhookHarness> {
		const harness = await startCallTrigger(portal, parameters, options);
		harnesses.push(harness);
		return harness;
	}

	/** Posts one delivery and returns the item of the run it started (fails when none started). */
	async function deliver(harness: WebhookHarness, body: string): Promise<IDataObject> {
		const before = harness.runs.length;
		const answer = await post(harness.url, body);
		expect([answer.status, answer.text]).toEqual([200, '{"result":"accepted"}']);
		await harness.settled();
		expect(harness.runs.length).toBe(before + 1);
		const run = harness.runs[before];
		expect(run.result.error).toBeUndefined();
		expect(run.json).toHaveLength(1);
		return run.json[0];
	}

	/** Posts one delivery and checks that it started nothing; returns the answer. */
	async function deliverNothing(harness: WebhookHarness, body: string, status = 200) {
		const before = harness.runs.length;
		const answer = await post(harness.url, body);
		expect(answer.status).toBe(status);
		await harness.settled();
		expect(harness.runs.length).toBe(before);
		return answer;
	}

	/** The sandbox's outgoing webhook, pointed at the trigger's URL, with the trigger's token. */
	function subscribe(
		harness: WebhookHarness,
		events: string[] = ['ONVOXIMPLANTCALLEND'],
		token = APP_TOKEN,
	): OutgoingWebhook {
		return portal.sandbox.addOutgoingWebhook({ url: harness.url, events, token });
	}

	/**
	 * A call placed on the sandbox portal, which posts its events to the subscribed trigger as
	 * Bitrix24 does; returns what the portal saw and the items of the runs the call started.
	 */
	async function place(harness: WebhookHarness, spec: CallSpec, options: DeliveryOptions = {}) {
		const before = harness.runs.length;
		const placed = await portal.sandbox.placeCall(spec, options);
		await harness.settled();
		const runs = harness.runs.slice(before);
		for (const run of runs) expect(run.result.error).toBeUndefined();
		return { placed, items: runs.flatMap((run) => run.json) };
	}

	describe('call end', () => {
		it('turns a successful call end from the portal into one typed item, answered 200 at once', async () => {
			const trunk = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			const harness = await trigger();
			subscribe(harness);
			const { placed, items } = await place(harness, {
				configId: trunk.configId,
				duration: 65,
				cost: 0.52,
				startedAt: new Date('2026-03-11T14:28:46Z'),
				crmActivityId: 4711,
			});
			expect(placed.deliveries).toEqual([
				expect.objectContaining({
					event: 'ONVOXIMPLANTCALLEND',
					status: 200,
					timedOut: false,
					responseText: '{"result":"accepted"}',
				}),
			]);
			const handlerId = placed.deliveries[0].handlerId;
			expect(items).toEqual([
				{
					event: 'callEnd',
					message: `Outgoing call to +74951112233 on line reg${trunk.regId} succeeded (65 s)`,
					CALL_ID: placed.callId,
					CALL_TYPE: 1,
					callType: 'outgoing',
					PHONE_NUMBER: '+74951112233',
					PORTAL_NUMBER: `reg${trunk.regId}`,
					PORTAL_USER_ID: 1,
					CALL_DURATION: 65,
					CALL_START_DATE: '2026-03-11T14:28:46.000Z',
					CALL_START_DATE_PORTAL: '2026-03-11T17:28:46+03:00',
					COST: 0.52,
					COST_CURRENCY: 'RUB',
					CALL_FAILED_CODE: '200',
					CALL_FAILED_REASON: 'The call was successful',
					failed: false,
					failure: null,
					CRM_ACTIVITY_ID: 4711,
					line: {
						identified: true,
						kind: 'sipLine',
						type: 'cloud',
						searchId: `reg${trunk.regId}`,
						CONFIG_ID: null,
						TITLE: null,
						REG_ID: trunk.regId,
						description: `cloud SIP line reg${trunk.regId}`,
					},
					sentAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/),
					eventHandlerId: handlerId,
					portal: new URL(portal.sandbox.baseUrl).host,
				},
			]);
			expect(Math.abs(Date.parse(String(items[0].sentAt)) - Date.now())).toBeLessThan(60_000);
		});

		it('says why a call failed, in words', async () => {
			const trunk = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			const harness = await trigger();
			subscribe(harness);
			const { placed, items } = await place(harness, {
				configId: trunk.configId,
				code: '486',
				type: 2,
			});
			expect(items).toEqual([
				expect.objectContaining({
					CALL_ID: placed.callId,
					CALL_TYPE: 2,
					callType: 'incoming',
					CALL_DURATION: 0,
					CALL_FAILED_CODE: '486',
					CALL_FAILED_REASON: 'Busy',
					failed: true,
					failure: 'busy',
					message: `Incoming call from +74951112233 on line reg${trunk.regId} failed: busy (486)`,
				}),
			]);
		});

		it.each([
			['304', 'missed (nobody answered)'],
			['603', 'declined'],
			['603-S', 'canceled'],
			['403', 'forbidden'],
			['404', 'invalid number'],
			['486', 'busy'],
			['484', 'route unavailable'],
			['503', 'route unavailable'],
			['480', 'temporarily unavailable'],
			['402', 'insufficient funds on the provider balance'],
			['402-B24', 'unavailable on the free Bitrix24 plan'],
			['423', 'blocked'],
			['500', 'server error'],
			['OTHER', 'undefined failure'],
			['999', 'unknown code 999'],
			['', 'no result code'],
		])('CALL_FAILED_CODE %j is a failed call: %s', async (code, words) => {
			const harness = await trigger();
			subscribe(harness);
			const { items } = await place(harness, { portalNumber: 'reg1', code });
			expect(items).toEqual([
				expect.objectContaining({ CALL_FAILED_CODE: code, failed: true, failure: words }),
			]);
		});

		it('takes a missing key as null, as PHP leaves null out: an infocall has no PORTAL_USER_ID, a call without CRM no activity', async () => {
			const harness = await trigger();
			subscribe(harness);
			const { placed, items } = await place(harness, {
				portalNumber: 'reg1',
				type: 5,
				crmActivityId: null,
			});
			expect(placed.deliveries[0].body).not.toMatch(/PORTAL_USER_ID|CRM_ACTIVITY_ID/);
			expect(items[0]).toMatchObject({
				CALL_TYPE: 5,
				callType: 'infocall',
				PORTAL_USER_ID: null,
				CRM_ACTIVITY_ID: null,
				COST: 0,
			});
			expect(items[0].message).toBe('Info call to +74951112233 on line reg1 succeeded (60 s)');
		});

		it('types every number and date, and makes garbage null rather than NaN', async () => {
			const harness = await trigger();
			const item = await deliver(
				harness,
				eventBody(
					callEndData({
						CALL_TYPE: 'abc',
						PORTAL_USER_ID: '',
						CALL_DURATION: '12.5',
						CALL_START_DATE: '2026-02-30T10:00:00+03:00',
						COST: '1e400',
						CRM_ACTIVITY_ID: '\uD83D\uDE00',
					}),
					{ ts: 'yesterday', handlerId: undefined },
				),
			);
			expect(item).toMatchObject({
				CALL_TYPE: null,
				callType: 'unknown',
				PORTAL_USER_ID: null,
				CALL_DURATION: null,
				CALL_START_DATE: null,
				CALL_START_DATE_PORTAL: '2026-02-30T10:00:00+03:00',
				COST: null,
				CRM_ACTIVITY_ID: null,
				sentAt: null,
			});
			expect(JSON.stringify(item)).not.toMatch(/NaN|Infinity/);
		});

		it('reads dates in any offset (and Z), and leaves a date without offset unplaced', async () => {
			const harness = await trigger();
			const dates: Array<[string, string | null]> = [
				['2026-03-11T17:28:46+03:00', '2026-03-11T14:28:46.000Z'],
				['2026-03-11T07:28:46-0500', '2026-03-11T12:28:46.000Z'],
				['2026-03-11T12:28:46Z', '2026-03-11T12:28:46.000Z'],
				['2026-03-11 17:28:46', null],
			];
			for (const [raw, iso] of dates) {
				const item = await deliver(harness, eventBody(callEndData({ CALL_START_DATE: raw })));
				expect([item.CALL_START_DATE, item.CALL_START_DATE_PORTAL]).toEqual([iso, raw]);
			}
		});
	});

	describe('the application token', () => {
		it('answers a wrong or missing token 401 and starts nothing, naming neither token', async () => {
			const logs = captureLogs();
			try {
				const harness = await trigger();
				const wrong = 'z'.repeat(32);
				for (const token of [
					wrong,
					null,
					'',
					APP_TOKEN.toUpperCase(),
					`${APP_TOKEN}x`,
					APP_TOKEN.slice(1),
				]) {
					const answer = await deliverNothing(harness, eventBody(callEndData(), { token }), 401);
					expect(answer.json).toEqual({
						error: 'INVALID_TOKEN',
						message:
							"auth[application_token] is missing or is not the token of this trigger's credential",
					});
				}
				// a JSON body and an empty one are refused the same way
				await deliverNothing(
					harness,
					JSON.stringify({ event: 'ONVOXIMPLANTCALLEND', data: callEndData() }),
					401,
				);
				expect((await post(harness.url, '')).status).toBe(401);
				expect(
					(
						await post(
							harness.url,
							JSON.stringify({ auth: { application_token: wrong } }),
							'application/json',
						)
					).status,
				).toBe(401);
				await harness.settled();
				expect(harness.runs).toHaveLength(0);
				expect(logs.lines.filter((line) => line.includes('refused'))).toHaveLength(9);
				expect(allText([harness.requests, logs.lines])).not.toContain(APP_TOKEN);
				expect(allText([harness.requests, logs.lines])).not.toContain(wrong);
			} finally {
				logs.stop();
			}
		});

		it("answers the portal's delivery with another webhook's token 401: a forged sender starts nothing", async () => {
			const logs = captureLogs();
			try {
				const harness = await trigger();
				subscribe(harness);
				const forged = await place(
					harness,
					{ portalNumber: 'reg1', code: '486' },
					{ wrongToken: true },
				);
				expect(forged.placed.deliveries).toEqual([
					expect.objectContaining({ status: 401, timedOut: false }),
				]);
				expect(JSON.parse(forged.placed.deliveries[0].responseText)).toEqual({
					error: 'INVALID_TOKEN',
					message:
						"auth[application_token] is missing or is not the token of this trigger's credential",
				});
				expect(forged.items).toEqual([]);
				expect(logs.lines).toEqual([
					"warn: Bitrix24 SIP Call Trigger refused a request: auth[application_token] is not this credential's token {}",
				]);
				// the same webhook's real token passes
				expect((await place(harness, { portalNumber: 'reg1', code: '486' })).items).toHaveLength(1);
			} finally {
				logs.stop();
			}
		});

		it('accepts the token with spaces pasted around it in the credential', async () => {
			const harness = await trigger({}, { token: ` ${APP_TOKEN}\n` });
			await deliver(harness, eventBody(callEndData()));
		});

		it('refuses every other token, whatever its length or wherever it differs, and accepts the right one', async () => {
			const harness = await trigger();
			const other = (char: string) => (char === 'a' ? 'b' : 'a');
			for (const token of [
				`${APP_TOKEN.slice(0, -1)}${other(APP_TOKEN.slice(-1))}`,
				`${other(APP_TOKEN[0])}${APP_TOKEN.slice(1)}`,
				'short',
				`${APP_TOKEN}${APP_TOKEN}`,
				// as many characters as the token, twice as many bytes
				'é'.repeat(APP_TOKEN.length),
				' ',
			]) {
				const answer = await deliverNothing(harness, eventBody(callEndData(), { token }), 401);
				expect(answer.json).toEqual({
					error: 'INVALID_TOKEN',
					message:
						"auth[application_token] is missing or is not the token of this trigger's credential",
				});
			}
			await deliver(harness, eventBody(callEndData()));
		});

		it("checks the token's form in the credential's Test button, and says that only a call proves it", async () => {
			expect(await testTokenCredential({ applicationToken: APP_TOKEN })).toEqual({
				status: 'OK',
				message: expect.stringMatching(/form Bitrix24 issues.*Only a real call can prove/),
			});
			const pasted = await testTokenCredential({ applicationToken: `${APP_TOKEN} ` });
			expect(pasted).toEqual({
				status: 'Error',
				message: expect.stringMatching(/spaces or line breaks around it/),
			});
			const empty = await testTokenCredential({ applicationToken: '' });
			expect(empty).toEqual({
				status: 'Error',
				message: expect.stringMatching(/empty.*Outgoing webhook/),
			});
			const url = await testTokenCredential({
				applicationToken: 'https://portal.bitrix24.com/rest/1/abc/',
			});
			expect(url).toEqual({
				status: 'Error',
				message: expect.stringMatching(/does not look like a Bitrix24 application token/),
			});
			expect(url.message).not.toContain('abc');
		});
	});

	describe('answering Bitrix24', () => {
		it('answers before a slow line lookup: Bitrix24 gets its 200 long before its own time-out, the run follows', async () => {
			await portal.close();
			// the portal waits 1 s for an answer; every REST call of the lookup takes 1.5 s
			portal = await TestPortal.start({ deliveryTimeoutMs: 1000, latencyMs: 1500 });
			const trunk = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			const harness = await trigger({ lookUpLines: true });
			subscribe(harness);
			const placed = await portal.sandbox.placeCall({ configId: trunk.configId, code: '480' });
			const [delivery] = placed.deliveries;
			expect(delivery).toMatchObject({
				status: 200,
				timedOut: false,
				responseText: '{"result":"accepted"}',
			});
			expect(delivery.ms).toBeLessThan(500);
			const [run] = await harness.waitForRuns(1, 20_000);
			expect(run.request.answeredMs).toBeLessThan(500);
			expect(run.request.webhookMs).toBeGreaterThanOrEqual(1400);
			expect(run.finishedMs).toBeGreaterThan(run.request.answeredMs + 1000);
			expect(run.json[0]).toMatchObject({
				CALL_ID: placed.callId,
				failure: 'temporarily unavailable',
			});
			expect(run.json[0].line).toMatchObject({ CONFIG_ID: trunk.configId, TITLE: 'Trunk A' });
		});

		it('answers 200 without a run for an event the node does not take', async () => {
			const harness = await trigger({ events: ['ONVOXIMPLANTCALLEND'] });
			subscribe(harness, ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLSTART', 'ONVOXIMPLANTCALLEND']);
			const { placed, items } = await place(harness, { portalNumber: 'reg1', duration: 30 });
			expect(
				placed.deliveries.map((delivery) => [
					delivery.event,
					delivery.status,
					delivery.responseText,
				]),
			).toEqual([
				[
					'ONVOXIMPLANTCALLINIT',
					200,
					'{"result":"ignored","message":"ONVOXIMPLANTCALLINIT is not among this trigger\'s events"}',
				],
				[
					'ONVOXIMPLANTCALLSTART',
					200,
					'{"result":"ignored","message":"ONVOXIMPLANTCALLSTART is not among this trigger\'s events"}',
				],
				['ONVOXIMPLANTCALLEND', 200, '{"result":"accepted"}'],
			]);
			expect(items.map((item) => item.event)).toEqual(['callEnd']);
		});

		it('answers a malformed but authenticated request 400 with the reason, and starts nothing', async () => {
			const harness = await trigger();
			const noEvent = await deliverNothing(harness, eventBody(callEndData(), { event: '' }), 400);
			expect(noEvent.json).toEqual({
				error: 'INVALID_REQUEST',
				message: 'The request names no event (field "event")',
			});
			const unknown = await deliverNothing(
				harness,
				eventBody(callEndData(), { event: 'ONCRMLEADADD' }),
				400,
			);
			expect(unknown.json?.message).toMatch(
				/^The event "ONCRMLEADADD" is not a call event this trigger reads/,
			);
			const noData = await deliverNothing(
				harness,
				`event=ONVOXIMPLANTCALLEND&data=x&auth%5Bapplication_token%5D=${APP_TOKEN}`,
				400,
			);
			expect(noData.json?.message).toBe(
				'The ONVOXIMPLANTCALLEND request carries no call data (fields "data[…]")',
			);
			// n8n itself refuses JSON it cannot parse, before the node runs
			expect((await post(harness.url, '{"event":', 'application/json')).status).toBe(422);
		});

		it('reads a body that arrives as nested JSON instead of a form', async () => {
			const harness = await trigger();
			const data = callEndData({ CALL_FAILED_CODE: '304' });
			const answer = await post(
				harness.url,
				JSON.stringify({
					event: 'ONVOXIMPLANTCALLEND',
					data,
					ts: '1773239326',
					auth: { application_token: APP_TOKEN },
				}),
				'application/json',
			);
			expect(answer.status).toBe(200);
			const [run] = await harness.waitForRuns(1);
			expect(run.json[0]).toMatchObject({
				CALL_ID: data.CALL_ID,
				CALL_TYPE: 1,
				COST: 0.52,
				failed: true,
				failure: 'missed (nobody answered)',
			});
		});

		it('keeps half an emoji as a replacement character, in a form and in JSON', async () => {
			const harness = await trigger();
			const form = eventBody(callEndData({ PHONE_NUMBER: 'X' })).replace(
				'PHONE_NUMBER%5D=X',
				'PHONE_NUMBER%5D=%2B7%F0%9F',
			);
			const fromForm = await deliver(harness, form);
			expect(fromForm.PHONE_NUMBER).toBe('+7\uFFFD');
			const json = `{"event":"ONVOXIMPLANTCALLEND","auth":{"application_token":"${APP_TOKEN}"},"data":{"CALL_ID":"a\\ud83d","CALL_FAILED_CODE":"\\ude00486","CALL_DURATION":"\\ud83d"}}`;
			const answer = await post(harness.url, json, 'application/json');
			expect(answer.status).toBe(200);
			await harness.settled();
			const item = harness.runs[1].json[0];
			expect(item).toMatchObject({
				CALL_ID: 'a\uFFFD',
				CALL_FAILED_CODE: '\uFFFD486',
				CALL_DURATION: null,
				failed: true,
			});
			expect(item.failure).toBe('unknown code \uFFFD486');
		});

		it('is served the same on the Test URL while the editor listens', async () => {
			const harness = await trigger({}, { mode: 'manual' });
			expect(harness.url).toContain('/webhook-test/');
			await harness.activate('manual');
			const item = await deliver(harness, eventBody(callEndData({ CALL_FAILED_CODE: '603' })));
			expect(item).toMatchObject({ failure: 'declined' });
		});
	});

	describe('call init and call start', () => {
		it('reads Call Init with its line and Call Start with its user, in the order the portal sends them', async () => {
			const office = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Office PBX',
				server: 'pbx.example',
				login: 'o',
			});
			const harness = await trigger({
				events: ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLSTART', 'ONVOXIMPLANTCALLEND'],
			});
			subscribe(harness, ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLSTART', 'ONVOXIMPLANTCALLEND']);
			const { placed, items } = await place(harness, {
				configId: office.configId,
				type: 2,
				duration: 30,
				userId: 5,
			});
			const common = {
				sentAt: expect.stringMatching(/Z$/),
				eventHandlerId: expect.any(Number),
				portal: new URL(portal.sandbox.baseUrl).host,
			};
			expect(items).toEqual([
				{
					event: 'callInit',
					message: `Incoming call from +74951112233 started on line ${office.incomingLogin}`,
					CALL_ID: placed.callId,
					CALL_TYPE: 2,
					callType: 'incoming',
					ACCOUNT_SEARCH_ID: office.incomingLogin,
					// an incoming call's PHONE_NUMBER is the line; the caller is CALLER_ID
					PHONE_NUMBER: office.incomingLogin,
					CALLER_ID: '+74951112233',
					otherPartyNumber: '+74951112233',
					REST_APP_ID: null,
					line: expect.objectContaining({
						identified: true,
						kind: 'sipLine',
						type: 'office',
						searchId: office.incomingLogin,
					}),
					...common,
				},
				{
					event: 'callStart',
					message: `Call ${placed.callId} was answered by user 5`,
					CALL_ID: placed.callId,
					USER_ID: 5,
					line: expect.objectContaining({
						identified: false,
						kind: 'none',
						searchId: null,
						description: expect.stringMatching(/Call Start events carry no line/),
					}),
					...common,
				},
				expect.objectContaining({ event: 'callEnd', CALL_ID: placed.callId, PORTAL_USER_ID: 5 }),
			]);
			// each event has its own handler id, as each is a handler row in Bitrix24
			expect(new Set(items.map((item) => item.eventHandlerId)).size).toBe(3);
		});

		it("reads a REST application's Call Init, which names its application instead of a line", async () => {
			const harness = await trigger({ events: ['ONVOXIMPLANTCALLINIT'] });
			subscribe(harness, ['ONVOXIMPLANTCALLINIT']);
			const { items } = await place(harness, { portalNumber: 'REST_APP:12', code: '304' });
			expect(items).toEqual([
				expect.objectContaining({
					event: 'callInit',
					message: 'Outgoing call to +74951112233 started on REST_APP:12 (line not identified)',
					ACCOUNT_SEARCH_ID: null,
					PHONE_NUMBER: null,
					CALLER_ID: '+74951112233',
					otherPartyNumber: '+74951112233',
					REST_APP_ID: 12,
					line: expect.objectContaining({
						kind: 'restApp',
						identified: false,
						searchId: 'REST_APP:12',
					}),
				}),
			]);
			// a REST app's call names the client in CALLER_ID whichever way it goes
			const incoming = await place(harness, {
				portalNumber: 'REST_APP:12',
				type: 2,
				phoneNumber: '+79990001133',
			});
			expect(incoming.items[0]).toMatchObject({
				message: 'Incoming call from +79990001133 started on REST_APP:12 (line not identified)',
				otherPartyNumber: '+79990001133',
			});
		});

		it('names the other party of a Call Init, never the line: the number dialled out, the caller in', async () => {
			const trunk = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			const harness = await trigger({ events: ['ONVOXIMPLANTCALLINIT'], lookUpLines: true });
			subscribe(harness, ['ONVOXIMPLANTCALLINIT']);

			const out = await place(harness, {
				configId: trunk.configId,
				type: 1,
				phoneNumber: '+493012345678',
			});
			expect(out.items).toEqual([
				expect.objectContaining({
					message: 'Outgoing call to +493012345678 started on line "Trunk A"',
					CALL_TYPE: 1,
					ACCOUNT_SEARCH_ID: `reg${trunk.regId}`,
					PHONE_NUMBER: '+493012345678',
					CALLER_ID: `reg${trunk.regId}`,
					otherPartyNumber: '+493012345678',
				}),
			]);

			const incoming = await place(harness, {
				configId: trunk.configId,
				type: 2,
				phoneNumber: '+79990001133',
			});
			expect(incoming.items).toEqual([
				expect.objectContaining({
					message: 'Incoming call from +79990001133 started on line "Trunk A"',
					CALL_TYPE: 2,
					PHONE_NUMBER: `reg${trunk.regId}`,
					CALLER_ID: '+79990001133',
					otherPartyNumber: '+79990001133',
				}),
			]);

			// no CALL_TYPE (never sent so, but read safely): the party is the field that is not the line
			const untyped = await deliver(
				harness,
				eventBody(
					{
						CALL_ID: 'X.1773239326.1',
						ACCOUNT_SEARCH_ID: `reg${trunk.regId}`,
						PHONE_NUMBER: `reg${trunk.regId}`,
						CALLER_ID: '+79990001144',
					},
					{ event: 'ONVOXIMPLANTCALLINIT' },
				),
			);
			expect(untyped).toMatchObject({
				message: 'Call with +79990001144 started on line "Trunk A"',
				CALL_TYPE: null,
				otherPartyNumber: '+79990001144',
			});
		});
	});

	describe('lines', () => {
		it('resolves cloud and office lines to CONFIG_ID and TITLE with Look Up Lines', async () => {
			const cloud = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			const office = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Office PBX',
				server: 'pbx.example',
				login: 'o',
			});
			const harness = await trigger({ lookUpLines: true });
			subscribe(harness);
			const viaCloud = (await place(harness, { configId: cloud.configId, duration: 65 })).items[0];
			expect(viaCloud.line).toEqual({
				identified: true,
				kind: 'sipLine',
				type: 'cloud',
				searchId: `reg${cloud.regId}`,
				CONFIG_ID: cloud.configId,
				TITLE: 'Trunk A',
				REG_ID: cloud.regId,
				description: `cloud SIP line "Trunk A" (CONFIG_ID ${cloud.configId})`,
			});
			expect(viaCloud.message).toBe(
				'Outgoing call to +74951112233 on line "Trunk A" succeeded (65 s)',
			);
			const viaOffice = (await place(harness, { configId: office.configId })).items[0];
			expect(viaOffice.line).toMatchObject({
				kind: 'sipLine',
				type: 'office',
				searchId: office.incomingLogin,
				CONFIG_ID: office.configId,
				TITLE: 'Office PBX',
				REG_ID: null,
			});
			// nothing of the line's settings but its identity: no password, no server
			expect(allText(harness.runs.map((run) => run.json))).not.toMatch(
				/PASSWORD|sip\.a\.example|pbx\.example/,
			);
		});

		it("names a line the webhook cannot see (an OAuth application's) unknownSipLine", async () => {
			const appLine = portal.sandbox.addAppLine('app.123', {
				type: 'cloud',
				title: 'App line',
				server: 'sip.app.example',
				login: 'x',
			});
			const harness = await trigger({ lookUpLines: true, filters: { onlySipLines: true } });
			subscribe(harness);
			const { items } = await place(harness, { configId: appLine.configId });
			expect(items[0].line).toEqual({
				identified: true,
				kind: 'unknownSipLine',
				type: 'cloud',
				searchId: `reg${appLine.regId}`,
				CONFIG_ID: null,
				TITLE: null,
				REG_ID: appLine.regId,
				description: `cloud SIP line reg${appLine.regId} that this webhook cannot see (a line of an OAuth application, or one deleted since)`,
			});
		});

		it('says "line not identified" for a number (a rented number, or a detected one), without guessing a line', async () => {
			portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			const rented = portal.sandbox.addRentedNumber('74957770000', 'Moscow');
			const harness = await trigger({ lookUpLines: true });
			subscribe(harness);
			const { items } = await place(harness, { configId: rented.configId, type: 2, duration: 65 });
			expect(items[0].line).toMatchObject({
				identified: false,
				kind: 'number',
				CONFIG_ID: null,
				TITLE: null,
				REG_ID: null,
			});
			expect((items[0].line as IDataObject).description).toBe(
				'line not identified: 74957770000 is a number — a rented number, or the number a SIP line with Detect Line Number read from the SIP headers; no SIP line this webhook can see has Detect Line Number on, so most likely a rented number',
			);
			expect(items[0].message).toBe(
				'Incoming call from +74951112233 on 74957770000 (line not identified) succeeded (65 s)',
			);
		});

		it('carries the detected number of a Detect Line Number line as not identified, and says such a line exists', async () => {
			const trunk = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			portal.sandbox.setDetectLineNumber(trunk.configId, true);
			const harness = await trigger({ lookUpLines: true });
			subscribe(harness);
			const { items } = await place(harness, {
				configId: trunk.configId,
				type: 2,
				detectedNumber: '+74959990000',
			});
			expect(items[0]).toMatchObject({ PORTAL_NUMBER: '+74959990000' });
			expect(items[0].line).toMatchObject({
				identified: false,
				kind: 'number',
				searchId: '+74959990000',
				CONFIG_ID: null,
				TITLE: null,
			});
			expect((items[0].line as IDataObject).description).toMatch(
				/; 1 SIP line this webhook can see has Detect Line Number on$/,
			);
		});

		it('goes on without the lines when they cannot be read: the call still starts the workflow, with lookupError', async () => {
			const trunk = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			portal.sandbox.setDetectLineNumber(trunk.configId, true);
			portal.sandbox.injectFault('http500', 10, { restMethods: ['voximplant.sip.get'] });
			// filters that need the lines let the call through: an alert too many beats a lost call
			const harness = await trigger({
				lookUpLines: true,
				filters: { onlySipLines: true, lines: 'Trunk B, 12' },
			});
			subscribe(harness);
			const { placed, items } = await place(harness, {
				configId: trunk.configId,
				type: 2,
				detectedNumber: '+74959990000',
				code: '486',
			});
			expect(placed.deliveries[0].status).toBe(200);
			expect(items).toHaveLength(1);
			expect(items[0].line).toMatchObject({
				identified: false,
				kind: 'number',
				CONFIG_ID: null,
				lookupError: expect.stringMatching(/^The portal's lines could not be read: /),
			});
			expect(harness.requests[0].error).toBeUndefined();
		});

		it('reports a lookup with a webhook Bitrix24 refuses, without its secret', async () => {
			const refused = portal.webhookUrl.replace(portal.webhook.secret, 'wrongsecret0000');
			const harness = await trigger({ lookUpLines: true }, { webhookUrl: refused });
			subscribe(harness);
			const { items } = await place(harness, { portalNumber: 'reg1' });
			expect((items[0].line as IDataObject).lookupError).toMatch(
				/could not be read: Bitrix24 does not accept/,
			);
			expect(allText([items, harness.requests])).not.toContain('wrongsecret0000');
			expect(allText([items, harness.requests])).not.toContain(portal.webhook.secret);
		});
	});

	describe('filters', () => {
		it('Only Failed Calls keeps failed call ends and drops successful ones and other events', async () => {
			const harness = await trigger({
				events: ['ONVOXIMPLANTCALLEND', 'ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLSTART'],
				filters: { onlyFailed: true },
			});
			subscribe(harness, ['ONVOXIMPLANTCALLEND', 'ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLSTART']);
			expect(
				(await place(harness, { portalNumber: 'reg1', code: '200', duration: 30 })).items,
			).toEqual([]);
			const failed = await place(harness, { portalNumber: 'reg1', code: '480' });
			expect(failed.items).toEqual([
				expect.objectContaining({ event: 'callEnd', failure: 'temporarily unavailable' }),
			]);
			expect(failed.placed.deliveries.map((delivery) => delivery.status)).toEqual([200, 200]);
		});

		it('Call Types keeps only the chosen types', async () => {
			const harness = await trigger({
				events: ['ONVOXIMPLANTCALLEND', 'ONVOXIMPLANTCALLSTART'],
				filters: { callTypes: [2, 3] },
			});
			subscribe(harness, ['ONVOXIMPLANTCALLEND', 'ONVOXIMPLANTCALLSTART']);
			expect((await place(harness, { portalNumber: 'reg1', type: 1 })).items).toEqual([]);
			// Call Start carries no type: left out
			const redirected = await place(harness, { portalNumber: 'reg1', type: 3, duration: 20 });
			expect(redirected.items.map((item) => [item.event, item.callType])).toEqual([
				['callEnd', 'incomingRedirected'],
			]);
		});

		it('Call Types on Call Init sees only outgoing or incoming: a redirected call starts as incoming, a callback as outgoing', async () => {
			const harness = await trigger({
				events: ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLEND'],
				filters: { callTypes: [2, 3] },
			});
			subscribe(harness, ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLEND']);
			const redirected = await place(harness, { portalNumber: 'reg1', type: 3, code: '304' });
			expect(redirected.items.map((item) => [item.event, item.CALL_TYPE, item.callType])).toEqual([
				['callInit', 2, 'incoming'],
				['callEnd', 3, 'incomingRedirected'],
			]);
			expect(redirected.items[0].message).toBe(
				'Incoming call from +74951112233 started on line reg1',
			);
			expect((await place(harness, { portalNumber: 'reg1', type: 4, code: '304' })).items).toEqual(
				[],
			);

			const callbacks = await trigger({
				events: ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLEND'],
				filters: { callTypes: [4] },
			});
			subscribe(callbacks, ['ONVOXIMPLANTCALLINIT', 'ONVOXIMPLANTCALLEND']);
			const callback = await place(callbacks, { portalNumber: 'reg1', type: 4, code: '304' });
			expect(callback.items.map((item) => [item.event, item.callType])).toEqual([
				['callEnd', 'callback'],
			]);
		});

		it('Only SIP Lines keeps SIP lines (seen or not) and numbers it cannot rule out; drops REST apps and events without a line', async () => {
			const office = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Office PBX',
				server: 'pbx.example',
				login: 'o',
			});
			const harness = await trigger({
				events: ['ONVOXIMPLANTCALLEND', 'ONVOXIMPLANTCALLSTART'],
				filters: { onlySipLines: true },
			});
			subscribe(harness, ['ONVOXIMPLANTCALLEND', 'ONVOXIMPLANTCALLSTART']);
			expect((await place(harness, { portalNumber: 'reg5', code: '486' })).items).toHaveLength(1);
			// answered: Call Start (no line) is left out, Call End kept
			expect(
				(await place(harness, { configId: office.configId, duration: 10 })).items.map(
					(item) => item.event,
				),
			).toEqual(['callEnd']);
			expect((await place(harness, { portalNumber: 'REST_APP:12', code: '486' })).items).toEqual(
				[],
			);
			expect((await place(harness, { portalNumber: '', code: '486' })).items).toEqual([]);
			// without the lines a number may be a detected line number: kept, marked not identified
			const number = await place(harness, { portalNumber: '+74957770000', code: '486' });
			expect(number.items[0].line).toMatchObject({ identified: false, kind: 'number' });
		});

		it('Only SIP Lines with Look Up Lines keeps a number only when some line has Detect Line Number on', async () => {
			const trunk = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			const rented = portal.sandbox.addRentedNumber('74957770000', 'Moscow');
			const harness = await trigger({ lookUpLines: true, filters: { onlySipLines: true } });
			subscribe(harness);
			expect((await place(harness, { configId: rented.configId, type: 2 })).items).toEqual([]);
			portal.sandbox.setDetectLineNumber(trunk.configId, true);
			const detected = await place(harness, {
				configId: trunk.configId,
				type: 2,
				detectedNumber: '+74959990000',
			});
			expect(detected.items[0].line).toMatchObject({
				identified: false,
				kind: 'number',
				CONFIG_ID: null,
			});
			// the rule cannot tell the rented number from a detected one now: kept too
			expect((await place(harness, { configId: rented.configId, type: 2 })).items).toHaveLength(1);
		});

		it('Only These Lines matches search ids and numbers, and with Look Up Lines ids and titles', async () => {
			const cloud = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			const office = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Office PBX',
				server: 'pbx.example',
				login: 'o',
			});
			const other = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Other',
				server: 'sip.o.example',
				login: 'b',
			});
			const rented = portal.sandbox.addRentedNumber('74957770000', 'Moscow');

			const plain = await trigger({ filters: { lines: `REG${cloud.regId}, +7 (495) 777-00-00` } });
			const plainHook = subscribe(plain);
			expect((await place(plain, { configId: cloud.configId })).items).toHaveLength(1);
			expect((await place(plain, { configId: rented.configId })).items).toHaveLength(1);
			expect((await place(plain, { configId: other.configId })).items).toEqual([]);
			expect((await place(plain, { configId: office.configId })).items).toEqual([]);
			portal.sandbox.removeOutgoingWebhook(plainHook.id);

			const looked = await trigger({
				lookUpLines: true,
				filters: { lines: ` office pbx ,${cloud.configId}` },
			});
			subscribe(looked);
			expect((await place(looked, { configId: office.configId })).items[0].line).toMatchObject({
				TITLE: 'Office PBX',
			});
			expect((await place(looked, { configId: cloud.configId })).items[0].line).toMatchObject({
				TITLE: 'Trunk A',
			});
			expect((await place(looked, { configId: other.configId })).items).toEqual([]);
		});
	});

	describe('setup checks (activation and listening)', () => {
		it('activates a valid setup: nothing to register in Bitrix24', async () => {
			const harness = await trigger({ lookUpLines: true, filters: { lines: 'Trunk A' } });
			await expect(harness.activate()).resolves.toBeUndefined();
		});

		it.each<[string, INodeParameters, CallTriggerOptions, RegExp, RegExp]>([
			[
				'no event',
				{ events: [] },
				{},
				/^No event chosen in "Events"$/,
				/Choose at least one event/,
			],
			[
				'a title while Look Up Lines is off',
				{ filters: { lines: 'reg5, Trunk A, 12' } },
				{},
				/^Filters → Only These Lines: Only These Lines has entries \("Trunk A", "12"\) that can only be a line ID or title, but Look Up Lines is off$/,
				/Turn on "Look Up Lines"/,
			],
			[
				'an empty token',
				{},
				{ token: '  ' },
				/has no application token/,
				/paste the "Application token"/,
			],
			[
				'a broken inbound webhook URL',
				{ lookUpLines: true },
				{ webhookUrl: 'portal.bitrix24.com' },
				/^Look Up Lines: The webhook URL must start with https:\/\//,
				/Bitrix24 Webhook API credential/,
			],
		])('fails with the field and the fix: %s', async (_case, parameters, options, message, fix) => {
			const harness = await trigger(parameters, options);
			const error = await harness.activate().then(
				() => undefined,
				(thrown: Error & { description?: string }) => thrown,
			);
			expect(error?.message).toMatch(message);
			expect(error?.description).toMatch(fix);
		});
	});

	describe('secrets', () => {
		it('never puts the application token or the inbound webhook secret into an answer, an item or a log line', async () => {
			const logs = captureLogs();
			try {
				const trunk = portal.sandbox.addLineByHand({
					type: 'cloud',
					title: 'Trunk A',
					server: 'sip.a.example',
					login: 'a',
				});
				const harness = await trigger({
					lookUpLines: true,
					events: ['ONVOXIMPLANTCALLEND', 'ONVOXIMPLANTCALLINIT'],
				});
				subscribe(harness, [
					'ONVOXIMPLANTCALLEND',
					'ONVOXIMPLANTCALLINIT',
					'ONVOXIMPLANTCALLSTART',
				]);
				await place(harness, { configId: trunk.configId, code: '486' });
				await place(harness, { configId: trunk.configId, duration: 30 });
				await place(harness, { configId: trunk.configId }, { wrongToken: true });
				await deliverNothing(harness, eventBody(callEndData(), { event: 'nope' }), 400);
				portal.sandbox.injectFault('http500', 10, { restMethods: ['voximplant.sip.get'] });
				await place(harness, { configId: trunk.configId, code: '603' });
				expect(harness.runs).toHaveLength(6);
				const everything = allText([
					harness.requests,
					harness.runs.map((run) => run.result.run),
					portal.sandbox.deliveries.map((delivery) => delivery.responseText),
					logs.lines,
				]);
				expect(everything).toContain('INVALID_TOKEN');
				expect(everything).toContain("The portal's lines could not be read");
				expect(everything).not.toContain(APP_TOKEN);
				expect(everything).not.toContain(portal.webhook.secret);
				expect(everything).not.toMatch(/application_token"?\s*[:=]|member_id/);
				// what Bitrix24 sent did hold them: the check above is not vacuous
				expect(portal.sandbox.deliveries[0].body).toContain(APP_TOKEN);
			} finally {
				logs.stop();
			}
		});
	});

	describe('concurrency', () => {
		it('starts exactly one run per delivery for 20 calls ending at once, each with its own CALL_ID', async () => {
			const trunk = portal.sandbox.addLineByHand({
				type: 'cloud',
				title: 'Trunk A',
				server: 'sip.a.example',
				login: 'a',
			});
			portal.sandbox.clearLog();
			const harness = await trigger({ lookUpLines: true });
			subscribe(harness);
			const placed = await Promise.all(
				Array.from(
					{ length: 20 },
					async (_, index) =>
						await portal.sandbox.placeCall({
							configId: trunk.configId,
							code: index % 2 === 0 ? '486' : '200',
						}),
				),
			);
			expect(placed.flatMap((call) => call.deliveries.map((delivery) => delivery.status))).toEqual(
				Array(20).fill(200),
			);
			const runs = await harness.waitForRuns(20, 30_000);
			await harness.settled();
			expect(harness.runs).toHaveLength(20);
			const ids = runs.map((run) => run.json[0].CALL_ID);
			expect(new Set(ids)).toEqual(new Set(placed.map((call) => call.callId)));
			for (const run of runs) {
				expect(run.json).toHaveLength(1);
				expect(run.json[0].line).toMatchObject({ CONFIG_ID: trunk.configId, TITLE: 'Trunk A' });
				const call = placed.find((candidate) => candidate.callId === run.json[0].CALL_ID);
				expect(run.json[0].CALL_FAILED_CODE).toBe(call?.row.CALL_FAILED_CODE);
			}
			// deliveries arriving together share their line reads
			const reads = portal.sandbox.log.filter(
				(entry) => entry.restMethod === 'voximplant.sip.get',
			).length;
			expect(reads).toBeLessThan(20);
		});
	});

	it('puts nothing of auth into an item', async () => {
		const harness = await trigger();
		subscribe(harness);
		await place(harness, { portalNumber: 'reg1' });
		expect(runItems(harness)[0]).not.toHaveProperty('auth');
		expect(Object.keys(runItems(harness)[0])).not.toContain('member_id');
	});
});
