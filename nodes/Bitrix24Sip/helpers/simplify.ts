import type { IDataObject, INodeProperties } from 'n8n-workflow';

import {
	explainSipCode,
	isHealthy,
	storedRegistration,
	summarise,
} from '../../shared/registration';
import type { RegistrationStatus } from '../../shared/registration';
import { isDefaultOutgoingLine } from '../../shared/defaultOutgoing';

/**
 * Simplify (node version 2): the fields people use, in their words, instead of Bitrix24's raw rows
 * (`AUTH_USER: null`, `LINE_DETECT_HEADER_ORDER: "diversion;to"` …). Version 1 nodes never show the
 * switch and keep their output byte for byte. The simplified shapes are built from the raw outputs
 * the operations already make, so both versions send exactly the same calls (except the one read of
 * the default outgoing line, below).
 */

/** The operations whose output Simplify shortens, by resource. */
export const SIMPLIFIED: Record<string, string[]> = {
	line: ['create', 'update', 'get', 'getMany', 'getDefaultOutgoing', 'sync'],
	registration: ['getStatus', 'checkAll'],
};

/** Operations whose items are lines and so carry `defaultOutgoing`, read once per run. */
export const NEEDS_DEFAULT_OUTGOING = new Set(['line.create', 'line.get', 'line.getMany']);

export function isSimplified(resource: string, operation: string): boolean {
	return SIMPLIFIED[resource]?.includes(operation) ?? false;
}

export const simplifyField: INodeProperties = {
	displayName: 'Simplify',
	name: 'simplify',
	type: 'boolean',
	default: true,
	description: "Whether to return a short version of each line instead of all of Bitrix24's fields",
	displayOptions: {
		show: {
			'@version': [2],
			resource: Object.keys(SIMPLIFIED),
			// no operation name is shared by the two resources' lists, so one list serves both
			operation: Object.values(SIMPLIFIED).flat(),
		},
	},
};

/** A registration in words: what a person checks at a glance. */
export interface SimpleRegistration extends IDataObject {
	/**
	 * registered, failed, registering, waiting, missing, unknown (not read yet), or none (an office
	 * line)
	 */
	status: string;
	/** null while nothing is known yet */
	healthy: boolean | null;
	summary: string;
}

const STATUS_WORDS: Record<string, string> = {
	success: 'registered',
	error: 'failed',
	in_progress: 'registering',
	wait: 'waiting',
};

/** From a voximplant.sip.status reading (Get Status, Check All Lines) or a wait's report. */
function fromStatus(result: unknown, healthy: boolean, summary: string): SimpleRegistration {
	return {
		status: STATUS_WORDS[String(result)] ?? (result ? String(result) : 'unknown'),
		healthy,
		summary,
	};
}

function numberOrNull(value: unknown): number | null {
	if (value === null || value === undefined || value === '') return null;
	const number = Number(value);
	return Number.isFinite(number) ? number : null;
}

/**
 * An office line has nothing to register (its PBX connects to Bitrix24) and counts as healthy, as
 * Check All Lines counts it. An object rather than null, so that `$json.registration.healthy` reads
 * the same on every line instead of failing on office ones.
 */
function officeRegistration(): SimpleRegistration {
	return { status: 'none', healthy: true, summary: summarise(null) };
}

/** From the last registration a line row carries (Get, Get Many, Sync): what the portal stored. */
export function registrationOfRow(row: IDataObject): SimpleRegistration {
	if (String(row.TYPE) === 'office') return officeRegistration();
	const stored = storedRegistration(row);
	switch (stored.state) {
		case 'registered':
			return { status: 'registered', healthy: true, summary: 'Registered' };
		case 'registering':
			return { status: 'registering', healthy: null, summary: 'Registration in progress' };
		case 'refused':
			return {
				status: 'failed',
				healthy: false,
				summary:
					explainSipCode(stored.code) ??
					`SIP ${stored.code}${stored.message ? ` ${stored.message}` : ''}`,
			};
		default:
			return { status: 'unknown', healthy: null, summary: 'Registration not checked yet' };
	}
}

/** From the `registration` report of Wait for Registration. */
function registrationOfReport(report: IDataObject): SimpleRegistration {
	const result = report.STATUS_RESULT;
	const simple = fromStatus(result, report.healthy === true, String(report.summary ?? ''));
	if (result === null || result === undefined)
		simple.status = report.settled === true ? 'missing' : 'unknown';
	return simple;
}

/**
 * The short line: id, title, type, server, login, registration and (where read) the default
 * outgoing flag.
 */
export function simpleLine(row: IDataObject, defaultOutgoing?: string | null): IDataObject {
	const line: IDataObject = {
		id: numberOrNull(row.CONFIG_ID),
		title: String(row.TITLE ?? ''),
		type: String(row.TYPE ?? ''),
		server: String(row.SERVER ?? ''),
		login: String(row.LOGIN ?? ''),
		registration: registrationOfRow(row),
	};
	if (defaultOutgoing !== undefined) {
		line.defaultOutgoing =
			defaultOutgoing === null ? null : isDefaultOutgoingLine(row, defaultOutgoing);
	}
	return line;
}

