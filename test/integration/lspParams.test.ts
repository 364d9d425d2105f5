/**
 * faro/* requests with params of the wrong shape, generated (seeded: FARO_FUZZ_SEED,
 * FARO_FUZZ_CASES): each is refused with a 400 that names the field (JSON-RPC code -32400, the
 * OpenAI fields in `data`), never answered as the method's internal failure (-32603), and the
 * language server keeps serving. Requests that would reach the network (models/download,
 * providers/check) or bind a port (endpoint/start) are left out.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { tempDir } from "../fixtures/serve";
import { pick, seededRandom } from "../fixtures/random";

const SEED = Number(process.env.FARO_FUZZ_SEED ?? 20261122);
const CASES = Number(process.env.FARO_FUZZ_CASES ?? 600);

const METHODS = [
  "faro/compare/cancel", "faro/compare/get", "faro/compare/list", "faro/compare/setWinner", "faro/compare/start",
  "faro/endpoint/status", "faro/keys/create", "faro/keys/list", "faro/keys/revoke", "faro/keys/usage",
  "faro/logs/export", "faro/logs/get", "faro/logs/query", "faro/logs/stats",
  "faro/models/downloadCancel", "faro/models/list", "faro/models/select", "faro/models/unload",
  "faro/prompt/cancel", "faro/prompt/history", "faro/prompt/inputs", "faro/prompt/label", "faro/prompt/list",
  "faro/prompt/recordSave", "faro/prompt/run", "faro/prompt/version",
  "faro/providers/list", "faro/providers/setKey", "faro/queue/cancel", "faro/queue/list",
];
const VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, "", "x", "file:///nope.prompt", [], [1], {}, { a: 1 }];
const FIELDS = ["uri", "text", "promptId", "version", "label", "runId", "comparisonId", "column", "limit", "name", "provider", "key", "model", "id", "filter", "format", "since", "until", "prompt", "models", "inputs", "variables", "datasetRow", "budgetUsd", "groupBy"];

let lsp: LspClient;

describe("faro/* requests with params of the wrong shape (seeded fuzz)", () => {
  before(async () => {
    lsp = await startLsp({ home: await tempDir(), modelsDirs: [] }, await tempDir());
  });
  after(async () => {
    assert.equal(await lsp.stop(), 0);
  });

  test(`${CASES} requests: refused with the field named, never an internal failure`, { timeout: 300_000 }, async (t) => {
    const rand = seededRandom(SEED);
    const failures: string[] = [];
    const codes = new Map<string, number>();
    for (let i = 0; i < CASES && failures.length < 10; i++) {
      const method = pick(rand, METHODS);
      const params = rand() < 0.1 ? pick(rand, VALUES) : Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [pick(rand, FIELDS), pick(rand, VALUES)]));
      let code = "ok";
      try {
        await lsp.conn.sendRequest(method, params);
      } catch (err) {
        const e = err as { code?: number; message?: string };
        code = String(e.code);
        if (e.code === -32603 || typeof e.message !== "string") failures.push(`case ${i} (seed ${SEED}) ${method} ${JSON.stringify(params)}: ${e.code} ${e.message}`);
      }
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    t.diagnostic(`answers by JSON-RPC code: ${JSON.stringify(Object.fromEntries(codes))}`);
    assert.deepEqual(failures, [], `the server's log ends:\n${lsp.stderr().slice(-2000)}`);
    assert.ok((codes.get("-32400") ?? 0) > CASES / 4, "most cases should be refused as bad params");
    const { prompts } = await lsp.request("faro/prompt/list", {});
    assert.ok(Array.isArray(prompts), "the server still answers");
  });

  test("a field of the wrong type is named in the error, with its OpenAI fields in data", async () => {
    await assert.rejects(lsp.request("faro/prompt/label", { promptId: "p", label: 7 as unknown as string, version: null }), (err: { code: number; message: string; data: { param: string; code: string } }) => {
      assert.equal(err.code, -32400);
      assert.equal(err.message, "faro/prompt/label: 'label' must be a non-empty string.");
      assert.deepEqual([err.data.param, err.data.code], ["label", "invalid_value"]);
      return true;
    });
    await assert.rejects(lsp.request("faro/prompt/version", { promptId: "p" } as never), { code: -32400, message: "faro/prompt/version: 'version' is required." });
    await assert.rejects(lsp.conn.sendRequest("faro/models/select", [1]), { code: -32400, message: "faro/models/select takes its params as an object." });
  });
});
