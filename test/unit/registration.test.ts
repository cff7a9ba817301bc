import type { Registration, RegistrationStatus } from '../../nodes/shared/registration';
import {
	explainSipCode,
	isHealthy,
	isPending,
	readStatus,
	SIP_CODES,
	statusHealth,
	storedRegistration,
	summarise,
} from '../../nodes/shared/registration';

const OFFICE_SUMMARY = 'Office PBX — no registration to check (your PBX connects to Bitrix24)';
const MISSING_SUMMARY =
	'No SIP registration found for this cloud line — open the line in Bitrix24 and save its settings again';

function status(
	STATUS_RESULT: string,
	STATUS_CODE: number | null = null,
	ERROR_MESSAGE = '',
): RegistrationStatus {
	return { STATUS_RESULT, STATUS_CODE, ERROR_MESSAGE, LAST_UPDATED: null };
}

describe('explainSipCode', () => {
	it.each([
		[401, 'SIP 401 Unauthorized — check login and password'],
		[403, 'SIP 403 Forbidden — check login and password'],
		[
			404,
			'SIP 404 Not Found — the server does not know this login: check the login and the server address',
		],
		[
			408,
			'SIP 408 Request Timeout — the server did not answer in time: check the server address and that it accepts SIP from the internet',
		],
		[
			503,
			'SIP 503 Service Unavailable — the SIP server is down or overloaded: try again later or ask your SIP provider',
		],
		[200, undefined],
		[488, undefined],
		[null, undefined],
		[undefined, undefined],
	])('%p → %p', (code, words) => {
		expect(explainSipCode(code)).toBe(words);
	});

	it.each(Object.entries(SIP_CODES))(
		'explains every listed code: %s',
		(code, { reason, advice }) => {
			expect(explainSipCode(Number(code))).toBe(`SIP ${code} ${reason} — ${advice}`);
		},
	);
});

describe('summarise', () => {
	it.each<[string, Registration, string]>([
		['an office line', null, OFFICE_SUMMARY],
		['a cloud line without a registration', 'missing', MISSING_SUMMARY],
		['success', status('success', 200), 'Registered'],
		['in_progress', status('in_progress'), 'Registration in progress'],
		['wait', status('wait'), 'Waiting to register'],
		[
			'a server name that does not resolve',
			status('error', null, 'Could not resolve hostname sip.bad.example'),
			'Could not resolve hostname sip.bad.example — check the server address',
		],
		[
			'an unresolved name before a known code',
			status('error', 403, 'getaddrinfo ENOTFOUND'),
			'getaddrinfo ENOTFOUND — check the server address',
		],
		[
			'a known SIP code',
			status('error', 403, 'Forbidden'),
			'SIP 403 Forbidden — check login and password',
		],
		[
			'an unknown SIP code with a message',
			status('error', 488, 'Not Acceptable Here'),
			'SIP 488 Not Acceptable Here',
		],
		['an unknown SIP code alone', status('error', 488), 'SIP 488'],
		['an error with 200', status('error', 200, 'odd'), 'Registration failed: odd'],
		['an error with a message only', status('error', null, 'odd'), 'Registration failed: odd'],
		['an error with nothing else', status('error'), 'Registration failed'],
	])('%s', (_name, registration, words) => {
		expect(summarise(registration)).toBe(words);
	});
});

describe('isHealthy and isPending', () => {
	it.each<[string, Registration, boolean, boolean, boolean]>([
		// name, registration, healthy when pending counts as healthy / as unhealthy, pending
		['an office line', null, true, true, false],
		['a missing registration', 'missing', false, false, false],
		['success', status('success', 200), true, true, false],
		['in_progress', status('in_progress'), true, false, true],
		['wait', status('wait'), true, false, true],
		['error', status('error', 403), false, false, false],
		['an unknown result', status(''), false, false, false],
	])('%s', (_name, registration, pendingHealthy, pendingUnhealthy, pending) => {
		expect(isHealthy(registration, 'healthy')).toBe(pendingHealthy);
		expect(isHealthy(registration, 'unhealthy')).toBe(pendingUnhealthy);
		expect(isPending(registration)).toBe(pending);
	});
});

