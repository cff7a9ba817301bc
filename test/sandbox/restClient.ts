/** How the sandbox's own tests call it: plain fetch, a JSON or a form body, the answer read as text and JSON. */
import type { Webhook } from './types';

export interface Answer {
	status: number;
	contentType: string;
	text: string;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	json: any;
}

export function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

export async function read(response: Response): Promise<Answer> {
	const text = await response.text();
	const contentType = response.headers.get('content-type') ?? '';
	return {
		status: response.status,
		contentType,
		text,
		json: contentType.includes('json') ? parseJson(text) : undefined,
	};
}

/** POST with a JSON body, as the node does. */
export async function call(webhook: Webhook, method: string, body: unknown = {}): Promise<Answer> {
	return read(
		await fetch(webhook.url + method, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
		}),
	);
}

/** POST with a form body, as PHP clients and Bitrix24's own pages do. */
export async function form(webhook: Webhook, method: string, body: string): Promise<Answer> {
	return read(
		await fetch(webhook.url + method, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body,
		}),
	);
}
