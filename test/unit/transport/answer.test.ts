import type { RawAnswer } from '../../../nodes/shared/transport/answer';
import { decodeAnswer, portalError } from '../../../nodes/shared/transport/answer';
import { Bitrix24Error, REST_NEEDS_SUBSCRIPTION } from '../../../nodes/shared/transport/errors';

const SECRET = 'k3yw0rd5ecret';
const JSON_TYPE = { 'content-type': 'application/json' };
const HTML_TYPE = { 'content-type': 'text/html; charset=utf-8' };

function answer(statusCode: number, text: string, headers: Record<string, unknown> = JSON_TYPE) {
	return { statusCode, headers, text };
}

/** The error decodeAnswer throws, or undefined when it returns an envelope. */
function failureOf(raw: RawAnswer): Bitrix24Error | undefined {
	try {
		decodeAnswer(raw, SECRET);
		return undefined;
	} catch (error) {
		return error as Bitrix24Error;
	}
}

describe('decodeAnswer: envelopes', () => {
	it.each<[string, RawAnswer, unknown]>([
		['a plain result', answer(200, '{"result":true}'), { result: true }],
		[
			'a list with total, next and time',
			answer(200, '{"result":[1],"total":51,"next":50,"time":{"operating":2.5}}'),
			{ result: [1], total: 51, next: 50, time: { operating: 2.5 } },
		],
		[
			'extras of the wrong type are dropped',
			answer(200, '{"result":1,"total":"51","next":null,"time":[]}'),
			{ result: 1, total: undefined, next: undefined, time: undefined },
		],
		[
			'a PHP notice printed before whole JSON',
			answer(
				200,
				'<br />\n<b>Notice</b>:  Undefined index: x in <b>/home/bitrix/a.php</b> on line <b>3</b><br />\n{"result":{"ID":1}}',
				HTML_TYPE,
			),
			{ result: { ID: 1 } },
		],
	])('%s', (_name, raw, envelope) => {
		expect(decodeAnswer(raw, SECRET)).toEqual(envelope);
	});
});