describe('readStatus', () => {
	it.each([
		[
			'a code as text',
			{
				STATUS_RESULT: 'error',
				STATUS_CODE: '403',
				ERROR_MESSAGE: 'Forbidden',
				LAST_UPDATED: '2026-12-01T10:00:00+03:00',
			},
			{
				STATUS_RESULT: 'error',
				STATUS_CODE: 403,
				ERROR_MESSAGE: 'Forbidden',
				LAST_UPDATED: '2026-12-01T10:00:00+03:00',
			},
		],
		[
			'a code as a number',
			{ STATUS_RESULT: 'success', STATUS_CODE: 200 },
			{ STATUS_RESULT: 'success', STATUS_CODE: 200, ERROR_MESSAGE: '', LAST_UPDATED: null },
		],
		[
			'an empty answer',
			{},
			{ STATUS_RESULT: '', STATUS_CODE: null, ERROR_MESSAGE: '', LAST_UPDATED: null },
		],
		[
			'an empty or unreadable code',
			{ STATUS_RESULT: 'wait', STATUS_CODE: '' },
			{ STATUS_RESULT: 'wait', STATUS_CODE: null, ERROR_MESSAGE: '', LAST_UPDATED: null },
		],
		[
			'text that is not a code',
			{ STATUS_RESULT: null, STATUS_CODE: 'abc', ERROR_MESSAGE: 5, LAST_UPDATED: 5 },
			{ STATUS_RESULT: '', STATUS_CODE: null, ERROR_MESSAGE: '', LAST_UPDATED: null },
		],
	])('%s', (_name, answer, expected) => {
		expect(readStatus(answer)).toEqual(expected);
	});
});

describe('statusHealth', () => {
	it.each([
		[
			'an office line',
			null,
			{
				hasRegistration: false,
				STATUS_RESULT: null,
				STATUS_CODE: null,
				ERROR_MESSAGE: null,
				LAST_UPDATED: null,
				healthy: true,
				summary: OFFICE_SUMMARY,
			},
		],
		[
			'a missing registration',
			'missing' as const,
			{
				hasRegistration: false,
				STATUS_RESULT: null,
				STATUS_CODE: null,
				ERROR_MESSAGE: null,
				LAST_UPDATED: null,
				healthy: false,
				summary: MISSING_SUMMARY,
			},
		],
		[
			'a pending registration',
			{ ...status('wait'), LAST_UPDATED: '2026-12-01' },
			{
				hasRegistration: true,
				STATUS_RESULT: 'wait',
				STATUS_CODE: null,
				ERROR_MESSAGE: '',
				LAST_UPDATED: '2026-12-01',
				healthy: false,
				summary: 'Waiting to register',
			},
		],
	])('%s', (_name, registration, expected) => {
		expect(statusHealth(registration, 'unhealthy')).toEqual(expected);
	});
});

describe('storedRegistration', () => {
	it.each([
		['no code', {}, { state: 'notChecked' }],
		['a null code', { REGISTRATION_STATUS_CODE: null }, { state: 'notChecked' }],
		['a blank code', { REGISTRATION_STATUS_CODE: '  ' }, { state: 'notChecked' }],
		['0 as text', { REGISTRATION_STATUS_CODE: '0' }, { state: 'registering' }],
		['0', { REGISTRATION_STATUS_CODE: 0 }, { state: 'registering' }],
		['200 as text', { REGISTRATION_STATUS_CODE: '200' }, { state: 'registered' }],
		['200', { REGISTRATION_STATUS_CODE: 200 }, { state: 'registered' }],
		[
			'a refusal',
			{ REGISTRATION_STATUS_CODE: '403', REGISTRATION_ERROR_MESSAGE: ' Forbidden ' },
			{ state: 'refused', code: 403, raw: '403', message: 'Forbidden' },
		],
		[
			'a refusal without a message',
			{ REGISTRATION_STATUS_CODE: 408, REGISTRATION_ERROR_MESSAGE: null },
			{ state: 'refused', code: 408, raw: '408', message: '' },
		],
		[
			'a code that is no number',
			{ REGISTRATION_STATUS_CODE: 'abc', REGISTRATION_ERROR_MESSAGE: 'odd' },
			{ state: 'unreadable', raw: 'abc', message: 'odd' },
		],
	])('%s', (_name, row, expected) => {
		expect(storedRegistration(row)).toEqual(expected);
	});
});
