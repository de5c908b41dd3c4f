#!/usr/bin/env node
// The switchyard executable: runs the compiled CLI (npm ci builds dist/ through `prepare`).
require('../dist/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`switchyard: ${err && err.stack ? err.stack : err}`); process.exitCode = 1; },
);
