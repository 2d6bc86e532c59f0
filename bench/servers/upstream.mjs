// The fixed upstream every proxy target forwards to, and the `direct` target itself: plain
// node:http, so the ceiling is what one Node process can serve. Any GET answers 200 with the
// bench body; anything else 405.
//
//   node bench/servers/upstream.mjs <port> [host]
import { createServer } from 'node:http';
import { BODY_BYTES, CONTENT_TYPE } from '../lib/body.mjs';

// Told from other servers in ps (and from a pkill -f aimed at them).
process.title = 'portico-bench upstream';

const port = Number(process.argv[2]);
const host = process.argv[3] ?? '127.0.0.1';
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: node bench/servers/upstream.mjs <port> [host]\n');
  process.exit(2);
}

// Written once: every answer is the same.
const headers = { 'content-type': CONTENT_TYPE, 'content-length': String(BODY_BYTES.length) };

const server = createServer((req, res) => {
  if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET', 'content-length': '0' });
    res.end();
    return;
  }
  res.writeHead(200, headers);
  res.end(BODY_BYTES);
});
// Longer than every proxy's idle timeout for its pooled connections (Portico 4 s, nginx 60 s),
// so the upstream never closes a connection a proxy is about to reuse.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.listen(port, host, () => process.stdout.write(`upstream listening on ${host}:${port}\n`));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
