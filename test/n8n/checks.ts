/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test tooling that runs in plain Node, not code shipped to n8n */
/** The tally of `npm run test:n8n`: each check passes or fails with what was seen, and the run goes on. */
export class Checks {
	passed = 0;
	failed = 0;
	readonly failures: string[] = [];

	constructor(private readonly prefix: string) {}

	/** Records one check; `detail` is printed only when it fails, so it may be long. */
	that(name: string, ok: boolean, detail?: unknown): boolean {
		if (ok) {
			this.passed++;
			process.stdout.write(`  ✓ ${this.prefix}: ${name}\n`);
		} else {
			this.failed++;
			const shown = typeof detail === 'string' ? detail : JSON.stringify(detail, null, 2);
			this.failures.push(`${this.prefix}: ${name}`);
			process.stdout.write(`  ✗ ${this.prefix}: ${name}\n${indent(shown ?? '')}\n`);
		}
		return ok;
	}

	/** Runs a group of checks; an exception fails the group instead of ending the run. */
	async group(name: string, body: () => Promise<void>): Promise<void> {
		process.stdout.write(`${this.prefix}: ${name}\n`);
		try {
			await body();
		} catch (error) {
			this.that(`${name} ran to its end`, false, (error as Error).stack ?? String(error));
		}
	}
}

function indent(text: string): string {
	return text
		.slice(0, 4000)
		.split('\n')
		.map((line) => `      ${line}`)
		.join('\n');
}