/** Everything a simplifier may need besides the item: the run's default outgoing value. */
export interface SimplifyContext {
	/** the raw default outgoing value; null when it could not be read; undefined when not asked */
	defaultOutgoing?: string | null;
}

function withReport(line: IDataObject, raw: IDataObject): IDataObject {
	const report = raw.registration;
	if (typeof report === 'object' && report !== null && !Array.isArray(report)) {
		line.registration = registrationOfReport(report as IDataObject);
	}
	return line;
}

/** The status fields of a raw item (Get Status, Check All Lines) as health.ts reads them. */
function statusOf(raw: IDataObject): RegistrationStatus {
	return {
		STATUS_RESULT: String(raw.STATUS_RESULT ?? ''),
		STATUS_CODE: numberOrNull(raw.STATUS_CODE),
		ERROR_MESSAGE: typeof raw.ERROR_MESSAGE === 'string' ? raw.ERROR_MESSAGE : '',
		LAST_UPDATED: typeof raw.LAST_UPDATED === 'string' ? raw.LAST_UPDATED : null,
	};
}

/** A registration read just now; `registered` is healthy, a pending one not yet. */
function registrationOfStatus(status: RegistrationStatus): SimpleRegistration {
	return fromStatus(status.STATUS_RESULT, isHealthy(status, 'unhealthy'), summarise(status));
}

/**
 * Check All Lines' line item: the registration read now, and the verdict (which may count calls).
 */
function checkedLine(raw: IDataObject): IDataObject {
	const line = simpleLine(raw);
	if (raw.TYPE === 'office') line.registration = officeRegistration();
	else if (raw.hasRegistration !== true)
		line.registration = { status: 'missing', healthy: false, summary: summarise('missing') };
	else line.registration = registrationOfStatus(statusOf(raw));
	line.defaultOutgoing = raw.isDefaultOutgoing === true;
	return {
		itemType: 'line',
		...line,
		healthy: raw.healthy,
		summary: raw.summary,
		...(raw.calls !== undefined ? { calls: raw.calls } : {}),
	};
}

/** Field names in the user's words: `["SERVER", "LOGIN"]` becomes `["server", "login"]`. */
function lowerFields(fields: IDataObject[string]): IDataObject[string] {
	return Array.isArray(fields) ? fields.map((field) => String(field).toLowerCase()) : fields;
}

/** One simplifier per operation, from the raw item that operation outputs. */
const SIMPLIFIERS: Record<string, (raw: IDataObject, context: SimplifyContext) => IDataObject> = {
	'line.create': (raw, context) => withReport(simpleLine(raw, context.defaultOutgoing), raw),
	'line.get': (raw, context) => simpleLine(raw, context.defaultOutgoing),
	'line.getMany': (raw, context) => simpleLine(raw, context.defaultOutgoing),
	'line.update': (raw) => ({
		id: raw.CONFIG_ID,
		updated: raw.updated,
		updatedFields: lowerFields(raw.updatedFields),
		...(raw.registration
			? { registration: registrationOfReport(raw.registration as IDataObject) }
			: {}),
	}),
	'line.getDefaultOutgoing': (raw) => ({
		kind: raw.kind,
		description: raw.description,
		line: raw.line ? { ...simpleLine(raw.line as IDataObject), defaultOutgoing: true } : null,
	}),
	'line.sync': (raw) => {
		const item: IDataObject = {
			action: raw.action,
			dryRun: raw.dryRun,
			title: raw.TITLE,
			type: raw.TYPE,
			id: raw.CONFIG_ID ?? null,
			changes: lowerFields(raw.changes),
			reason: raw.reason,
			inputItem: raw.inputItem,
			line: raw.line ? withReport(simpleLine(raw.line as IDataObject), raw) : null,
		};
		// what a failed line or a type change adds: its error and the line it replaced
		for (const key of [
			'error',
			'code',
			'httpCode',
			'description',
			'previousConfigId',
			'previousType',
			'deletedConfigId',
		]) {
			if (raw[key] !== undefined) item[key] = raw[key];
		}
		return item;
	},
	'registration.getStatus': (raw) => ({
		...(raw.CONFIG_ID !== undefined ? { lineId: raw.CONFIG_ID } : {}),
		registrationId: raw.REG_ID ?? null,
		...registrationOfStatus(statusOf(raw)),
		sipCode: numberOrNull(raw.STATUS_CODE),
		lastUpdated: raw.LAST_UPDATED ?? null,
	}),
	'registration.checkAll': (raw) => (raw.itemType === 'line' ? checkedLine(raw) : raw),
};

/** The simplified item, or the raw one for an operation Simplify does not change. */
export function simplify(
	resource: string,
	operation: string,
	raw: IDataObject,
	context: SimplifyContext,
): IDataObject {
	const simplifier = SIMPLIFIERS[`${resource}.${operation}`];
	return simplifier ? simplifier(raw, context) : raw;
}
