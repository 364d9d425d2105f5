/**
 * An embeddings answer that is cut short or the wrong shape is the provider's bad answer (a 502
 * naming it), never a crash inside Faro nor vectors paired with the wrong inputs. OpenAI-family
 * and Gemini upstreams, each against a loopback server that answers what the test says.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { OpenAIUpstream } from "../../../server/providers/openai/openaiUpstream";
import { GeminiUpstream } from "../../../server/providers/gemini/geminiUpstream";
import { UpstreamError, type Target, type Upstream } from "../../../server/providers/upstream";

let server: Server;
let answer = "";
let base = "";

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ctx = () => ({ signal: new AbortController().signal, requestId: "r", priority: null });

async function embed(up: Upstream, target: Target, body: string) {
  answer = body;
  return up.embed!(target, { model: target.model, input: ["one", "two"] }, ctx());
}

const families: Array<{ name: string; up: Upstream; target: () => Target; good: string; wrong: string[] }> = [
  {
    name: "OpenAI",
    up: new OpenAIUpstream(),
    target: () => ({ provider: "openai", model: "text-embedding-3-small", apiKey: "k", baseUrl: `${base}/v1`, headers: {}, timeoutMs: null }),
    good: JSON.stringify({ object: "list", data: [{ index: 0, embedding: [0.1, 0.2] }, { index: 1, embedding: [0.3, 0.4] }], usage: { prompt_tokens: 2 } }),
    wrong: [
      JSON.stringify({ data: [{ embedding: [0.1] }] }),
      JSON.stringify({ data: [{ embedding: "0.1,0.2" }, { embedding: [0.3] }] }),
      JSON.stringify({ data: "nope" }),
      JSON.stringify({ data: [null, null] }),
    ],
  },
  {
    name: "Gemini",
    up: new GeminiUpstream(),
    target: () => ({ provider: "google", model: "text-embedding-004", apiKey: "k", baseUrl: base, headers: {}, timeoutMs: null }),
    good: JSON.stringify({ embeddings: [{ values: [0.1, 0.2] }, { values: [0.3, 0.4] }] }),
    wrong: [JSON.stringify({ embeddings: [{ values: [0.1] }] }), JSON.stringify({ embeddings: [{ values: [0.1] }, {}] }), JSON.stringify({ embeddings: [{ values: ["a"] }, { values: [1] }] }), "{}"],
  },
];

for (const f of families) {
  describe(`${f.name} embeddings answers`, () => {
    test("a well-formed answer gives one vector per input, in order", async () => {
      const out = await embed(f.up, f.target(), f.good);
      assert.deepEqual(out.vectors, [[0.1, 0.2], [0.3, 0.4]]);
    });

    test("a body cut short is a 502 from the provider", async () => {
      await assert.rejects(embed(f.up, f.target(), f.good.slice(0, 30)), (err: unknown) => {
        assert.ok(err instanceof UpstreamError);
        assert.equal(err.status, 502);
        assert.equal(err.code, "upstream_bad_response");
        assert.match(err.message, /not JSON/);
        return true;
      });
    });

    test("JSON that is not an object is a 502 from the provider", async () => {
      for (const body of ["null", "[]", "42"]) {
        await assert.rejects(embed(f.up, f.target(), body), (err: unknown) => {
          assert.ok(err instanceof UpstreamError, `${body}: ${String(err)}`);
          assert.equal(err.status, 502);
          assert.match(err.message, /sent JSON that is not an object/);
          return true;
        });
      }
    });

    test("vectors missing or not lists of numbers are a 502 from the provider", async () => {
      for (const body of f.wrong) {
        await assert.rejects(embed(f.up, f.target(), body), (err: unknown) => {
          assert.ok(err instanceof UpstreamError, `${body}: ${String(err)}`);
          assert.equal(err.status, 502);
          assert.match(err.message, /sent \d+ embeddings for 2 inputs, or vectors that are not lists of numbers/);
          return true;
        });
      }
    });
  });
}
