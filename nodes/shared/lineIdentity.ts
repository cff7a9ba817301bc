import type { IDataObject } from 'n8n-workflow';

import { lineLabel, readLine } from './line';

/**
 * The line fields a health report shows, under their Bitrix24 names because output items carry
 * them so: never its passwords.
 */
export interface LineIdentity extends IDataObject {
	CONFIG_ID: number;
	TITLE: string;
	TYPE: string;
	SERVER: string;
	LOGIN: string;
	REG_ID: number | null;
}

export function lineIdentity(row: IDataObject): LineIdentity {
	const line = readLine(row);
	return {
		CONFIG_ID: line.configId,
		TITLE: line.title,
		TYPE: line.type,
		SERVER: line.server,
		LOGIN: line.login,
		REG_ID: line.regId,
	};
}

/** How Bitrix24 itself names a line: `"Title" (5)`, or `Cloud PBX (5)` when it has no title. */
export function identityLabel(line: Pick<LineIdentity, 'CONFIG_ID' | 'TITLE' | 'TYPE'>): string {
	return lineLabel({ configId: line.CONFIG_ID, title: line.TITLE, type: line.TYPE });
}
