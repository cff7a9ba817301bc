import type { IDataObject } from 'n8n-workflow';

/*
 * The only place the node spells out the fields it sends to create or change a SIP line. The rest
 * of the code passes these typed values; the Bitrix24 names appear here, one per field.
 */

/** A line voximplant.sip.add is to make, its fields normalised as the portal would store them. */
export interface NewLine {
	type: string;
	/** '' sends no TITLE: Bitrix24 then shows the line as "Cloud PBX (ID)" */
	title: string;
	server: string;
	login: string;
	/** '' sends no PASSWORD */
	password: string;
}

/** What voximplant.sip.update changes; a field left out keeps its value. */
export interface LineChanges {
	title?: string;
	server?: string;
	login?: string;
	password?: string;
}

/** The parameters of voximplant.sip.add. */
export function sipAddFields(line: NewLine): IDataObject {
	return {
		TYPE: line.type,
		...(line.title !== '' ? { TITLE: line.title } : {}),
		SERVER: line.server,
		LOGIN: line.login,
		...(line.password !== '' ? { PASSWORD: line.password } : {}),
	};
}

/**
 * The changed fields as voximplant.sip.update takes them besides CONFIG_ID. A row of
 * voximplant.sip.get names its fields alike, so they also bring a row read before up to date.
 */
export function changedFields(changes: LineChanges): IDataObject {
	return {
		...(changes.title !== undefined ? { TITLE: changes.title } : {}),
		...(changes.server !== undefined ? { SERVER: changes.server } : {}),
		...(changes.login !== undefined ? { LOGIN: changes.login } : {}),
		...(changes.password !== undefined ? { PASSWORD: changes.password } : {}),
	};
}

/** The parameters of voximplant.sip.update. */
export function sipUpdateFields(configId: number, changes: LineChanges): IDataObject {
	return { CONFIG_ID: configId, ...changedFields(changes) };
}

/** The parameters of voximplant.sip.delete and of voximplant.line.outgoing.sip.set. */
export function sipLineId(configId: number): IDataObject {
	return { CONFIG_ID: configId };
}

/**
 * What orders the writes to one line: the client never puts a later one in the same batch as an
 * earlier one, so that if the earlier needs a retry, the retry still comes first.
 */
export function lineOrderKey(configId: number): string {
	return `line ${configId}`;
}
