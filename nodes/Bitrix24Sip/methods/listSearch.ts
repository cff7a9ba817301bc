import type {
	IDataObject,
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';

import { SIP_CODES, storedRegistration } from '../../shared/registration';
import { configIdOf } from '../../shared/line';
import { fetchLines } from '../../shared/lines';
import { toNodeError } from '../../shared/transport/errors';
import { Bitrix24Client } from '../../shared/transport/client';

/** Someone is waiting on the list: give up after a minute rather than the node's five. */
const LIST_MAX_WAIT_MS = 60_000;

function text(value: unknown): string {
	return value === null || value === undefined ? '' : String(value).trim();
}

/** The line's title, or "Cloud PBX (5)" as Bitrix24 itself shows an untitled line. */
function lineTitle(line: IDataObject): string {
	const title = text(line.TITLE);
	return title !== ''
		? title
		: `${line.TYPE === 'office' ? 'Office' : 'Cloud'} PBX (${text(line.CONFIG_ID)})`;
}

/** The registration the row last stored, in the picker's words. */
function registrationState(line: IDataObject): string {
	const stored = storedRegistration(line);
	if (stored.state === 'notChecked') return 'registration not checked yet';
	if (stored.state === 'registering' || stored.state === 'registered') return stored.state;
	const reason =
		stored.message || (stored.state === 'refused' ? (SIP_CODES[stored.code]?.reason ?? '') : '');
	return `not registered: ${stored.raw}${reason ? ` ${reason}` : ''}`;
}

function lineDescription(line: IDataObject): string {
	if (line.TYPE === 'office') return 'Office PBX';
	return `Cloud PBX · ${registrationState(line)}`;
}

/** Title — server, then the type and registration: n8n's list shows only the name of an entry. */
function lineName(line: IDataObject): string {
	const server = text(line.SERVER);
	const where = server !== '' ? `${lineTitle(line)} — ${server}` : lineTitle(line);
	return `${where} (${lineDescription(line)})`;
}

function matches(line: IDataObject, filter: string): boolean {
	const wanted = filter.trim().toLowerCase();
	if (wanted === '') return true;
	return (
		text(line.TITLE).toLowerCase().includes(wanted) ||
		text(line.SERVER).toLowerCase().includes(wanted)
	);
}

/**
 * The Line ID picker: the portal's SIP lines whose title or server contains the search text (any
 * case), by title. All lines are read and filtered here: Bitrix24's filter cannot ask for "title
 * or server", and a portal has few lines.
 */
export async function searchLines(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	let lines: IDataObject[];
	try {
		const client = await Bitrix24Client.create(this, { maxWaitMs: LIST_MAX_WAIT_MS });
		lines = await fetchLines(client, {});
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
	const results: INodeListSearchItems[] = lines
		.filter((line) => matches(line, filter ?? ''))
		.sort(
			(a, b) =>
				lineTitle(a).localeCompare(lineTitle(b), undefined, {
					sensitivity: 'base',
					numeric: true,
				}) || configIdOf(a) - configIdOf(b),
		)
		.map((line) => ({
			name: lineName(line),
			value: text(line.CONFIG_ID),
			description: lineDescription(line),
		}));
	return { results };
}
