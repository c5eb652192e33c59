#!/usr/bin/env node
require('tsx/cjs');
const { buildCli, exitCodeFor } = require('../src/client.ts');

buildCli()
  .parseAsync(process.argv)
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = exitCodeFor(error);
  });
