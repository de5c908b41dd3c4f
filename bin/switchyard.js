#!/usr/bin/env node
// The switchyard executable: runs the compiled CLI (npm ci builds dist/ through `prepare`).
// A command that failed part-way may leave handles open (a serve whose admin port was taken has
// already bound its xDS port); nothing more will happen, so a failure exits once stderr has had
// a moment to drain instead of hanging. Success exits naturally, so piped output is never cut.
const fail = (code) => { process.exitCode = code; setTimeout(() => process.exit(code), 500).unref(); };
require('../dist/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { if (code === 0) process.exitCode = 0; else fail(code); },
  (err) => { console.error(`switchyard: ${err && err.stack ? err.stack : err}`); fail(1); },
);
