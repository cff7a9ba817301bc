import type { TriggerPendingAs } from '../../../nodes/Bitrix24SipTrigger/changes';
import { LINE_EVENTS } from '../../../nodes/Bitrix24SipTrigger/changes';
import type { SeenLines } from '../../../nodes/Bitrix24SipTrigger/events/lines';
import {
	currentLineItems,
	lineChanges,
	lineFamily,
	seeLines,
} from '../../../nodes/Bitrix24SipTrigger/events/lines';
import type { Registration } from '../../../nodes/shared/registration';
import {
	check,
	DETECTED_AT,
	events,
	FORBIDDEN,
	PENDING,
	poll,
	REGISTERED,
	seen,
	settings,
	UNAUTHORIZED,
} from './fixtures';

const ALL = settings([...LINE_EVENTS]);

describe('seeLines: the verdict remembered for a line', () => {
	it.each<[string, Registration, boolean | undefined, TriggerPendingAs, boolean]>([
		['registered', REGISTERED, undefined, 'unchanged', true],
		['failing', FORBIDDEN, true, 'unchanged', false],
		['an office line (no registration)', null, undefined, 'unchanged', true],
		['a registration the portal does not know', 'missing', true, 'unchanged', false],
		['pending after failing, kept unchanged', PENDING, false, 'unchanged', false],
		['pending after working, kept unchanged', PENDING, true, 'unchanged', true],
		['pending and new, kept unchanged', PENDING, undefined, 'unchanged', true],
		['pending after failing, counted healthy', PENDING, false, 'healthy', true],
		['pending after working, counted unhealthy', PENDING, true, 'unhealthy', false],
	])('%s', (_name, registration, wasHealthy, pendingAs, healthy) => {
		const before: SeenLines | undefined =
			wasHealthy === undefined ? undefined : { '5': seen(5, FORBIDDEN, wasHealthy) };
		expect(seeLines([check(5, registration)], before, pendingAs)['5'].healthy).toBe(healthy);
	});

	it('remembers what later items need, never a password', () => {
		expect(seeLines([check(5, REGISTERED)], undefined, 'unchanged')).toEqual({
			'5': seen(5, REGISTERED, true),
		});
	});
});

describe('lineChanges: the pure diff of two polls', () => {
	const ok = (id: number) => seen(id, REGISTERED, true);
	const bad = (id: number) => seen(id, FORBIDDEN, false);

	it.each<[string, SeenLines, SeenLines, string[]]>([
		['nothing changed', { '1': ok(1) }, { '1': ok(1) }, []],
		['a line added', { '1': ok(1) }, { '1': ok(1), '2': ok(2) }, ['lineAdded 2']],
		['a failing line added', {}, { '2': bad(2) }, ['lineAdded 2', 'lineUnhealthy 2']],
		['a line removed', { '1': ok(1), '2': ok(2) }, { '1': ok(1) }, ['lineRemoved 2']],
		[
			'a registration going bad',
			{ '1': ok(1) },
			{ '1': bad(1) },
			['registrationChanged 1', 'lineUnhealthy 1'],
		],
		[
			'a registration recovering',
			{ '1': bad(1) },
			{ '1': ok(1) },
			['registrationChanged 1', 'lineRecovered 1'],
		],
		[
			'a failure that changes its code, still failing',
			{ '1': bad(1) },
			{ '1': seen(1, UNAUTHORIZED, false) },
			['registrationChanged 1'],
		],
		[
			'pending while failing (verdict kept)',
			{ '1': bad(1) },
			{ '1': seen(1, PENDING, false) },
			['registrationChanged 1'],
		],
		[
			'changes in the numeric order of the ids',
			{ '10': ok(10), '9': ok(9) },
			{ '2': ok(2), '10': bad(10) },
			['lineAdded 2', 'lineRemoved 9', 'registrationChanged 10', 'lineUnhealthy 10'],
		],
	])('%s', (_name, before, after, expected) => {
		expect(events(lineChanges(before, after, ALL, DETECTED_AT))).toEqual(expected);
	});

	it.each([
		[['lineUnhealthy'] as const, ['lineUnhealthy 1']],
		[['registrationChanged'] as const, ['registrationChanged 1']],
		[['lineAdded', 'lineRecovered'] as const, []],
	])('emits only the chosen events (%j)', (chosen, expected) => {
		const items = lineChanges({ '1': ok(1) }, { '1': bad(1) }, settings([...chosen]), DETECTED_AT);
		expect(events(items)).toEqual(expected);
	});

	it('writes the item a workflow maps', () => {
		expect(
			lineChanges({ '5': ok(5) }, { '5': bad(5) }, settings(['lineUnhealthy']), DETECTED_AT),
		).toEqual([
			{
				event: 'lineUnhealthy',
				message:
					'Line "Trunk 5" (5) became unhealthy: SIP 403 Forbidden — check login and password',
				line: {
					CONFIG_ID: 5,
					TITLE: 'Trunk 5',
					TYPE: 'cloud',
					SERVER: 'sip5.example',
					LOGIN: 'user5',
					REG_ID: 105,
				},
				previous: {
					hasRegistration: true,
					STATUS_RESULT: 'success',
					STATUS_CODE: 200,
					ERROR_MESSAGE: '',
					LAST_UPDATED: '2026-12-01 09:59:00',
					healthy: true,
					summary: 'Registered',
				},
				current: {
					hasRegistration: true,
					STATUS_RESULT: 'error',
					STATUS_CODE: 403,
					ERROR_MESSAGE: 'Forbidden',
					LAST_UPDATED: '2026-12-01 09:59:00',
					healthy: false,
					summary: 'SIP 403 Forbidden — check login and password',
				},
				detectedAt: DETECTED_AT,
			},
		]);
	});

	it('names a removed line as it was last seen', () => {
		const [item] = lineChanges({ '5': ok(5) }, {}, ALL, DETECTED_AT);
		expect(item).toMatchObject({
			message: 'Line "Trunk 5" (5) was removed',
			previous: { healthy: true },
			current: null,
		});
	});
});

describe('the line family', () => {
	it('shows the lines only for line events, though it reads them for the default line too', () => {
		const lines = { '1': seen(1, REGISTERED, true) };
		const forDefault = poll(settings(['defaultOutgoingUnhealthy']), undefined);
		expect(lineFamily.chosen(forDefault.settings)).toBe(true);
		expect(lineFamily.current(lines, forDefault, [])).toEqual([]);
		const forLines = poll(settings(['lineAdded']), undefined);
		expect(lineFamily.current(lines, forLines, [])).toEqual(currentLineItems(lines, DETECTED_AT));
		expect(events(currentLineItems(lines, DETECTED_AT))).toEqual(['currentState 1']);
	});

	it.each([
		[['lineRecovered'] as const, true],
		[['defaultOutgoingUnhealthy'] as const, true],
		[['lineCallsFailing', 'connectorMinutesLow'] as const, false],
	])('is read for %j: %s', (chosen, read) => {
		expect(lineFamily.chosen(settings([...chosen]))).toBe(read);
	});
});
