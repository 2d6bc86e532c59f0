import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { freePort } from '@portico/testing';
import {
  bindMountsOf,
  buildArgsOf,
  commandOf,
  dependenciesOf,
  environmentOf,
  healthcheckOf,
  readImageRuntime,
  workspacePackageDir,
  type ComposeFile,
  type ComposeService,
  type DependencyCondition,
} from './compose-file';

/**
 * Turns docker-compose.yml into local processes: the compose services that run Portico's own
 * code get their command, environment, working directory and healthcheck rewritten for this
 * machine; NATS, Redis and the load balancer are replaced by the test's own servers and a
 * direct edge address.
 */

/** Services the test replaces, by image. */
const REPLACED_IMAGES: Array<[RegExp, 'nats' | 'redis' | 'lb']> = [
  [/^nats:/, 'nats'],
  [/^redis:/, 'redis'],
  [/^nginx:/, 'lb'],
];

export interface LocalService {
  /** The process's name: the compose service's, or `<service>-<n>` for a scaled one. */
  name: string;
  /** The compose service it runs. */
  service: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** The compose healthcheck, rewritten; undefined when the service has none. */
  healthcheck?: string[];
  dependsOn: Array<{ name: string; condition: DependencyCondition }>;
}

export interface LocalPlan {
  /** Services to run, in an order that starts dependencies first. */
  services: LocalService[];
  replaced: Record<string, 'nats' | 'redis' | 'lb'>;
  /** `service:containerPort` → `host:port` on this machine, one per replica. */
  addresses: Map<string, string[]>;
  /**
   * `service:containerPort` → every replica's `host:port`, as Docker's DNS answers a service
   * name with one address per replica. Throws when the service does not listen on that port.
   */
  resolve(address: string): string[];
  /**
   * Rewrites service addresses in a string (`http://upstream:3000` → `http://127.0.0.1:41234`);
   * a scaled service's address becomes its first replica's.
   */
  rewrite(text: string): string;
  dispose(): void;
}

export interface LocalizeOptions {
  repo: string;
  compose: ComposeFile;
  natsUrl: string;
  redisUrl: string;
  /** Added to every service's environment (REDIS_KEY_PREFIX, say). */
  extraEnv: Record<string, string>;
  /** Replicas per service, as `docker compose up --scale edge=2` runs them; default 1. */
  scale?: Record<string, number>;
}

const ADDRESS = /\b([A-Za-z0-9][A-Za-z0-9_.-]*):(\d{2,5})\b/g;
const REWRITTEN_FILES = /\.(ya?ml|json|conf)$/;

export async function localize(opts: LocalizeOptions): Promise<LocalPlan> {
  const { repo, compose } = opts;
  const replaced: LocalPlan['replaced'] = {};
  const addresses = new Map<string, string[]>();
  /** Per process: container port → its `host:port` here. */
  const ownPorts = new Map<string, Map<string, string>>();
  const instances = new Map<string, string[]>();
  const temp: string[] = [];

  for (const [name, count] of Object.entries(opts.scale ?? {})) {
    if (!(name in compose.services)) throw new Error(`Cannot scale ${name}: no such service`);
    if (!Number.isInteger(count) || count < 1) throw new Error(`Bad scale for ${name}: ${count}`);
  }
  for (const [name, service] of Object.entries(compose.services)) {
    const role = REPLACED_IMAGES.find(([pattern]) => pattern.test(service.image ?? ''))?.[1];
    if (role) {
      replaced[name] = role;
      continue;
    }
    if (!commandOf(service)) throw new Error(`Service ${name} has no command to run locally`);
    const count = opts.scale?.[name] ?? 1;
    const names =
      count === 1 ? [name] : Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);
    instances.set(name, names);
    for (const instance of names) {
      // Every *_PORT variable is a port the service listens on: each replica gets a free one
      // here, where containers would each have their own address and the same port.
      const own = new Map<string, string>();
      for (const [variable, value] of Object.entries(environmentOf(service))) {
        if (!/_PORT$/.test(variable) || !/^\d+$/.test(value)) continue;
        const local = `127.0.0.1:${await freePort()}`;
        const key = `${name}:${value}`;
        addresses.set(key, [...(addresses.get(key) ?? []), local]);
        own.set(value, local);
      }
      ownPorts.set(instance, own);
    }
  }
  for (const [name, role] of Object.entries(replaced)) {
    if (role === 'lb') continue;
    const url = new URL(role === 'nats' ? opts.natsUrl : opts.redisUrl);
    addresses.set(`${name}:${role === 'nats' ? 4222 : 6379}`, [`${url.hostname}:${url.port}`]);
  }

  const resolve = (address: string): string[] => {
    const local = addresses.get(address);
    if (!local) {
      const host = address.split(':')[0] ?? address;
      throw new Error(
        host in compose.services
          ? `${address} is not a port that service ${host} listens on`
          : `${address}: no such service`,
      );
    }
    return local;
  };
  const rewriteFor =
    (self?: string) =>
    (text: string): string =>
      text.replace(ADDRESS, (match, host: string, port: string) => {
        if (self && (host === '127.0.0.1' || host === 'localhost')) {
          return ownPorts.get(self)?.get(port) ?? match;
        }
        if (!(host in compose.services)) return match;
        return resolve(`${host}:${port}`)[0] as string;
      });
  const rewrite = rewriteFor();

  const services: LocalService[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    if (replaced[name]) continue;
    // Replicas share the image and the bind mounts, as containers of one service do.
    const mounts = mountsFor(name, service, repo, rewrite, temp);
    for (const instance of instances.get(name) ?? []) {
      services.push(localService(instance, name, service, mounts));
    }
  }

  function localService(
    instance: string,
    name: string,
    service: ComposeService,
    mounts: Mounts,
  ): LocalService {
    const toHost = (value: string): string => {
      for (const [target, source] of [...mounts].sort((a, b) => b[0].length - a[0].length)) {
        if (value === target || value.startsWith(`${target}/`)) {
          return join(source, value.slice(target.length));
        }
      }
      return value;
    };
    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    Object.assign(env, mounts.imageEnv);
    for (const [variable, value] of Object.entries(environmentOf(service))) {
      const port = /_PORT$/.test(variable) ? ownPorts.get(instance)?.get(value) : undefined;
      // Listen on loopback here, where a container would listen on every interface.
      env[variable] = port
        ? (port.split(':')[1] as string)
        : value === '0.0.0.0'
          ? '127.0.0.1'
          : toHost(rewrite(value));
    }
    Object.assign(env, opts.extraEnv);
    const [command = '', ...args] = commandOf(service) ?? [];
    const healthcheck = healthcheckOf(service)?.map(rewriteFor(instance));
    return {
      name: instance,
      service: name,
      argv: [nodeOr(command), ...args.map(toHost)],
      cwd: mounts.cwd,
      env,
      healthcheck: healthcheck && [nodeOr(healthcheck[0] ?? ''), ...healthcheck.slice(1)],
      dependsOn: dependenciesOf(service),
    };
  }

  return {
    services: startOrder(services),
    replaced,
    addresses,
    resolve,
    rewrite,
    dispose: () => temp.forEach((dir) => rmSync(dir, { recursive: true, force: true })),
  };
}

