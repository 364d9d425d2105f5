/**
 * A second floor for bench:gateway: the least a JSON-aware gateway must do — read and parse the
 * request, re-serialize it, call the upstream with undici's dispatcher (keep-alive; the API Faro's
 * client uses, cheaper than undici's request()), parse the answer and serialize it back — with no
 * validation, routing, logging or streaming translation. Streams are relayed chunk by chunk.
 * The gap between this and Faro is what Faro's own features cost.
 * Usage: node --import tsx test/bench/jsonProxy.ts UPSTREAM_URL; prints its URL.
 */
import { createServer, type ServerResponse } from "node:http";
import { Agent } from "undici";

const upstream = new URL(process.argv[2] ?? "");
const dispatcher = new Agent({ connections: 256 });

/** Sends `body`; a stream is written to `res` as it comes, a JSON answer is handed back whole. */
function call(path: string, body: string, res: ServerResponse | null): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    dispatcher.dispatch(
      { origin: upstream.origin, path: `${upstream.pathname}${path}`, method: "POST", headers: { "content-type": "application/json", authorization: "Bearer bench-key" }, body },
      {
        // undici takes a handler without onRequestStart for one of its older shape.
        onRequestStart() {},
        onResponseStart(_c, code) {
          status = code;
          if (res) res.writeHead(code, { "content-type": "text/event-stream" });
        },
        onResponseData(_c, chunk) {
          if (res) res.write(chunk);
          else chunks.push(chunk);
        },
        onResponseEnd() {
          resolve({ status, text: Buffer.concat(chunks).toString("utf8") });
        },
        onResponseError(_c, err) {
          reject(err);
        },
      },
    );
  });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { stream?: boolean };
    call(req.url!.replace(/^\/v1/, ""), JSON.stringify(body), body.stream ? res : null).then(
      (up) => {
        if (body.stream) return void res.end();
        const text = JSON.stringify(JSON.parse(up.text));
        res.writeHead(up.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      },
      () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      },
    );
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as { port: number }).port}/v1\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
