/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-dangerous-functions -- a developer script that runs in plain Node, not code shipped to n8n Cloud; it runs git, tar and npm to build an older commit */
/**
 * The package as it was at an earlier commit, built from git into a folder outside the repository,
 * so that a scenario can be run against it too: the burst against the package before executions
 * shared a bucket and merged their calls, the trickle and the two processes against the package
 * before the bucket-aware grouping and the adaptive share of the portal (issue 19).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PACKAGE_ROOT } from '../../test/harness/package';

/** the last commit before the shared bucket and merged executions (the burst's "before") */
export const BEFORE_COMMIT = process.env.BENCH_BEFORE_COMMIT?.trim() || '677dad1';

/** the last commit before the bucket-aware grouping and the adaptive share (the trickle's and the two processes' "before") */
export const PACING_BEFORE_COMMIT = process.env.BENCH_PACING_BEFORE_COMMIT?.trim() || 'b4448ba';

export type BeforeBuild = { root: string; commit: string } | { skipped: string };

function run(command: string, args: string[], cwd: string): string {
	return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Links this repository's node_modules into the build folder, replacing a link to elsewhere. */
function linkNodeModules(root: string): void {
	const link = path.join(root, 'node_modules');
	rmSync(link, { force: true });
	symlinkSync(path.join(PACKAGE_ROOT, 'node_modules'), link, 'dir');
}

/**
 * Unpacks the commit with `git archive` (the repository's work tree and branches stay as they
 * are), links this repository's node_modules into it and runs its own build. A folder already
 * built from the same commit is reused.
 */
export function buildBefore(commitish = BEFORE_COMMIT): BeforeBuild {
	let commit: string;
	try {
		commit = run('git', ['rev-parse', '--verify', `${commitish}^{commit}`], PACKAGE_ROOT).trim();
	} catch (error) {
		return {
			skipped: `git does not know commit ${commitish}: ${(error as Error).message.split('\n')[0]}`,
		};
	}
	const root = path.join(os.tmpdir(), `n8n-nodes-bitrix24-sip-bench-${commit.slice(0, 12)}`);
	const marker = path.join(root, '.bench-built');
	if (existsSync(marker) && readFileSync(marker, 'utf8') === commit) {
		// a build made from another checkout (a removed worktree) links node_modules that may be gone
		linkNodeModules(root);
		return { root, commit };
	}
	try {
		rmSync(root, { recursive: true, force: true });
		mkdirSync(root, { recursive: true });
		const archive = execFileSync('git', ['archive', '--format=tar', commit], {
			cwd: PACKAGE_ROOT,
			maxBuffer: 256 * 2 ** 20,
		});
		execFileSync('tar', ['-x', '-C', root], { input: archive });
		linkNodeModules(root);
		run('npm', ['run', '--silent', 'build'], root);
		writeFileSync(marker, commit);
		return { root, commit };
	} catch (error) {
		const failure = error as Error & { stderr?: string; stdout?: string };
		const detail =
			[failure.stderr, failure.stdout, failure.message].find(
				(text) => text && text.trim() !== '',
			) ?? '';
		return {
			skipped: `building ${commit.slice(0, 7)} in ${root} failed: ${detail.trim().split('\n').slice(0, 5).join(' / ')}`,
		};
	}
}
