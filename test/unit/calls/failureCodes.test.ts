import {
	callTypeName,
	describeFailureCode,
	isFailedCall,
	normaliseFailureCode,
} from '../../../nodes/shared/calls/failureCodes';

describe('failure codes', () => {
	it.each([
		['200', false, 'successful'],
		['304', true, 'missed (nobody answered)'],
		['603', true, 'declined'],
		['603-S', true, 'canceled'],
		['603-s', true, 'canceled'],
		['403', true, 'forbidden'],
		['404', true, 'invalid number'],
		['486', true, 'busy'],
		['484', true, 'route unavailable'],
		['503', true, 'route unavailable'],
		['480', true, 'temporarily unavailable'],
		['402', true, 'insufficient funds on the provider balance'],
		['402-B24', true, 'unavailable on the free Bitrix24 plan'],
		['423', true, 'blocked'],
		['500', true, 'server error'],
		['OTHER', true, 'undefined failure'],
		[' 486 ', true, 'busy'],
		['777', true, 'unknown code 777'],
		['', true, 'no result code'],
	])('%j: failed %j, "%s"', (code, failed, words) => {
		expect(isFailedCall(code)).toBe(failed);
		expect(describeFailureCode(code)).toBe(words);
	});

	it.each([
		[null, ''],
		[undefined, ''],
		[486, '486'],
		[' 603-S\n', '603-S'],
	])('normalises %j to %j', (value, expected) => {
		expect(normaliseFailureCode(value)).toBe(expected);
	});
});

describe('call types', () => {
	it.each([
		[1, 'outgoing'],
		['2', 'incoming'],
		[' 3 ', 'incomingRedirected'],
		[4, 'callback'],
		[5, 'infocall'],
		[0, 'unknown'],
		[6, 'unknown'],
		[null, 'unknown'],
		[undefined, 'unknown'],
	])('%j is %s', (value, name) => {
		expect(callTypeName(value)).toBe(name);
	});
});
