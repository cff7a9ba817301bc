import { checkTokenForm, tokenMatches } from '../../../nodes/shared/calls/token';

// a made-up token of the form Bitrix24 issues
const TOKEN = 'dummyabcdefghij0123456789klmnopq';

describe('tokenMatches', () => {
	it.each<[string, unknown, unknown, boolean]>([
		['the configured token', TOKEN, TOKEN, true],
		['the token with spaces around it', ` ${TOKEN} `, TOKEN, true],
		['the configured token pasted with a line break', TOKEN, ` ${TOKEN}\n`, true],
		['equal length, the last character differs', `${TOKEN.slice(0, -1)}w`, TOKEN, false],
		['equal length, the first character differs', `z${TOKEN.slice(1)}`, TOKEN, false],
		['equal length, another token', 'z'.repeat(32), TOKEN, false],
		['equal length, in upper case', TOKEN.toUpperCase(), TOKEN, false],
		['equal length in characters, not in bytes', 'é'.repeat(32), TOKEN, false],
		['one character short', TOKEN.slice(1), TOKEN, false],
		['one character more', `${TOKEN}x`, TOKEN, false],
		['twice the token', `${TOKEN}${TOKEN}`, TOKEN, false],
		['a short word', 'short', TOKEN, false],
		['empty', '', TOKEN, false],
		['only spaces', '   ', TOKEN, false],
		['both empty', '', '', false],
		['an empty configured token', TOKEN, '', false],
		['no token', undefined, TOKEN, false],
		['null', null, TOKEN, false],
		['a number', 42, '42', false],
		['no configured token', TOKEN, undefined, false],
	])('%s: %j', (_name, received, expected, matches) => {
		expect(tokenMatches(received, expected)).toBe(matches);
	});

	// a length mismatch must be refused like any other wrong token, never throw (which would answer 500)
	it.each([0, 1, 31, 33, 64, 1000])('does not throw for a token of %i characters', (length) => {
		expect(() => tokenMatches('a'.repeat(length), TOKEN)).not.toThrow();
		expect(() => tokenMatches(TOKEN, 'a'.repeat(length))).not.toThrow();
	});
});

describe('checkTokenForm', () => {
	it.each<[string, unknown, RegExp | null]>([
		['a token as Bitrix24 issues it', TOKEN, null],
		['empty', '', /^The application token is empty\. Copy it from .*Outgoing webhook/],
		['not text', undefined, /^The application token is empty/],
		['spaces around', ` ${TOKEN}`, /spaces or line breaks around it/],
		['a line break after', `${TOKEN}\n`, /spaces or line breaks around it/],
		['too short', 'abc', /this one has 3 characters\)/],
		['upper case', TOKEN.toUpperCase(), /this one has 32 characters and other characters\)/],
		[
			'a webhook URL',
			'https://portal.bitrix24.com/rest/1/abc/',
			/does not look like a Bitrix24 application token/,
		],
	])('%s', (_name, value, message) => {
		const form = checkTokenForm(value);
		if (message === null) expect(form).toEqual({ ok: true });
		else expect(form).toEqual({ ok: false, message: expect.stringMatching(message) });
	});
});
