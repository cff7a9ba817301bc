import type { IDataObject } from 'n8n-workflow';

import type { FaultKind, LogEntry } from './sandbox';
import { TestPortal } from './helpers/portal';

const MAY_OR_MAY_NOT = 'the line may or may not have been created';

/** Every voximplant.sip.add the portal received, plain or inside a batch, with its parameters. */
function adds(log: LogEntry[]): Array<Record<string, unknown>> {
	return log.flatMap((entry) => {
		if (entry.restMethod === 'voximplant.sip.add') return [entry.params];
		return (entry.batchCommands ?? [])
			.filter((command) => command.restMethod === 'voximplant.sip.add')
			.map((command) => command.params);
	});
}

/** The REST methods the portal received, batch commands spelled out. */
function methods(log: LogEntry[]): string[] {
	return log.flatMap((entry) =>
		entry.batchCommands
			? entry.batchCommands.map((command) => command.restMethod)
			: [entry.restMethod],
	);
}

describe('Line → Create: lost answers, numbers from expressions, honest outcomes', () => {
	let portal: TestPortal;

	beforeEach(async () => {
		portal = await TestPortal.start();
	});

	afterEach(async () => {
		portal.sandbox.setBeforeCall(null);
		await portal.close();
	});

	/** Counts the adds that reach the method on the portal (a lost answer does not show in the log). */
	const countAdds = (): (() => number) => {
		let count = 0;
		portal.sandbox.setBeforeCall((method) => {
			if (method === 'voximplant.sip.add') count++;
		});
		return () => count;
	};

	const create = (parameters: IDataObject, input: IDataObject[] = [{}], continueOnFail = false) =>
		portal.run(
			{
				resource: 'line',
				operation: 'create',
				type: 'office',
				server: 'sip.example.com',
				login: 'trunk',
				password: 'secret-pass',
				...parameters,
			},
			input,
			{ continueOnFail },
		);

	describe('rule 1: numbers from expressions are text', () => {
		it('creates the line with a numeric login, password and title as text (inline expressions and input items)', async () => {
			const inline = await create({
				title: '={{ 42 }}',
				login: '={{ 1001 }}',
				password: '={{ 12345 }}',
			});
			const fromItem = await create(
				{
					title: '={{ $json.title }}',
					login: '={{ $json.login }}',
					password: '={{ $json.password }}',
				},
				[{ title: 43, login: 1002, password: 67890 }],
			);

			expect(inline.failure).toBeUndefined();
			expect(fromItem.failure).toBeUndefined();
			expect(inline.json[0]).toMatchObject({ TITLE: '42', LOGIN: '1001' });
			expect(fromItem.json[0]).toMatchObject({ TITLE: '43', LOGIN: '1002' });
			const sent = adds(portal.sandbox.log);
			expect(sent).toEqual([
				expect.objectContaining({ TITLE: '42', LOGIN: '1001', PASSWORD: '12345' }),
				expect.objectContaining({ TITLE: '43', LOGIN: '1002', PASSWORD: '67890' }),
			]);
			expect(
				portal.sandbox.lines().map(({ title, login, password }) => ({ title, login, password })),
			).toEqual([
				{ title: '42', login: '1001', password: '12345' },
				{ title: '43', login: '1002', password: '67890' },
			]);
		});

		it.each([
			['server', '={{ undefined }}', 'Server is required'],
			['server', '={{ null }}', 'Server is required'],
			['server', '={{ $json.missing }}', 'Server is required'],
			['login', '={{ undefined }}', 'Login is required'],
			['login', '={{ null }}', 'Login is required'],
			['login', '={{ $json.missing }}', 'Login is required'],
			['server', '={{ { host: "sip.example.com" } }}', 'Server must be text'],
			['login', '={{ ["a", "b"] }}', 'Login must be text'],
		])(
			'Create: %s = %s fails the item with "%s", nothing sent',
			async (field, expression, message) => {
				const run = await create({ title: 'Trunk', [field]: expression });
				const lenient = await create({ title: 'Trunk', [field]: expression }, [{}, {}], true);

				expect(run.failure?.name).toBe('NodeOperationError');
				expect(run.failure?.message).toMatch(new RegExp(`^${message}`));
				expect(lenient.json).toEqual([
					expect.objectContaining({ error: expect.stringMatching(new RegExp(`^${message}`)) }),
					expect.objectContaining({ error: expect.stringMatching(new RegExp(`^${message}`)) }),
				]);
				expect(lenient.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
				expect(portal.sandbox.log).toEqual([]);
				expect(portal.sandbox.lines()).toEqual([]);
			},
		);

		it('Update: numeric values become text; null gives "is required", an object "must be text", nothing sent', async () => {
			const line = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Old',
				server: 'sip.example.com',
				login: 'old',
			});
			const update = (updateFields: IDataObject, input: IDataObject[] = [{}]) =>
				portal.run(
					{ resource: 'line', operation: 'update', configId: line.configId, updateFields },
					input,
				);

			const numbers = await update(
				{ login: '={{ 1001 }}', password: '={{ $json.password }}', title: '={{ 42 }}' },
				[{ password: 12345 }],
			);
			expect(numbers.failure).toBeUndefined();
			expect(
				portal.sandbox.log.find((entry) => entry.restMethod === 'voximplant.sip.update')?.params,
			).toMatchObject({
				LOGIN: '1001',
				PASSWORD: '12345',
				TITLE: '42',
			});
			expect(portal.sandbox.lines()[0]).toMatchObject({
				login: '1001',
				password: '12345',
				title: '42',
			});
			portal.sandbox.clearLog();

			const nullLogin = await update({ login: '={{ null }}' });
			const undefinedServer = await update({ server: '={{ $json.missing }}' });
			const objectLogin = await update({ login: '={{ { user: 1001 } }}' });
			expect(nullLogin.failure).toMatchObject({
				name: 'NodeOperationError',
				message: 'Login is required',
			});
			expect(undefinedServer.failure).toMatchObject({
				name: 'NodeOperationError',
				message: 'Server is required',
			});
			expect(objectLogin.failure?.name).toBe('NodeOperationError');
			expect(objectLogin.failure?.message).toMatch(/^Login must be text/);
			expect(portal.sandbox.log).toEqual([]);
			expect(portal.sandbox.lines()[0]).toMatchObject({ login: '1001', server: 'sip.example.com' });
		});
	});

	describe('rule 2: lost answer on a fresh title', () => {
		it.each<FaultKind>(['lostAfterRun', 'reset', 'truncatedAfterRun', 'phpNoticeAfterRun'])(
			'%s on the add: the item succeeds with the line it created, exactly one line, no duplicate add',
			async (fault) => {
				portal.sandbox.injectFault(fault, 1, { restMethods: ['voximplant.sip.add'] });

				const run = await create({ title: 'Fresh Trunk' });

				expect(run.failure).toBeUndefined();
				expect(portal.sandbox.log.filter((entry) => entry.fault === fault)).toHaveLength(1);
				const lines = portal.sandbox.lines();
				expect(lines).toHaveLength(1);
				expect(run.json).toEqual([
					expect.objectContaining({
						CONFIG_ID: lines[0].configId,
						TITLE: 'Fresh Trunk',
						LOGIN: 'trunk',
					}),
				]);
				// reset never reached the method: one repeat; the others ran: no second add
				expect(adds(portal.sandbox.log)).toHaveLength(fault === 'reset' ? 2 : 1);
			},
		);
	});

	describe('rule 3: the title existed before and the answer of the add is lost', () => {
		const LOST: FaultKind[] = ['lostAfterRun', 'truncatedAfterRun', 'reset'];
		const FIELDS = [
			['the same fields', { type: 'office' as const, server: 'sip.example.com', login: 'trunk' }],
			[
				'different fields',
				{ type: 'cloud' as const, server: 'other.example.com', login: 'someone' },
			],
		] as const;
		const cases = LOST.flatMap((fault) =>
			FIELDS.map(([label, fields]) => [fault, label, fields] as const),
		);

		it.each(cases)(
			'Error, %s on the add: a line made by hand with %s is not claimed; TITLE_EXISTS with its id',
			async (fault, _, fields) => {
				const existing = portal.sandbox.addLineByHand({
					...fields,
					title: 'Trunk',
					password: 'secret-pass',
				});
				const ran = countAdds();
				portal.sandbox.injectFault(fault, 1, { restMethods: ['voximplant.sip.add'] });

				const run = await create({ title: 'Trunk' }, [{}], true);
				portal.sandbox.injectFault(fault, 1, { restMethods: ['voximplant.sip.add'] });
				const stopped = await create({ title: 'trunk' });

				expect(portal.sandbox.log.filter((entry) => entry.fault === fault)).toHaveLength(2);
				// every add but reset's reached the method on the portal (and, the title being taken, made nothing)
				expect(ran()).toBe(fault === 'reset' ? 0 : 2);
				expect(run.items).toHaveLength(1);
				expect(run.items[0].pairedItem).toEqual({ item: 0 });
				const item = run.json[0];
				expect(item.CONFIG_ID).toBeUndefined();
				const mayOrMayNot = typeof item.error === 'string' && item.error.includes(MAY_OR_MAY_NOT);
				expect(item.code === 'TITLE_EXISTS' || mayOrMayNot).toBe(true);
				expect(item.configId).toBe(existing.configId);
				expect(stopped.failure?.context).toMatchObject({ bitrix24Code: 'TITLE_EXISTS' });
				expect(portal.sandbox.lines()).toEqual([existing]);
				expect(adds(portal.sandbox.log)).toHaveLength(2);
			},
		);

		it('Error, when the pre-read failed: the node cannot tell, says so with the id and does not claim the line', async () => {
			const existing = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Trunk',
				server: 'sip.example.com',
				login: 'trunk',
				password: 'secret-pass',
			});
			// every attempt of the pre-read fails (4 in all by default); the lookup after the add works
			portal.sandbox.injectFault('html502', 4, { restMethods: ['voximplant.sip.get'] });
			portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });

			const run = await create({ title: 'Trunk' }, [{}], true);

			expect(portal.sandbox.log.filter((entry) => entry.fault === 'html502')).toHaveLength(4);
			expect(run.json).toHaveLength(1);
			expect(run.json[0].CONFIG_ID).toBeUndefined();
			expect(run.json[0].error).toEqual(expect.stringContaining(MAY_OR_MAY_NOT));
			expect(run.json[0].configId).toBe(existing.configId);
			expect(portal.sandbox.lines()).toEqual([existing]);
			expect(adds(portal.sandbox.log)).toHaveLength(1);
		});

		it.each(cases)(
			'Return Existing, %s on the add: returns the line made by hand with %s',
			async (fault, _, fields) => {
				const existing = portal.sandbox.addLineByHand({ ...fields, title: 'Trunk' });
				const ran = countAdds();
				portal.sandbox.injectFault(fault, 1, { restMethods: ['voximplant.sip.add'] });

				const run = await create({ title: 'TRUNK', options: { ifTitleExists: 'returnExisting' } });

				expect(run.failure).toBeUndefined();
				expect(portal.sandbox.log.filter((entry) => entry.fault === fault)).toHaveLength(1);
				expect(ran()).toBe(fault === 'reset' ? 0 : 1);
				expect(run.json).toEqual([
					expect.objectContaining({
						CONFIG_ID: existing.configId,
						TITLE: 'Trunk',
						LOGIN: fields.login,
					}),
				]);
				expect(portal.sandbox.lines()).toEqual([existing]);
				expect(adds(portal.sandbox.log)).toHaveLength(1);
			},
		);
	});

	describe('rule 4: two items of one run share a title', () => {
		/** Two items whose titles differ only in case, one request per call, so each add can lose its own answer. */
		const createTrunkTwiceOneAtATime = async () =>
			await portal.run(
				{
					resource: 'line',
					operation: 'create',
					type: 'office',
					title: '={{ $json.title }}',
					server: 'sip.example.com',
					login: 'trunk',
					requestOptions: { batching: false },
				},
				[{ title: 'Trunk' }, { title: 'TRUNK' }],
				{ continueOnFail: true },
			);

		it.each<FaultKind>(['lostAfterRun', 'truncatedAfterRun'])(
			'both answers lost in one batch (%s): neither claims success, both name the line; one line',
			async (fault) => {
				portal.sandbox.injectFault(fault, 1, { restMethods: ['voximplant.sip.add'] });

				const run = await create(
					{ title: '={{ $json.title }}' },
					[{ title: 'Trunk' }, { title: 'TRUNK' }],
					true,
				);

				const lost = portal.sandbox.log.filter((entry) => entry.fault === fault);
				expect(lost).toHaveLength(1);
				expect(lost[0].restMethod).toBe('batch');
				expect(lost[0].batchCommands?.map((command) => command.restMethod)).toEqual([
					'voximplant.sip.add',
					'voximplant.sip.add',
				]);
				const lines = portal.sandbox.lines();
				expect(lines).toHaveLength(1);
				expect(run.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
				for (const item of run.json) {
					expect(item.CONFIG_ID).toBeUndefined();
					expect(item.error).toEqual(expect.stringContaining(MAY_OR_MAY_NOT));
					expect(item.configId).toBe(lines[0].configId);
				}
				expect(adds(portal.sandbox.log)).toHaveLength(2);
			},
		);

		it('only the first answer known: the item that created the line succeeds, the other fails with TITLE_EXISTS', async () => {
			// one request per call; the second add (the second item's) runs but its answer is lost
			let addsSeen = 0;
			portal.sandbox.setBeforeCall((method) => {
				if (method === 'voximplant.sip.add' && ++addsSeen === 1) {
					portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
				}
			});

			const run = await createTrunkTwiceOneAtATime();

			const lines = portal.sandbox.lines();
			expect(lines).toHaveLength(1);
			expect(lines[0].title).toBe('Trunk');
			// the second add reached the method (and, the title being taken, made nothing); its answer was lost
			expect(addsSeen).toBe(2);
			expect(
				portal.sandbox.log
					.filter((entry) => entry.fault === 'lostAfterRun')
					.map((entry) => entry.params.TITLE),
			).toEqual(['TRUNK']);
			expect(run.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			expect(run.json[0]).toMatchObject({ CONFIG_ID: lines[0].configId, TITLE: 'Trunk' });
			expect(run.json[1]).toMatchObject({ code: 'TITLE_EXISTS', configId: lines[0].configId });
			expect(run.json[1].CONFIG_ID).toBeUndefined();
		});

		it('only the second answer known: the item whose lost add created the line succeeds, the other fails with TITLE_EXISTS', async () => {
			// the first add creates the line but its answer is lost; the second is refused and answered
			portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });

			const run = await createTrunkTwiceOneAtATime();

			const lines = portal.sandbox.lines();
			expect(lines).toHaveLength(1);
			expect(
				portal.sandbox.log
					.filter((entry) => entry.fault === 'lostAfterRun')
					.map((entry) => entry.params.TITLE),
			).toEqual(['Trunk']);
			expect(
				portal.sandbox.log
					.filter((entry) => entry.restMethod === 'voximplant.sip.add' && !entry.fault)
					.map((entry) => entry.error),
			).toEqual(['TITLE_EXISTS']);
			expect(run.json[0]).toMatchObject({ CONFIG_ID: lines[0].configId, TITLE: 'Trunk' });
			expect(run.json[1]).toMatchObject({ code: 'TITLE_EXISTS' });
			expect(run.json[1].CONFIG_ID).toBeUndefined();
			expect(adds(portal.sandbox.log)).toHaveLength(2);
		});
	});

	describe('rule 5: the first add ran late', () => {
		it.each<FaultKind>(['hang', 'reset'])(
			'%s on the add, which lands before the repeat: the item succeeds with that line, not TITLE_EXISTS',
			async (fault) => {
				// the sandbox's hang and reset never run the method: the line appears when the repeat reaches
				// the portal, as if the first attempt had run late, and the repeat meets TITLE_EXISTS
				portal.sandbox.injectFault(fault, 1, { restMethods: ['voximplant.sip.add'] });
				let late: number | undefined;
				portal.sandbox.setBeforeCall((method) => {
					if (method === 'voximplant.sip.add' && late === undefined) {
						late = portal.sandbox.addLineByHand({
							type: 'office',
							title: 'Late Trunk',
							server: 'sip.example.com',
							login: 'trunk',
							password: 'secret-pass',
						}).configId;
					}
				});

				const run = await create({ title: 'Late Trunk', requestOptions: { timeout: 1 } });

				expect(portal.sandbox.log.filter((entry) => entry.fault === fault)).toHaveLength(1);
				const repeat = portal.sandbox.log.filter(
					(entry) => entry.restMethod === 'voximplant.sip.add' && !entry.fault,
				);
				expect(repeat.map((entry) => entry.error)).toEqual(['TITLE_EXISTS']);
				expect(run.failure).toBeUndefined();
				expect(run.json).toEqual([
					expect.objectContaining({ CONFIG_ID: late, TITLE: 'Late Trunk' }),
				]);
				expect(portal.sandbox.lines()).toHaveLength(1);
			},
		);
		it('reset on the add, then the repeat meets TITLE_EXISTS in a cut-off answer: the item still succeeds with its line', async () => {
			portal.sandbox.injectFault('reset', 1, { restMethods: ['voximplant.sip.add'] });
			portal.sandbox.injectFault('truncatedAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
			let late: number | undefined;
			portal.sandbox.setBeforeCall((method) => {
				if (method === 'voximplant.sip.add' && late === undefined) {
					late = portal.sandbox.addLineByHand({
						type: 'office',
						title: 'Late Trunk',
						server: 'sip.example.com',
						login: 'trunk',
						password: 'secret-pass',
					}).configId;
				}
			});

			const run = await create({ title: 'Late Trunk' });

			expect(
				portal.sandbox.log
					.filter((entry) => entry.restMethod === 'voximplant.sip.add')
					.map((entry) => [entry.fault, entry.error]),
			).toEqual([
				['reset', undefined],
				['truncatedAfterRun', 'TITLE_EXISTS'],
			]);
			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([expect.objectContaining({ CONFIG_ID: late, TITLE: 'Late Trunk' })]);
			expect(portal.sandbox.lines()).toHaveLength(1);
		});
	});

	describe('rule 6: the lookup after a lost answer fails too', () => {
		it('the item fails with "may or may not have been created"; no second add', async () => {
			portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
			// the pre-read has run by now: only the lookups after the add fail
			portal.sandbox.setBeforeCall((method) => {
				if (method === 'voximplant.sip.add')
					portal.sandbox.injectFault('html502', 10, { restMethods: ['voximplant.sip.get'] });
			});

			const run = await create({ title: 'Trunk' }, [{}], true);

			expect(run.items).toHaveLength(1);
			expect(run.json[0].error).toEqual(expect.stringContaining(MAY_OR_MAY_NOT));
			expect(run.json[0].CONFIG_ID).toBeUndefined();
			expect(
				portal.sandbox.log.filter((entry) => entry.fault === 'html502').length,
			).toBeGreaterThan(0);
			expect(
				methods(portal.sandbox.log).filter((method) => method === 'voximplant.sip.get'),
			).toHaveLength(1 + portal.sandbox.log.filter((entry) => entry.fault === 'html502').length);
			expect(adds(portal.sandbox.log)).toHaveLength(1);
			expect(portal.sandbox.lines()).toHaveLength(1);
		});
	});

	describe('rule 7: titles are compared without case', () => {
		it.each([
			['Main Trunk', 'MAIN TRUNK'],
			['Main Trunk', '  main trunk '],
			['Главная линия', 'ГЛАВНАЯ ЛИНИЯ'],
		])('Return Existing: an existing "%s" is returned for "%s"', async (stored, asked) => {
			const existing = portal.sandbox.addLineByHand({
				type: 'office',
				title: stored,
				server: 'sip.example.com',
				login: 'trunk',
			});

			const run = await create({ title: asked, options: { ifTitleExists: 'returnExisting' } });

			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				expect.objectContaining({ CONFIG_ID: existing.configId, TITLE: stored }),
			]);
			expect(portal.sandbox.lines()).toEqual([existing]);
		});
	});

	describe('rule 8: an unreadable 200 after a write may have run', () => {
		it.each<FaultKind>(['truncatedAfterRun'])(
			'%s on update: repeated safely, the item succeeds with the change made',
			async (fault) => {
				const line = portal.sandbox.addLineByHand({
					type: 'office',
					title: 'Trunk',
					server: 'sip.example.com',
					login: 'trunk',
				});
				portal.sandbox.injectFault(fault, 1, { restMethods: ['voximplant.sip.update'] });

				const run = await portal.run({
					resource: 'line',
					operation: 'update',
					configId: line.configId,
					updateFields: { password: 'new-pass', title: 'Trunk 2' },
				});

				const updates = portal.sandbox.log.filter(
					(entry) => entry.restMethod === 'voximplant.sip.update',
				);
				expect(updates.map((entry) => [entry.fault, entry.status])).toEqual([
					[fault, 200],
					[undefined, 200],
				]);
				expect(run.failure).toBeUndefined();
				expect(run.json).toEqual([
					{ CONFIG_ID: line.configId, updated: true, updatedFields: ['TITLE', 'PASSWORD'] },
				]);
				expect(portal.sandbox.lines()[0]).toMatchObject({ password: 'new-pass', title: 'Trunk 2' });
			},
		);

		it.each<FaultKind>(['truncatedAfterRun'])(
			'%s on delete: reported deleted, the repeat finds it gone',
			async (fault) => {
				const line = portal.sandbox.addLineByHand({
					type: 'office',
					title: 'Trunk',
					server: 'sip.example.com',
					login: 'trunk',
				});
				portal.sandbox.injectFault(fault, 1, { restMethods: ['voximplant.sip.delete'] });

				const run = await portal.run({
					resource: 'line',
					operation: 'delete',
					configId: line.configId,
				});

				const deletes = portal.sandbox.log.filter(
					(entry) => entry.restMethod === 'voximplant.sip.delete',
				);
				expect(deletes.map((entry) => [entry.fault, entry.error])).toEqual([
					[fault, undefined],
					[undefined, 'ERROR_NOT_FOUND'],
				]);
				expect(run.failure).toBeUndefined();
				expect(run.json).toEqual([{ CONFIG_ID: line.configId, deleted: true }]);
				expect(portal.sandbox.lines()).toEqual([]);
			},
		);

		it('truncated200 on a read is repeated and succeeds', async () => {
			const line = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Trunk',
				server: 'sip.example.com',
				login: 'trunk',
			});
			portal.sandbox.injectFault('truncated200', 1, { restMethods: ['voximplant.sip.get'] });

			const run = await portal.run({ resource: 'line', operation: 'get', configId: line.configId });

			expect(portal.sandbox.log.map((entry) => [entry.restMethod, entry.fault])).toEqual([
				['voximplant.sip.get', 'truncated200'],
				['voximplant.sip.get', undefined],
			]);
			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				expect.objectContaining({ CONFIG_ID: line.configId, TITLE: 'Trunk' }),
			]);
		});
	});

	describe('a PHP notice before the JSON (self-hosted portals) is read past: the real answer counts', () => {
		it('a create is answered once, with its line', async () => {
			portal.sandbox.injectFault('phpNoticeAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
			const run = await create({ title: 'Trunk' });
			expect(run.failure).toBeUndefined();
			expect(run.json).toEqual([
				expect.objectContaining({ TITLE: 'Trunk', CONFIG_ID: portal.sandbox.lines()[0].configId }),
			]);
			expect(adds(portal.sandbox.log)).toHaveLength(1);
		});

		it('a refusal behind a notice is that refusal: TITLE_EXISTS, nothing repeated', async () => {
			portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Trunk',
				server: 'sip.example.com',
				login: 'trunk',
			});
			portal.sandbox.injectFault('phpNoticeAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
			const run = await create({ title: 'Trunk' });
			expect(run.failure?.context).toMatchObject({ bitrix24Code: 'TITLE_EXISTS' });
			expect(adds(portal.sandbox.log)).toHaveLength(1);
		});

		it('a batch behind a notice: the item that created the line gets it, the other TITLE_EXISTS', async () => {
			portal.sandbox.injectFault('phpNoticeAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
			const run = await create(
				{ title: '={{ $json.title }}' },
				[{ title: 'Trunk' }, { title: 'TRUNK' }],
				true,
			);
			const [line] = portal.sandbox.lines();
			expect(run.json[0]).toMatchObject({ CONFIG_ID: line.configId });
			expect(run.json[1]).toMatchObject({ code: 'TITLE_EXISTS' });
		});

		it('an update behind a notice is done once', async () => {
			const line = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Trunk',
				server: 'sip.example.com',
				login: 'trunk',
			});
			portal.sandbox.injectFault('phpNoticeAfterRun', 1, {
				restMethods: ['voximplant.sip.update'],
			});
			const run = await portal.run({
				resource: 'line',
				operation: 'update',
				configId: line.configId,
				updateFields: { password: 'new-pass' },
			});
			expect(run.failure).toBeUndefined();
			expect(
				portal.sandbox.log.filter((entry) => entry.restMethod === 'voximplant.sip.update'),
			).toHaveLength(1);
			expect(portal.sandbox.lines()[0].password).toBe('new-pass');
		});
	});

	describe('rule 9: one item never spoils another', () => {
		it('10 creates with a lost batch answer: exactly 10 lines, each item paired to its own line', async () => {
			portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
			const input = Array.from({ length: 10 }, (_, index) => ({
				title: `Line ${index}`,
				login: `user${index}`,
			}));

			const run = await create(
				{ title: '={{ $json.title }}', login: '={{ $json.login }}' },
				input,
				true,
			);

			expect(portal.sandbox.log.filter((entry) => entry.fault === 'lostAfterRun')).toHaveLength(1);
			expect(adds(portal.sandbox.log)).toHaveLength(10);
			const lines = portal.sandbox.lines();
			expect(lines).toHaveLength(10);
			const idOf = new Map(lines.map((line) => [line.title, line.configId]));
			expect(
				run.items.map((item) => [
					item.pairedItem,
					item.json.CONFIG_ID,
					item.json.TITLE,
					item.json.LOGIN,
				]),
			).toEqual(
				input.map((wanted, index) => [
					{ item: index },
					idOf.get(wanted.title),
					wanted.title,
					wanted.login,
				]),
			);
		});

		it('10 creates with a lost batch answer, one title taken before: that item fails alone, the others get their own line', async () => {
			const taken = portal.sandbox.addLineByHand({
				type: 'office',
				title: 'Line 4',
				server: 'sip.example.com',
				login: 'user4',
			});
			portal.sandbox.injectFault('lostAfterRun', 1, { restMethods: ['voximplant.sip.add'] });
			const input = Array.from({ length: 10 }, (_, index) => ({
				title: `Line ${index}`,
				login: `user${index}`,
			}));

			const run = await create(
				{ title: '={{ $json.title }}', login: '={{ $json.login }}' },
				input,
				true,
			);

			const lines = portal.sandbox.lines();
			expect(lines).toHaveLength(10);
			const idOf = new Map(lines.map((line) => [line.title, line.configId]));
			expect(run.items.map((item) => item.pairedItem)).toEqual(
				input.map((_, index) => ({ item: index })),
			);
			run.json.forEach((item, index) => {
				if (index === 4) {
					expect(item).toMatchObject({ code: 'TITLE_EXISTS', configId: taken.configId });
					expect(item.CONFIG_ID).toBeUndefined();
				} else {
					expect(item).toMatchObject({
						CONFIG_ID: idOf.get(`Line ${index}`),
						TITLE: `Line ${index}`,
						LOGIN: `user${index}`,
					});
				}
			});
		});
	});
});
