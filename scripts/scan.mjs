/**
 * `npm run scan`: n8n's own gate for community packages (@n8n/scan-community-package), run here
 * before publishing. The published scanner downloads a package from npm and lints both the
 * attested source and the tarball with inline eslint-disable comments ignored; this runs the same
 * checks (its exported analyzePackage and file patterns) on this repository's sources and on the
 * tarball `npm run release` packed, so nothing unpublished has to be on npm.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
	analyzePackage,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { name, version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const tarball = path.join(root, `${name}-${version}.tgz`);

if (!existsSync(tarball)) {
	console.error(
		`${path.basename(tarball)} is missing: run "npm run release" first (npm run scan does).`,
	);
	process.exit(1);
}

const unpacked = mkdtempSync(path.join(tmpdir(), 'scan-'));
let failed = false;
try {
	execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
	const legs = [
		['sources (nodes/, credentials/, package.json)', root, SOURCE_FILE_PATTERNS],
		[`tarball ${path.basename(tarball)}`, unpacked, ['**/*.js', 'package.json']],
	];
	for (const [label, dir, patterns] of legs) {
		const result = await analyzePackage(dir, patterns);
		if (result.passed) {
			console.log(`scan: ${label}: passed`);
		} else {
			failed = true;
			console.log(`scan: ${label}: FAILED (${result.message})`);
			if (result.details) console.log(result.details);
		}
	}
} finally {
	rmSync(unpacked, { recursive: true, force: true });
}
console.log(failed ? 'scan: failed' : 'scan: no problems');
process.exit(failed ? 1 : 0);
