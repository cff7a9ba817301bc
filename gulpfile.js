const fs = require('fs');
const path = require('path');
const { task, src, dest } = require('gulp');

// A stale file from a renamed or deleted source would otherwise ship in the package.
task('clean', (done) => {
	fs.rmSync(path.resolve('dist'), { recursive: true, force: true });
	done();
});

// tsc emits only JavaScript; n8n also needs the icons and codex files next to the built nodes.
task('build:icons', () =>
	src(['nodes/**/*.{png,svg,json}', 'credentials/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest(path.resolve('dist'))),
);
