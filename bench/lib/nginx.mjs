// nginx as a reference proxy: found on PATH (or in the sbin directories Debian installs it to,
// which a non-root PATH often lacks), configured from a generated file in the run's temporary
// directory so it needs no root paths, and run in the foreground like the other targets.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The first executable named `name` on PATH or in the sbin directories, else undefined. */
export function findBinary(name, path = process.env.PATH ?? '') {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...EXTRA_DIRS]) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here; look in the next directory.
    }
  }
  return undefined;
}

/** `nginx -v` prints its version on stderr: `nginx version: nginx/1.22.1`. */
export function nginxVersion(bin) {
  const result = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return (result.stderr || result.stdout || '').trim() || undefined;
}

/**
 * Writes the config for one worker process (as one Portico edge is one process) proxying
 * GET /passthrough to the upstream's /data over kept-alive HTTP/1.1 connections. Returns the
 * arguments to run nginx with.
 */
export function writeNginxConfig(dir, { port, upstreamPort }) {
  mkdirSync(join(dir, 'temp'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  // Every path nginx writes is inside `dir`, so it runs without root.
  const text = `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log ${join(dir, 'access.log')};
  client_body_temp_path ${join(dir, 'temp/client_body')};
  proxy_temp_path ${join(dir, 'temp/proxy')};
  fastcgi_temp_path ${join(dir, 'temp/fastcgi')};
  uwsgi_temp_path ${join(dir, 'temp/uwsgi')};
  scgi_temp_path ${join(dir, 'temp/scgi')};
  # nginx closes a client connection after 1000 requests by default; the Node targets never do.
  keepalive_requests 1000000;
  upstream bench_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location = /passthrough {
      proxy_pass http://bench_upstream/data;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  writeFileSync(conf, text);
  // -e: the error log before the config is read, which otherwise defaults to a root path.
  return ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')];
}