describe('decodeAnswer: failures', () => {
	it.each<[string, RawAnswer, Partial<Bitrix24Error>]>([
		[
			'{error, error_description}: the code decides, with its status kept',
			answer(
				401,
				'{"error":"INVALID_CREDENTIALS","error_description":"Invalid request credentials"}',
			),
			{
				kind: 'api',
				code: 'INVALID_CREDENTIALS',
				httpStatus: 401,
				delivery: 'answered',
				message:
					'Bitrix24 does not accept this webhook: its code is wrong, or it was deleted or has expired',
			},
		],
		[
			'a numeric error code',
			answer(400, '{"error":42,"error_description":"odd"}'),
			{ kind: 'api', code: '42', message: 'Bitrix24 error 42: odd', delivery: 'answered' },
		],
		[
			'a refusal: safe to send again',
			answer(503, '{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}'),
			{ code: 'QUERY_LIMIT_EXCEEDED', delivery: 'refused', httpStatus: 503 },
		],
		[
			'a server fault: it may have run',
			answer(500, '{"error":"INTERNAL_SERVER_ERROR","error_description":""}'),
			{ code: 'INTERNAL_SERVER_ERROR', delivery: 'unknown' },
		],
		[
			'an unknown code with a 5xx: it may have run',
			answer(502, '{"error":"SOMETHING_BROKE","error_description":""}'),
			{
				code: 'SOMETHING_BROKE',
				delivery: 'unknown',
				message: 'Bitrix24 answered with a server error (SOMETHING_BROKE)',
			},
		],
		[
			'a known code with a 5xx stays answered: codes decide, not statuses',
			answer(500, '{"error":"ERROR_NOT_FOUND","error_description":""}'),
			{ code: 'ERROR_NOT_FOUND', delivery: 'answered' },
		],
		[
			'a proxy page names its title',
			answer(
				502,
				'<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
				HTML_TYPE,
			),
			{
				kind: 'html',
				code: 'HTTP_502',
				delivery: 'unknown',
				message: 'The portal answered with a web page instead of data (HTTP 502: 502 Bad Gateway)',
				description: 'A proxy or web server in front of Bitrix24 failed; try again later.',
			},
		],
		[
			'a page without a title, recognised by its first character',
			answer(404, '  <p>not here</p>', {}),
			{
				kind: 'html',
				code: 'HTTP_404',
				delivery: 'answered',
				message: 'The portal answered with a web page instead of data (HTTP 404)',
			},
		],
		[
			'a PHP fatal error instead of data',
			answer(200, '<br />\n<b>Fatal error</b>:  Allowed memory size exhausted', HTML_TYPE),
			{
				kind: 'html',
				code: 'HTTP_200',
				delivery: 'unknown',
				message: 'The portal answered with a PHP fatal error instead of data (HTTP 200)',
			},
		],
		[
			'a 200 cut off: it may have run',
			answer(200, '{"result":{"ID":'),
			{
				kind: 'http',
				code: 'HTTP_200',
				delivery: 'unknown',
				message: 'The portal gave an answer the node cannot read (HTTP 200)',
			},
		],
		[
			'an unreadable 4xx',
			answer(418, 'teapot', { 'content-type': 'text/plain' }),
			{ kind: 'http', code: 'HTTP_418', delivery: 'answered' },
		],
		[
			'a redirect is never followed and names only the origin',
			answer(301, '', {
				location: `https://new.example.com/rest/1/${SECRET}/voximplant.sip.get.json`,
			}),
			{
				kind: 'redirect',
				code: 'HTTP_301',
				delivery: 'notSent',
				message:
					'The portal answered with a redirect to https://new.example.com (HTTP 301); the node does not follow redirects, so nothing was sent there',
			},
		],
		[
			'a redirect without a location',
			answer(302, '', {}),
			{ kind: 'redirect', message: expect.stringContaining('a redirect to another address') },
		],
	])('%s', (_name, raw, expected) => {
		expect(failureOf(raw)).toMatchObject(expected);
	});
});

describe('decodeAnswer: the webhook secret never comes back', () => {
	it.each<[string, RawAnswer]>([
		[
			'in an error description',
			answer(
				400,
				JSON.stringify({
					error: 'WRONG',
					error_description: `bad https://p.example.com/rest/1/${SECRET}/x.json`,
				}),
			),
		],
		['in an error code', answer(400, JSON.stringify({ error: `E_${SECRET}` }))],
		[
			'in a page title',
			answer(404, `<html><title>No /rest/1/${SECRET}/ here</title></html>`, HTML_TYPE),
		],
		[
			'in a webhook path of another secret',
			answer(400, JSON.stringify({ error: 'WRONG', error_description: '/rest/7/other5ecret/' })),
		],
	])('%s', (_name, raw) => {
		const failure = failureOf(raw);
		expect(failure).toBeInstanceOf(Bitrix24Error);
		const shown = `${failure?.code} ${failure?.message} ${failure?.description}`;
		expect(shown).not.toContain(SECRET);
		expect(shown).not.toContain('other5ecret');
	});
});

describe('portalError: ACCESS_DENIED means two things', () => {
	it.each([
		[
			'REST closed by the plan',
			'REST is available only on a subscription',
			REST_NEEDS_SUBSCRIPTION,
			'restNeedsSubscription',
		],
		[
			'a missing permission',
			'Access denied',
			"Bitrix24 denied access: the webhook's user lacks the telephony permission",
			undefined,
		],
	])('%s', (_name, description, message, reason) => {
		expect(portalError('ACCESS_DENIED', description, 403, SECRET)).toMatchObject({
			code: 'ACCESS_DENIED',
			message,
			reason,
			httpStatus: 403,
			delivery: 'answered',
		});
	});

	it('a copy keeps the reason', () => {
		const error = portalError('ACCESS_DENIED', 'subscription ended', 403);
		expect(error.with({ hint: 'x' }).reason).toBe('restNeedsSubscription');
	});
});
