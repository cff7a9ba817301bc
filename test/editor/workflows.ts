/** Workflows of one node, made through n8n's REST API as the editor makes them. */
import type { N8nInstance } from '../n8n/instance';
import { PACKAGE } from './expected';
import { CREDENTIAL, CREDENTIAL_NAME } from './setup';

export const NODE_ID = 'node-under-test';

const WEBHOOK = { id: CREDENTIAL.bitrix24, name: CREDENTIAL_NAME.bitrix24 };
const OAUTH2 = { id: CREDENTIAL.oAuth2, name: CREDENTIAL_NAME.oAuth2 };

/** The credentials a node holds as the editor gives them: the one its Authentication asks for. */
function credentialsOf(
	node: string,
	parameters: Record<string, unknown>,
): Record<string, { id: string; name: string }> {
	const bitrix24: Record<string, { id: string; name: string }> =
		parameters.authentication === 'oAuth2'
			? { bitrix24OAuth2Api: OAUTH2 }
			: { bitrix24WebhookApi: WEBHOOK };
	return node === 'bitrix24SipCallTrigger'
		? {
				bitrix24OutgoingWebhookApi: { id: CREDENTIAL.outgoing, name: CREDENTIAL_NAME.outgoing },
				...bitrix24,
			}
		: bitrix24;
}

/** Creates a workflow holding only `node` with its credential; returns the workflow id. */
export async function createWorkflow(
	n8n: N8nInstance,
	name: string,
	node: string,
	version: number,
	parameters: Record<string, unknown>,
): Promise<string> {
	const answer = await n8n.rest('POST', '/rest/workflows', {
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		connections: {},
		nodes: [
			{
				id: NODE_ID,
				name: 'Node under test',
				type: `${PACKAGE}.${node}`,
				typeVersion: version,
				position: [0, 0],
				parameters,
				credentials: credentialsOf(node, parameters),
				// the call trigger's webhook needs an id of its own, as the editor gives it
				...(node === 'bitrix24SipCallTrigger'
					? { webhookId: 'c0ffee00-0000-4000-8000-000000000001' }
					: {}),
			},
		],
	});
	const id = (answer.json as { data?: { id?: string } } | undefined)?.data?.id;
	if (!id)
		throw new Error(
			`cannot create workflow "${name}": ${answer.status} ${answer.text.slice(0, 300)}`,
		);
	return id;
}

/** A property of a node type as n8n's node list serves it (the parts the checks read). */
export interface ServedProperty {
	name: string;
	displayName: string;
	type: string;
	required?: boolean;
	default?: unknown;
	displayOptions?: { show?: Record<string, unknown[]>; hide?: Record<string, unknown[]> };
}

export interface ServedNodeType {
	name: string;
	version: number | number[];
	defaultVersion?: number;
	properties: ServedProperty[];
}

/** Our node types as n8n's editor loads them (/types/nodes.json). */
export async function servedNodeTypes(n8n: N8nInstance): Promise<ServedNodeType[]> {
	const answer = await n8n.rest('GET', '/types/nodes.json');
	if (!Array.isArray(answer.json))
		throw new Error(`cannot read n8n's node list: ${answer.status} ${answer.text.slice(0, 300)}`);
	return (answer.json as ServedNodeType[]).filter((type) => type.name.startsWith(`${PACKAGE}.`));
}

export function versionsOf(types: ServedNodeType[], node: string): number[] {
	const versions = types
		.filter((type) => type.name === `${PACKAGE}.${node}`)
		.flatMap((type) => (Array.isArray(type.version) ? type.version : [type.version]));
	return [...new Set(versions)].sort((a, b) => a - b);
}

/** Whether one displayOptions value list admits the value (plain values, or n8n's {_cnd: …} for @version). */
function admits(allowed: unknown[], value: unknown): boolean {
	return allowed.some((entry) => {
		if (entry && typeof entry === 'object' && '_cnd' in entry) {
			const [[op, bound]] = Object.entries((entry as { _cnd: Record<string, number> })._cnd);
			const number = Number(value);
			return op === 'gte'
				? number >= bound
				: op === 'lte'
					? number <= bound
					: op === 'gt'
						? number > bound
						: op === 'lt'
							? number < bound
							: op === 'eq'
								? number === bound
								: false;
		}
		return entry === value;
	});
}

/** The properties n8n shows for these parameter values: a small copy of its displayParameter for plain show/hide. */
export function shownProperties(
	type: ServedNodeType,
	version: number,
	parameters: Record<string, unknown>,
): ServedProperty[] {
	const values: Record<string, unknown> = { '@version': version };
	for (const property of type.properties)
		if (!(property.name in values)) values[property.name] = property.default;
	Object.assign(values, parameters);
	return type.properties.filter((property) => {
		const { show, hide } = property.displayOptions ?? {};
		if (show && !Object.entries(show).every(([key, allowed]) => admits(allowed, values[key])))
			return false;
		if (hide && Object.entries(hide).some(([key, hidden]) => admits(hidden, values[key])))
			return false;
		return true;
	});
}
