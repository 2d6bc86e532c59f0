// Where and with what a run was made, for the report: the machine, and the versions of Portico
// and of what it was compared with.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { createRequire } from 'node:module';
import { arch } from 'node:process';

const require = createRequire(import.meta.url);

export function machineInfo() {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryBytes: totalmem(),
    os: `${type()} ${release()} ${arch}`,
    node: process.version,
    // How busy the machine was before the run: other work skews every number.
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

function packageVersion(name) {
  try {
    const file = require.resolve(`${name}/package.json`);
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** The commit, and whether the working tree differs from it. Read-only: no index refresh. */
function gitCommit(root) {
  const git = (...args) =>
    spawnSync('git', ['--no-optional-locks', ...args], { cwd: root, encoding: 'utf8' });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return undefined;
  const status = git('status', '--porcelain', '--untracked-files=no');
  return { commit: head.stdout.trim(), dirty: status.stdout.trim() !== '' };
}

export function versionsInfo(root, nginx) {
  return {
    portico: gitCommit(root),
    fastGateway: packageVersion('fast-gateway'),
    autocannon: packageVersion('autocannon'),
    undici: packageVersion('undici'),
    hdrHistogram: packageVersion('hdr-histogram-js'),
    nginx,
  };
}
