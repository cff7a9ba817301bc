import type { IDataObject } from 'n8n-workflow';

const ID_FIELDS = ['ID', 'CONFIG_ID', 'REG_ID'];
const CODE_FIELDS = ['REGISTRATION_STATUS_CODE', 'STATUS_CODE'];
export const PASSWORD_FIELDS = ['PASSWORD', 'INCOMING_PASSWORD'];

function toNumberOrNull(value: unknown): unknown {
	if (value === null || value === undefined || value === '') return value === undefined ? undefined : null;
	const number = Number(value);
	return Number.isFinite(number) ? number : value;
}

/**
 * Bitrix24 returns ids as strings from `get` and as numbers from `add`; output them as numbers
 * everywhere so that expressions and comparisons behave the same after every operation.
 */
export function normaliseLine(line: IDataObject, includePasswords: boolean): IDataObject {
	const out: IDataObject = { ...line };
	for (const field of [...ID_FIELDS, ...CODE_FIELDS]) {
		if (field in out) out[field] = toNumberOrNull(out[field]) as IDataObject[string];
	}
	if (!includePasswords) for (const field of PASSWORD_FIELDS) delete out[field];
	return out;
}

export function normaliseStatus(status: IDataObject): IDataObject {
	const out: IDataObject = { ...status };
	for (const field of ['REG_ID', 'STATUS_CODE']) {
		if (field in out) out[field] = toNumberOrNull(out[field]) as IDataObject[string];
	}
	return out;
}
