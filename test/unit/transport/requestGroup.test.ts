import type { IDataObject } from 'n8n-workflow';

import type { WaitingCall, WaitingRun } from '../../../nodes/shared/transport/requestGroup';
import { pickGroup } from '../../../nodes/shared/transport/requestGroup';

interface Call extends WaitingCall {
	name: string;
}

interface Run extends WaitingRun {
	name: string;
	pending: Call[];
}

/**
 * A call is written as its name, optionally with `@key` (its order key) and `$` (a value Bitrix24
 * would read as a batch reference): 'c@line 5', 'r$'. Arrival order is the order of the `seq`s.
 */
function call(spec: string, seq: number): Call {
	const [head, key] = spec.split('@');
	const params: IDataObject = head.endsWith('$') ? { TITLE: '$result[c0]' } : { TITLE: head };
	return { name: head.replace('$', ''), seq, params, orderKey: key };
}

function run(name: string, batching: boolean, firstSeq: number, specs: string[]): Run {
	return { name, batching, pending: specs.map((spec, index) => call(spec, firstSeq + index)) };
}

function many(prefix: string, count: number): string[] {
	return Array.from({ length: count }, (_, index) => `${prefix}${index}`);
}

/** The picked shares as [run, count], and the calls `admit` was asked about, in order. */
function pick(
	ready: Run[],
	held: string[] = [],
	maxCommands?: number,
): { shares: Array<[string, number]>; asked: string[] } {
	const asked: string[] = [];
	const shares = pickGroup(
		ready,
		(_run, waiting) => {
			asked.push(waiting.name);
			return !held.includes(waiting.name);
		},
		maxCommands,
	);
	return { shares: shares.map(({ run: picked, count }) => [picked.name, count]), asked };
}

describe('pickGroup', () => {
	it.each<[string, Run[], string[], Array<[string, number]>]>([
		['nothing ready', [], [], []],
		['one run: all its calls, in order', [run('A', true, 0, ['a', 'b', 'c'])], [], [['A', 3]]],
		['at most 50 calls', [run('A', true, 0, many('a', 60))], [], [['A', 50]]],
		[
			'runs by the arrival of their first call',
			[run('A', true, 5, ['a']), run('B', true, 0, ['b'])],
			[],
			[
				['B', 1],
				['A', 1],
			],
		],
		[
			'two runs share the 50 places, the earlier first',
			[run('A', true, 0, many('a', 30)), run('B', true, 100, many('b', 30))],
			[],
			[
				['A', 30],
				['B', 20],
			],
		],
		[
			'a run without batching goes alone when it is first',
			[run('A', false, 0, ['a', 'b']), run('B', true, 10, ['c'])],
			[],
			[['A', 1]],
		],
		[
			'a run without batching waits while others fill the request',
			[run('A', true, 0, ['a']), run('B', false, 10, ['b'])],
			[],
			[['A', 1]],
		],
		[
			'a call Bitrix24 would read as a batch reference goes alone',
			[run('A', true, 0, ['r$', 'b']), run('B', true, 10, ['c'])],
			[],
			[['A', 1]],
		],
		[
			'a batch reference later in a run ends its share',
			[run('A', true, 0, ['a', 'r$', 'b']), run('B', true, 10, ['c'])],
			[],
			[
				['A', 1],
				['B', 1],
			],
		],
		[
			'a second call with the same order key waits for the first one’s answer',
			[run('A', true, 0, ['a@line 5', 'b@line 6', 'c@line 5', 'd'])],
			[],
			[['A', 2]],
		],
		[
			'calls without an order key never wait for each other',
			[run('A', true, 0, ['a', 'b', 'c'])],
			[],
			[['A', 3]],
		],
		[
			'order keys count within a run only',
			[run('A', true, 0, ['a@line 5']), run('B', true, 10, ['b@line 5'])],
			[],
			[
				['A', 1],
				['B', 1],
			],
		],
		[
			'a call held back ends its run’s share; other runs still join',
			[run('A', true, 0, ['a', 'held', 'b']), run('B', true, 10, ['c'])],
			['held'],
			[
				['A', 1],
				['B', 1],
			],
		],
		[
			'a held-back first call of a run without batching lets the next run go',
			[run('A', false, 0, ['held']), run('B', true, 10, ['b', 'c'])],
			['held'],
			[['B', 2]],
		],
		[
			'a run whose first call is held back sends nothing',
			[run('A', true, 0, ['held', 'a'])],
			['held'],
			[],
		],
	])('%s', (_name, ready, held, shares) => {
		expect(pick(ready, held).shares).toEqual(shares);
	});

	it.each<[string, Run[], string[], number | undefined, string[]]>([
		['every call that goes, in order', [run('A', true, 0, ['a', 'b'])], [], undefined, ['a', 'b']],
		[
			'not the call behind a repeated order key, nor anything after it',
			[run('A', true, 0, ['a@k', 'b@k', 'c'])],
			[],
			undefined,
			['a'],
		],
		[
			'nothing more of a run after a call it held back',
			[run('A', true, 0, ['a', 'held', 'b']), run('B', true, 10, ['c'])],
			['held'],
			undefined,
			['a', 'held', 'c'],
		],
		[
			'not a run without batching once the request has calls',
			[run('A', true, 0, ['a']), run('B', false, 10, ['b'])],
			[],
			undefined,
			['a'],
		],
		[
			'nothing beyond the last place',
			[run('A', true, 0, ['a', 'b', 'c']), run('B', true, 10, ['d'])],
			[],
			2,
			['a', 'b'],
		],
	])('asks admit about %s', (_name, ready, held, maxCommands, asked) => {
		expect(pick(ready, held, maxCommands).asked).toEqual(asked);
	});

	it('leaves the runs as they were: the queue takes the calls', () => {
		const ready = [run('A', true, 0, ['a', 'b'])];
		pick(ready);
		expect(ready[0].pending.map((waiting) => waiting.name)).toEqual(['a', 'b']);
	});
});
