import type { IDataObject } from 'n8n-workflow';

import type { CallRecord } from '../../shared/calls/statistics';
import { readCalls } from '../../shared/calls/statistics';
import { readDefaultOutgoingValue } from '../../shared/defaultOutgoing';
import type { LineCheck } from '../../shared/registrationCheck';
import { readLinesToCheck, readRegistrations } from '../../shared/registrationCheck';
import type { Bitrix24Client } from '../../shared/transport/client';

/**
 * The portal as the families of one poll read it. Each read is made once, however many families
 * ask for it. The reads that follow the list of lines are asked for as soon as the lines answer,
 * all at once, so that they join one batch.
 */
export class PortalReader {
	private linesRead?: Promise<IDataObject[]>;
	private registrationsRead?: Promise<LineCheck[]>;
	private defaultValueRead?: Promise<string>;
	private callsRead?: Promise<CallRecord[]>;
	/** every read made after the lines, so that a family can wait for all of them */
	private readonly following: Array<Promise<unknown>> = [];

	constructor(readonly client: Bitrix24Client) {}

	/** Every line, office lines too. */
	lines(): Promise<IDataObject[]> {
		this.linesRead ??= readLinesToCheck(this.client, true);
		return this.linesRead;
	}

	/** Each line with its registration (none for an office line). */
	registrations(): Promise<LineCheck[]> {
		this.registrationsRead ??= this.afterLines((lines) => readRegistrations(this.client, lines));
		return this.registrationsRead;
	}

	/** The raw value of the portal's default outgoing line. */
	defaultOutgoingValue(): Promise<string> {
		this.defaultValueRead ??= this.afterLines(() => readDefaultOutgoingValue(this.client));
		return this.defaultValueRead;
	}

	/** The calls of the last `hours`, counted from when the lines answered. */
	calls(hours: number): Promise<CallRecord[]> {
		this.callsRead ??= this.afterLines(() =>
			readCalls(this.client, new Date(Date.now() - hours * 3_600_000)),
		);
		return this.callsRead;
	}

	/**
	 * Resolves once every read made after the lines has answered; fails with the first that failed.
	 */
	async followingReads(): Promise<void> {
		await Promise.all(this.following);
	}

	private afterLines<T>(read: (lines: IDataObject[]) => Promise<T>): Promise<T> {
		const result = this.lines().then(read);
		this.following.push(result);
		return result;
	}

	/** voximplant.sip.connector.status, asked together with the lines. */
	async connector(): Promise<IDataObject> {
		const { result } = await this.client.call<IDataObject>('voximplant.sip.connector.status');
		return result ?? {};
	}
}
