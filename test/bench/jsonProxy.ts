/**
 * A second floor for bench:gateway: the least a JSON-aware gateway must do — read and parse the
 * request, re-serialize it, call the upstream with undici (keep-alive), parse the answer and
 * serialize it back — with no validation, routing, logging or streaming translation. Streams are
 * piped. The gap between this and Faro is what Faro's own features cost.
 * Usage: node --import tsx test/bench/jsonProxy.ts UPSTREAM_URL; prints its URL.
 */
import { createServer } from "node:http";
import { Agent, request } from "undici";

const upstream = process.argv[2] ?? "";
const dispatcher = new Agent({ connections: 256 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { stream?: boolean };
    request(`${upstream}${req.url!.replace(/^\/v1/, "")}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer bench-key" },
      body: JSON.stringify(body),
      dispatcher,
    }).then(
      async (up) => {
        if (body.stream) {
          res.writeHead(up.statusCode, { "content-type": "text/event-stream" });
          for await (const chunk of up.body) res.write(chunk);
          res.end();
          return;
        }
        const text = JSON.stringify(JSON.parse(await up.body.text()));
        res.writeHead(up.statusCode, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      },
      () => {
        res.writeHead(502);
        res.end();
      },
    );
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as { port: number }).port}/v1\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
