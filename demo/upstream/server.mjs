// The demo upstream: a tiny pets service on plain node:http, with no dependencies, so the demo
// API has something real to proxy to. Pets live in memory and reset on restart.
import { createServer } from 'node:http';

const port = Number(process.env.UPSTREAM_PORT ?? 3000);
const host = process.env.UPSTREAM_HOST ?? '127.0.0.1';
const maxBodyBytes = 1024 * 1024;

const pets = new Map([
  [1, { id: 1, type: 'dog', name: 'Rex', price: 249.99 }],
  [2, { id: 2, type: 'cat', name: 'Tom', price: 124.99 }],
  [3, { id: 3, type: 'fish', name: 'Nemo', price: 0.99 }],
]);
let nextId = pets.size + 1;

function send(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'x-demo-upstream': 'pets',
  });
  res.end(payload);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** What the gateway sent us, so callers can see what the integration forwarded. */
function describeRequest(req, url, body) {
  return {
    method: req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body,
  };
}

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://upstream.invalid');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const petMatch = /^\/pets\/([^/]+)$/.exec(path);

  if (path === '/health' && req.method === 'GET') return send(res, 200, { status: 'ok' });

  if (path === '/pets' && req.method === 'GET') {
    const type = url.searchParams.get('type');
    const list = [...pets.values()].filter((p) => !type || p.type === type);
    return send(res, 200, list);
  }

  if (path === '/pets' && req.method === 'POST') {
    const raw = await readBody(req);
    let input;
    try {
      input = raw ? JSON.parse(raw) : {};
    } catch {
      return send(res, 400, { message: 'body must be JSON' });
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return send(res, 400, { message: 'body must be a JSON object' });
    }
    const pet = { ...input, id: nextId++ };
    pets.set(pet.id, pet);
    return send(res, 201, pet);
  }

  if (petMatch && req.method === 'GET') {
    const pet = pets.get(Number(petMatch[1]));
    return pet ? send(res, 200, pet) : send(res, 404, { message: `no pet ${petMatch[1]}` });
  }

  // Holds the response back, to show the integration timeout (504) of the /slow route.
  if (path === '/slow') {
    const ms = Math.min(Number(url.searchParams.get('ms') ?? 5000) || 0, 60_000);
    const timer = setTimeout(() => send(res, 200, { waitedMs: ms }), ms);
    res.on('close', () => clearTimeout(timer));
    return undefined;
  }

  if (path === '/echo' || path.startsWith('/echo/')) {
    const body = await readBody(req);
    return send(res, 200, describeRequest(req, url, body));
  }

  return send(res, 404, { message: `no route for ${req.method} ${path}` });
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(JSON.stringify({ level: 'error', msg: 'request failed', err: err.message }));
    if (!res.headersSent) send(res, err.status ?? 500, { message: err.message });
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;

server.listen(port, host, () => {
  console.log(JSON.stringify({ level: 'info', msg: 'demo upstream listening', host, port }));
});

function shutdown(signal) {
  console.log(JSON.stringify({ level: 'info', msg: 'demo upstream stopping', signal }));
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  // In-flight requests (a /slow one, say) get a few seconds, then the process goes anyway.
  setTimeout(() => process.exit(0), 5_000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
