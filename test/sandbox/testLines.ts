import type { Answer } from './restClient';

/** Lines as the sandbox's tests create them: REST fields, and the fields of a line added by hand. */

export const cloud = (title: string, extra: Record<string, unknown> = {}) => ({
	TYPE: 'cloud',
	TITLE: title,
	SERVER: 'sip.provider.com',
	LOGIN: 'user',
	PASSWORD: 'secret',
	...extra,
});
export const office = (title: string, extra: Record<string, unknown> = {}) => ({
	TYPE: 'office',
	TITLE: title,
	SERVER: 'pbx.office.local',
	LOGIN: 'user',
	PASSWORD: 'secret',
	...extra,
});
export const byHand = (title: string, type: 'cloud' | 'office' = 'cloud') => ({
	type,
	title,
	server: 'sip.ui.example',
	login: 'ui',
	password: 'pw',
});

export const titlesOf = (answer: Answer): string[] =>
	answer.json.result.map((line: { TITLE: string }) => line.TITLE);
