/**
 * The floor for bench:gateway: a bare node:http reverse proxy to the mock upstream (keep-alive
 * agent, bodies piped, no parsing, no logging). Whatever Faro adds beyond this is its own work.
 * Usage: node --import tsx test/bench/bareProxy.ts UPSTREAM_URL; prints its URL.
 */
import { Agent, createServer, request } from "node:http";

const upstream = new URL(process.argv[2] ?? "");
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

const server = createServer((req, res) => {
  const out = request(
    { host: upstream.hostname, port: upstream.port, path: `${upstream.pathname.replace(/\/$/, "")}${req.url!.replace(/^\/v1/, "")}`, method: req.method, headers: req.headers, agent },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on("error", () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(out);
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as { port: number }).port}/v1\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
