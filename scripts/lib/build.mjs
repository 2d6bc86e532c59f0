// The build check shared by `pnpm start` and `pnpm bench`: both run Portico from dist/, so both
// build first when there is no build yet or a source file is newer than it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The built entry points the scripts run, relative to the repository root. */
export const ENTRIES = {
  edge: 'apps/edge/dist/main.js',
  control: 'apps/control/dist/main.js',
  connections: 'apps/connections/dist/main.js',
  auth: 'apps/auth/dist/main.js',
  ratelimit: 'apps/ratelimit/dist/main.js',
  cache: 'apps/cache/dist/main.js',
  functions: 'libs/functions/dist/cli.js',
};

/** A build that is stale and may not be run, or that failed; the message says what to do. */
export class BuildError extends Error {}

/** Why a build is needed, or undefined when every entry point is newer than every source. */
export function buildReason(root, entries = ENTRIES) {
  const built = Object.values(entries).map((p) => join(root, p));
  if (built.some((p) => !existsSync(p))) return 'no build yet';
  const builtAt = Math.min(...built.map((p) => statSync(p).mtimeMs));
  for (const group of ['apps', 'libs']) {
    for (const pkg of readdirSync(join(root, group))) {
      const src = join(root, group, pkg, 'src');
      if (!existsSync(src)) continue;
      for (const file of readdirSync(src, { recursive: true })) {
        if (!String(file).endsWith('.ts') || String(file).endsWith('.spec.ts')) continue;
        if (statSync(join(src, String(file))).mtimeMs > builtAt) return 'sources changed';
      }
    }
  }
  return undefined;
}

/**
 * Runs `pnpm build` when buildReason() finds a reason (`noBuild` turns that into an error).
 * Returns the reason it built for, or undefined when the build was current. Throws BuildError.
 */
export function build(root, { noBuild = false, log, env = process.env, entries = ENTRIES }) {
  const reason = buildReason(root, entries);
  if (!reason) return undefined;
  if (noBuild) throw new BuildError(`the build is stale (${reason}); run \`pnpm build\`.`);
  log(`building (${reason}): pnpm build`);
  // Through the same pnpm that runs this script when there is one, so PATH does not matter.
  const pnpm = env.npm_execpath && /pnpm/.test(env.npm_execpath) ? env.npm_execpath : undefined;
  const result = pnpm
    ? spawnSync(process.execPath, [pnpm, 'build'], { cwd: root, stdio: 'inherit' })
    : spawnSync('pnpm', ['build'], { cwd: root, stdio: 'inherit' });
  if (result.error)
    throw new BuildError(`cannot run pnpm (${result.error.message}); install pnpm 10.`);
  if (result.status !== 0) throw new BuildError('the build failed; see the errors above.');
  return reason;
}
