/** What every group of the editor test gets. */
import type { Bitrix24Sandbox } from '../sandbox';
import type { Checks } from '../n8n/checks';
import type { N8nInstance } from '../n8n/instance';
import type { Editor } from './browser';
import type { SandboxLines } from './setup';

export interface EditorContext {
	n8n: N8nInstance;
	editor: Editor;
	checks: Checks;
	sandbox: Bitrix24Sandbox;
	lines: SandboxLines;
	/** The webhook secret of the sandbox URL: it must never show in the editor. */
	secret: string;
	/** Where the screenshots go (.ci/out/editor). */
	shots: string;
	/** The Bitrix24 SIP versions n8n offers, as its node list says. */
	sipVersions: number[];
}
