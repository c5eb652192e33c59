#!/usr/bin/env node
require('tsx/cjs');
const { runCli } = require('../src/cli/main.ts');

runCli(process.argv).then((code) => {
  process.exitCode = code;
});
