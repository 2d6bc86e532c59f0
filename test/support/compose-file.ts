import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The parts of a Compose service that decide how it runs. */
export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  working_dir?: string;
  container_name?: string;
  /** Published ports; the test checks that a scaled service has none. */
  ports?: Array<string | number | Record<string, unknown>>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

export type DependencyCondition =
  'service_started' | 'service_healthy' | 'service_completed_successfully';

export function readComposeFile(path: string): ComposeFile {
  const doc = parse(readFileSync(path, 'utf8')) as ComposeFile | null;
  if (!doc || typeof doc.services !== 'object') throw new Error(`${path} has no services`);
  return doc;
}

export function environmentOf(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(service.environment)) {
    for (const entry of service.environment) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  }
  for (const [name, value] of Object.entries(service.environment ?? {})) {
    if (value !== null) env[name] = String(value);
  }
  return env;
}

export function commandOf(service: ComposeService): string[] | undefined {
  if (service.command === undefined) return undefined;
  return Array.isArray(service.command) ? service.command : service.command.split(/\s+/);
}

/** The healthcheck as argv, `CMD-SHELL` going through sh; undefined when there is none. */
export function healthcheckOf(service: ComposeService): string[] | undefined {
  const test = service.healthcheck?.test;
  if (service.healthcheck?.disable || test === undefined) return undefined;
  if (typeof test === 'string') return ['sh', '-c', test];
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return ['sh', '-c', rest.join(' ')];
  return undefined;
}

export function dependenciesOf(service: ComposeService): Array<{
  name: string;
  condition: DependencyCondition;
}> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return deps.map((name) => ({ name, condition: 'service_started' }));
  return Object.entries(deps).map(([name, dep]) => ({
    name,
    condition: (dep.condition ?? 'service_started') as DependencyCondition,
  }));
}

/** Bind mounts as container path → host path (relative sources resolved against `base`). */
export function bindMountsOf(service: ComposeService, base: string): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    const [source, target] =
      typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target];
    if (source && target && (source.startsWith('.') || source.startsWith('/'))) {
      mounts.set(target, join(base, source));
    }
  }
  return mounts;
}

export function buildArgsOf(service: ComposeService): Record<string, string> | undefined {
  if (service.build === undefined) return undefined;
  return typeof service.build === 'string' ? {} : (service.build.args ?? {});
}

/** What the last stage of a Dockerfile gives a container: working directory and environment. */
export interface ImageRuntime {
  workdir: string;
  env: Record<string, string>;
}

/**
 * Reads WORKDIR and ENV of the Dockerfile's final stage, with `${ARG}` replaced from the build
 * args and ARG defaults. Enough for this repository's Dockerfile, not a full parser.
 */
export function readImageRuntime(
  dockerfile: string,
  buildArgs: Record<string, string>,
): ImageRuntime {
  const text = readFileSync(dockerfile, 'utf8').replace(/\\\r?\n/g, ' ');
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  let runtime: ImageRuntime = { workdir: '/', env: {} };
  let args: Record<string, string> = {};
  const expand = (value: string): string =>
    value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => {
      const name = (a ?? b) as string;
      return buildArgs[name] ?? args[name] ?? runtime.env[name] ?? '';
    });
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const operand = rest.join(' ');
    switch (instruction.toUpperCase()) {
      case 'FROM':
        runtime = { workdir: '/', env: {} };
        args = {};
        break;
      case 'ARG': {
        const [name = '', value = ''] = operand.split('=');
        args[name] = value;
        break;
      }
      case 'WORKDIR':
        runtime.workdir = expand(operand);
        break;
      case 'ENV':
        for (const pair of rest) {
          const eq = pair.indexOf('=');
          if (eq > 0) runtime.env[pair.slice(0, eq)] = expand(pair.slice(eq + 1));
        }
        break;
      default:
        break;
    }
  }
  return runtime;
}

/** The directory of the workspace package `@portico/<app>` (apps/* or libs/*). */
export function workspacePackageDir(repo: string, app: string): string {
  for (const group of ['apps', 'libs']) {
    const groupDir = join(repo, group);
    for (const dir of existsSync(groupDir) ? readdirSync(groupDir) : []) {
      const manifest = join(groupDir, dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === `@portico/${app}`) return join(groupDir, dir);
    }
  }
  throw new Error(`No workspace package @portico/${app} (build arg APP=${app})`);
}
