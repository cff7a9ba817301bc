import type { IDataObject } from 'n8n-workflow';

type Value = IDataObject[keyof IDataObject];

/**
 * Percent-encodes like PHP's urlencode (RFC 1738: space as "+"), which parse_str reverses exactly.
 */
function phpUrlencode(text: string): string {
	return encodeURIComponent(text)
		.replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
		.replace(/%20/g, '+');
}

function scalar(value: Value): string | undefined {
	if (value === null || value === undefined) return undefined; // http_build_query skips nulls
	if (typeof value === 'boolean') return value ? '1' : '0';
	if (typeof value === 'number' || typeof value === 'bigint') return String(value);
	if (typeof value === 'string') return value;
	return undefined;
}

/**
 * PHP's http_build_query for the parameters of one batch command: nested objects and arrays as
 * FILTER[TYPE]=cloud and FILTER[CONFIG_ID][0]=3, every key and value percent-encoded.
 */
export function buildPhpQuery(params: IDataObject): string {
	const pairs: string[] = [];
	const walk = (prefix: string, value: Value): void => {
		if (Array.isArray(value)) {
			value.forEach((entry, index) => walk(`${prefix}[${index}]`, entry as Value));
			return;
		}
		if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
			for (const [key, entry] of Object.entries(value)) walk(`${prefix}[${key}]`, entry as Value);
			return;
		}
		const text = value instanceof Date ? value.toISOString() : scalar(value);
		if (text !== undefined) pairs.push(`${phpUrlencode(prefix)}=${phpUrlencode(text)}`);
	};
	for (const [key, value] of Object.entries(params)) walk(key, value);
	return pairs.join('&');
}

/**
 * Inside a batch, Bitrix24 replaces `$result`, `$next`, `$total`, `$time`, `$error` and
 * `$error_description` references (any case, in values and keys;
 * docs/bitrix24-behaviour.md#references-inside-a-batch), after decoding, with an
 * earlier command's answer. A call with such text must never go through a batch: it goes alone.
 */
export function mayFormBatchReference(params: IDataObject): boolean {
	// JSON text holds every key and value; `error` also covers `error_description`
	return /\$(result|error|total|next|time)/i.test(JSON.stringify(params));
}
