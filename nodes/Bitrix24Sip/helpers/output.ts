import type { IDataObject, INodeExecutionData, NodeOperationError } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

/**
 * The item a failed input item becomes under "Continue On Fail": the message, the portal's code,
 * the HTTP status, the hint and any facts the error carries (e.g. the id of a line whose creation
 * could not be confirmed), paired to its input item.
 */
export function errorItem(
	error: NodeApiError | NodeOperationError,
	itemIndex: number,
	extra: IDataObject = {},
): INodeExecutionData {
	const json: IDataObject = { ...extra, error: error.message };
	const code = error.context?.bitrix24Code;
	if (typeof code === 'string') json.code = code;
	if (error instanceof NodeApiError && error.httpCode) json.httpCode = Number(error.httpCode);
	if (error.description) json.description = error.description;
	const details = error.context?.details;
	if (typeof details === 'object' && details !== null) Object.assign(json, details);
	return { json, pairedItem: { item: itemIndex } };
}