/** `node` in a container is the Node that runs the tests here. */
function nodeOr(command: string): string {
  return command === 'node' ? process.execPath : command;
}

interface Mounts extends Map<string, string> {
  cwd: string;
  imageEnv: Record<string, string>;
}

/**
 * Container paths → paths here: the image's working directory is the package the Dockerfile
 * ships (build arg APP), and bind mounts are their sources in the repository — copied to a
 * temporary directory when a config file in them names service addresses that must be rewritten.
 */
function mountsFor(
  name: string,
  service: ComposeService,
  repo: string,
  rewrite: (text: string) => string,
  temp: string[],
): Mounts {
  const mounts = new Map<string, string>() as Mounts;
  mounts.imageEnv = {};
  mounts.cwd = repo;
  let workdir = service.working_dir;
  const buildArgs = buildArgsOf(service);
  if (buildArgs) {
    const app = buildArgs.APP;
    if (!app) throw new Error(`Service ${name} builds the Dockerfile without an APP build arg`);
    const runtime = readImageRuntime(join(repo, 'Dockerfile'), buildArgs);
    mounts.set(runtime.workdir, workspacePackageDir(repo, app));
    mounts.imageEnv = runtime.env;
    workdir ??= runtime.workdir;
  }
  for (const [target, source] of bindMountsOf(service, repo)) {
    if (!existsSync(source))
      throw new Error(`Service ${name} mounts ${source}, which does not exist`);
    mounts.set(target, withRewrittenConfig(source, rewrite, temp));
  }
  if (workdir) mounts.cwd = mounts.get(workdir) ?? repo;
  return mounts;
}

function withRewrittenConfig(
  source: string,
  rewrite: (t: string) => string,
  temp: string[],
): string {
  const files = statSync(source).isDirectory()
    ? readdirSync(source, { recursive: true }).map((f) => join(source, String(f)))
    : [source];
  const changed = files.filter(
    (file) =>
      REWRITTEN_FILES.test(file) &&
      statSync(file).isFile() &&
      rewrite(readFileSync(file, 'utf8')) !== readFileSync(file, 'utf8'),
  );
  if (changed.length === 0) return source;
  const copy = mkdtempSync(join(tmpdir(), 'portico-compose-'));
  temp.push(copy);
  const target = statSync(source).isDirectory() ? copy : join(copy, 'mounted');
  cpSync(source, target, { recursive: true });
  for (const file of changed) {
    const rel = relative(source, file);
    const dest = rel === '' ? target : join(target, rel);
    writeFileSync(dest, rewrite(readFileSync(file, 'utf8')));
  }
  return target;
}

function startOrder(services: LocalService[]): LocalService[] {
  const ordered: LocalService[] = [];
  const visit = (service: LocalService, path: string[]): void => {
    if (ordered.includes(service)) return;
    if (path.includes(service.service))
      throw new Error(`Dependency cycle: ${[...path, service.service].join(' → ')}`);
    for (const dep of service.dependsOn) {
      for (const next of services.filter((s) => s.service === dep.name)) {
        visit(next, [...path, service.service]);
      }
    }
    ordered.push(service);
  };
  services.forEach((service) => visit(service, []));
  return ordered;
}

/** The script files a service's command runs, as paths here. */
export function scriptsOf(service: LocalService): string[] {
  return service.argv
    .slice(1)
    .filter((arg) => /\.(c|m)?js$/.test(arg))
    .map((arg) => (isAbsolute(arg) ? arg : join(service.cwd, arg)));
}
