import { Bitrix24Sandbox, type SandboxOptions } from './index';

/**
 * A sandbox per test for the sandbox's own test files: the returned start() opens one with the
 * file's defaults, and it is closed after each test, so no test sees another's portal.
 */
export function sandboxPerTest(
	defaults: SandboxOptions = {},
): (options?: SandboxOptions) => Promise<Bitrix24Sandbox> {
	let sandbox: Bitrix24Sandbox | undefined;
	afterEach(async () => {
		await sandbox?.close();
		sandbox = undefined;
	});
	return async (options) => {
		sandbox = await Bitrix24Sandbox.start({ ...defaults, ...options });
		return sandbox;
	};
}
