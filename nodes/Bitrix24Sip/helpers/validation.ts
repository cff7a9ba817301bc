import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

export const MAX_FIELD_LENGTH = 100;

/** Reads an id parameter and refuses anything but a positive whole number, naming the field. */
export function requirePositiveId(
	ctx: IExecuteFunctions,
	parameter: string,
	label: string,
	itemIndex: number,
): number {
	const raw = ctx.getNodeParameter(parameter, itemIndex) as unknown;
	const id = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
	if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
		throw new NodeOperationError(
			ctx.getNode(),
			`${label} must be a positive whole number, got ${describe(raw)}`,
			{
				itemIndex,
				description: `Set "${label}" to the numeric id of the ${label.toLowerCase().includes('registration') ? 'registration (REG_ID of a cloud line)' : 'SIP line (CONFIG_ID)'}, e.g. from the output of Line → Get Many.`,
			},
		);
	}
	return id;
}

function describe(value: unknown): string {
	if (value === '' || value === undefined || value === null) return 'nothing';
	const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
	return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** The server strips these itself; stripping them here lets the 100-character check be exact. */
export function normaliseServer(server: string): string {
	return server.trim().replace(/^https?:\/\//i, '');
}

export interface TextRule {
	label: string;
	required?: boolean;
}

/** Applies the spec's rules to one text field: required, at most 100 characters. */
export function checkText(
	ctx: IExecuteFunctions,
	value: string,
	rule: TextRule,
	itemIndex: number,
): string {
	if (rule.required && value.trim() === '') {
		throw new NodeOperationError(ctx.getNode(), `${rule.label} is required`, {
			itemIndex,
			description: `Enter the ${rule.label.toLowerCase()} given by your SIP provider.`,
		});
	}
	// Bitrix24 counts characters, not UTF-16 units: an emoji is one
	const length = [...value].length;
	if (length > MAX_FIELD_LENGTH) {
		throw new NodeOperationError(
			ctx.getNode(),
			`${rule.label} is ${length} characters long; Bitrix24 allows at most ${MAX_FIELD_LENGTH}`,
			{ itemIndex, description: `Shorten "${rule.label}" to ${MAX_FIELD_LENGTH} characters or fewer.` },
		);
	}
	return value;
}
