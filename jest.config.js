/** Unit tests run on their own, without the engine harness that test/setup.ts loads. */
const shared = {
	testEnvironment: 'node',
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};

/** @type {import('jest').Config} */
module.exports = {
	testTimeout: 60000,
	projects: [
		{ ...shared, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
		{
			...shared,
			displayName: 'engine',
			roots: ['<rootDir>/test'],
			testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/'],
			setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
		},
	],
};
