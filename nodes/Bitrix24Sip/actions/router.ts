import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { Bitrix24Client } from '../../shared/transport/client';
import { toNodeError } from '../../shared/transport/errors';
import * as connector from './connector/Connector.resource';
import * as line from './line/Line.resource';
import * as registration from './registration/Registration.resource';
import { clientOptionsFrom } from '../../shared/requestOptions';
import { errorItem } from '../helpers/output';
import type { SimplifyContext } from '../helpers/simplify';
import { isSimplified, NEEDS_DEFAULT_OUTGOING, simplify } from '../helpers/simplify';
import { readDefaultOutgoingOnce } from '../helpers/defaultOutgoingRead';
import { readForItem, toBoolean } from '../../shared/parameters';
import type { ItemRun, Operation, RunOperation } from './types';

/**
 * Every resource and operation the node runs, by the values of its Resource and Operation
 * parameters.
 */
export const resources: Record<string, Record<string, Operation | RunOperation>> = {
	line: line.operations,
	registration: registration.operations,
	connector: connector.operations,
};

/** Operations that change the portal: a failure report mentions the items already done. */
const WRITES = new Set(['create', 'update', 'delete', 'setDefaultOutgoing']);

/** An item checked with nothing sent: its run, or what is wrong with it. */
type Prepared = { run: ItemRun } | { error: NodeApiError | NodeOperationError };

type Outcome = { data: IDataObject[] } | { error: NodeApiError | NodeOperationError };

/**
 * Simplify (node version 2) for this item; version 1 nodes have no such switch and never simplify.
 */
export function readSimplify(
	ctx: IExecuteFunctions,
	resource: string,
	operation: string,
	itemIndex: number,
): boolean {
	if (ctx.getNode().typeVersion < 2 || !isSimplified(resource, operation)) return false;
	return readForItem(ctx.getNode(), itemIndex, () =>
		toBoolean(ctx.getNodeParameter('simplify', itemIndex, true), { label: 'Simplify' }, true),
	);
}

/**
 * Runs the chosen operation for every input item: first every item's parameters are checked
 * (nothing is sent if one is wrong, unless the node continues on fail), then all items run
 * together through one client, which batches and paces their calls.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const chosen = resources[resource]?.[operation];
	if (!chosen) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operation}" of "${resource}" is not supported`,
		);
	}
	// an operation that plans over all items at once (Line → Sync) runs them itself
	if ('executeRun' in chosen) {
		// read before the run: a bad value must stop it with nothing sent, as every field's does
		const simplifyRun = readSimplify(this, resource, operation, 0);
		const output = await chosen.executeRun.call(this);
		if (!simplifyRun) return [output];
		// Sync's failed lines keep the error item they are; its plan and results are simplified
		return [
			output.map((item) =>
				'action' in item.json
					? { ...item, json: simplify(resource, operation, item.json, {}) }
					: item,
			),
		];
	}
	const continueOnFail = this.continueOnFail();

	const simplified: boolean[] = [];
	const prepared: Prepared[] = items.map((_, itemIndex) => {
		try {
			const run = chosen.prepare.call(this, itemIndex);
			simplified[itemIndex] = readSimplify(this, resource, operation, itemIndex);
			return { run };
		} catch (error) {
			if (!continueOnFail) throw toNodeError(this.getNode(), error, itemIndex);
			return { error: toNodeError(this.getNode(), error, itemIndex) };
		}
	});

	let client: Bitrix24Client | undefined;
	let clientError: unknown;
	if (prepared.some((entry) => 'run' in entry)) {
		try {
			client = await Bitrix24Client.create(
				this,
				clientOptionsFrom(this.getNodeParameter('requestOptions', 0, {}) as IDataObject),
			);
		} catch (error) {
			if (!continueOnFail) throw toNodeError(this.getNode(), error, 0);
			clientError = error;
		}
	}

	// read once for the run (joined with merged runs' read in flight), with the items' first calls
	const runnable = prepared.some((entry, itemIndex) => 'run' in entry && simplified[itemIndex]);
	const defaultOutgoing =
		client && runnable && NEEDS_DEFAULT_OUTGOING.has(`${resource}.${operation}`)
			? readDefaultOutgoingOnce(client)
			: undefined;

	const outcomes: Outcome[] = await Promise.all(
		prepared.map(async (entry, itemIndex): Promise<Outcome> => {
			if ('error' in entry) return entry;
			if (!client) return { error: toNodeError(this.getNode(), clientError, itemIndex) };
			try {
				const data = await entry.run(client);
				if (!simplified[itemIndex]) return { data };
				const simplifyContext: SimplifyContext = defaultOutgoing
					? { defaultOutgoing: await defaultOutgoing }
					: {};
				return { data: data.map((raw) => simplify(resource, operation, raw, simplifyContext)) };
			} catch (error) {
				return { error: toNodeError(this.getNode(), error, itemIndex) };
			}
		}),
	);

	const output: INodeExecutionData[] = [];
	const failed = outcomes.findIndex((outcome) => 'error' in outcome);
	if (failed >= 0 && !continueOnFail) {
		const error = (outcomes[failed] as { error: NodeApiError | NodeOperationError }).error;
		const done = outcomes.filter((outcome) => 'data' in outcome).length;
		if (WRITES.has(operation) && done > 0) {
			error.description = `${error.description ? `${error.description} ` : ''}${done} other item(s) of this run succeeded before the node stopped; turn on "Continue On Fail" (Settings → On Error) to keep their results.`;
		}
		throw error;
	}
	outcomes.forEach((outcome, itemIndex) => {
		if ('error' in outcome) {
			output.push(errorItem(outcome.error, itemIndex));
			return;
		}
		const executionData = this.helpers.constructExecutionMetaData(
			this.helpers.returnJsonArray(outcome.data),
			{
				itemData: { item: itemIndex },
			},
		);
		output.push(...executionData);
	});
	return [output];
}
