/* eslint-disable no-console, @n8n/community-nodes/no-restricted-globals -- a developer script that runs in plain Node, not code shipped to n8n Cloud */
/**
 * `npm run bench`: the node through n8n's engine against the sandbox portal, in five scenarios
 * (scripts/bench/*.ts): "items" (N items of one execution, batched and unbatched), "burst" (many
 * executions at once in one n8n process), "floor" (CPU and memory per item over a NoOp),
 * "trickle" (executions arriving one by one over seconds, and a lone one, against the engine
 * floor) and "processes" (two n8n processes trickling against one portal).
 * Env BENCH_SCENARIOS (default items,burst,floor,trickle,processes) picks them; each file names
 * its own settings.
 */
import { burstScenario } from './bench/burst';
import { machine } from './bench/common';
import { floorScenario } from './bench/floor';
import { itemsScenario } from './bench/items';
import { processesScenario } from './bench/processes';
import { trickleScenario } from './bench/trickle';

const SCENARIOS: Record<string, () => Promise<boolean>> = {
	items: itemsScenario,
	burst: burstScenario,
	floor: floorScenario,
	trickle: trickleScenario,
	processes: processesScenario,
};

function selected(): string[] {
	const text = process.env.BENCH_SCENARIOS?.trim();
	if (!text) return Object.keys(SCENARIOS);
	const names = text.split(/[\s,]+/).filter(Boolean);
	const unknown = names.filter((name) => !(name in SCENARIOS));
	if (unknown.length > 0) {
		throw new Error(
			`BENCH_SCENARIOS: unknown ${unknown.join(', ')}; choose from ${Object.keys(SCENARIOS).join(', ')}`,
		);
	}
	return names;
}

async function main(): Promise<void> {
	const names = selected();
	console.log(`Machine: ${machine()}`);
	console.log('');
	let allPassed = true;
	for (const name of names) {
		if (!(await SCENARIOS[name]())) allPassed = false;
	}
	if (!allPassed) process.exitCode = 1;
}

main().catch((error: Error) => {
	console.error(error.stack ?? String(error));
	process.exitCode = 1;
});
