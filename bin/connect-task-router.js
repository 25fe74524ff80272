#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// A source checkout runs the TypeScript directly; a published package runs the compiled lib/.
const sourceCli = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
if (fs.existsSync(sourceCli)) {
  require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
}
const { main } = require(fs.existsSync(sourceCli) ? sourceCli : '../lib/src/cli/main.js');
main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
