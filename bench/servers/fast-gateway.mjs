// fast-gateway 3.4.7 in a process of its own, proxying GET /passthrough to the upstream's /data:
// the Node gateway Portico's throughput is compared with.
//
//   node bench/servers/fast-gateway.mjs <port> <upstream origin>
//
// fast-gateway registers `prefix + pathRegex` and pathRegex defaults to '/*', which matches
// /passthrough/… but not /passthrough itself; an empty pathRegex registers the exact path.
import gateway from 'fast-gateway';

// Told from other servers in ps (and from a pkill -f aimed at them).
process.title = 'portico-bench fast-gateway';

const port = Number(process.argv[2]);
const target = process.argv[3];
if (!Number.isInteger(port) || port <= 0 || !/^http:\/\//.test(target ?? '')) {
  process.stderr.write('usage: node bench/servers/fast-gateway.mjs <port> <http://upstream>\n');
  process.exit(2);
}

const server = gateway({
  routes: [
    { prefix: '/passthrough', prefixRewrite: '/data', pathRegex: '', methods: ['GET'], target },
  ],
});

await server.start(port, '127.0.0.1');
process.stdout.write(`fast-gateway listening on 127.0.0.1:${port}, proxying to ${target}\n`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    void server.close().then(() => process.exit(0));
    server.getServer().closeAllConnections?.();
  });
}
