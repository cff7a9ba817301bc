/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling that loads the package from disk, not code shipped to n8n */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { ICredentialType, INodeType } from 'n8n-workflow';

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-bitrix24-sip';

export interface LoadedPackage {
	/** node type name (package-prefixed, as n8n names it) → node */
	nodes: Record<string, INodeType>;
	credentials: Record<string, ICredentialType>;
}

/**
 * Loads the package the way n8n does: the files listed in the "n8n" section of package.json,
 * from the build output, each exporting one class named like the file.
 */
export function loadPackage(root = PACKAGE_ROOT): LoadedPackage {
	const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
		name: string;
		n8n: { nodes: string[]; credentials: string[] };
	};
	const instantiate = <T>(file: string): T => {
		const className = path.basename(file).split('.')[0];
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const exported = require(path.join(root, file)) as Record<string, new () => T>;
		const Class = exported[className];
		if (typeof Class !== 'function')
			throw new Error(`${file} does not export a class ${className}`);
		return new Class();
	};
	const nodes: Record<string, INodeType> = {};
	for (const file of manifest.n8n.nodes) {
		const node = instantiate<INodeType>(file);
		nodes[`${manifest.name}.${node.description.name}`] = node;
	}
	const credentials: Record<string, ICredentialType> = {};
	for (const file of manifest.n8n.credentials) {
		const credential = instantiate<ICredentialType>(file);
		credentials[credential.name] = credential;
	}
	return { nodes, credentials };
}
