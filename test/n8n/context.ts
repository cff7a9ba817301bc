/** What every scenario of the real-n8n test gets, and how it reads a node's result. */
import type { Bitrix24Sandbox } from '../sandbox';
import type { Checks } from './checks';
import type { N8nInstance, RunData } from './instance';

export interface Context {
	n8n: N8nInstance;
	sandbox: Bitrix24Sandbox;
	checks: Checks;
	/** A folder for the workflow files of this target. */
	dir: string;
	/** The webhook secret: it must never show in anything n8n prints or answers. */
	secret: string;
	headerToken: string;
}

/** The items a node put out in its first run, or the error it ended with. */
export function nodeResult(
	run: RunData | undefined,
	nodeName: string,
): { items: Array<Record<string, unknown>>; error?: { message?: string; description?: string } } {
	const task = run?.data.resultData.runData[nodeName]?.[0];
	const items = (task?.data?.main?.[0] ?? []).map((item) => item.json);
	return { items, error: task?.error };
}
