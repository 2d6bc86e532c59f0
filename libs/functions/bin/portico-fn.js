#!/usr/bin/env node
// The `portico-fn` bin. Committed rather than built, so pnpm can link it when it installs the
// workspace, before `pnpm build` has made dist/.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write(`portico-fn: ${cli} does not exist yet; run \`pnpm build\` first\n`);
  process.exit(1);
}
require(cli).run(process.argv.slice(2));
