/**
 * What targets inherit from the nodes above them, as in Portkey: a custom_host given above a
 * strategy holds for the targets under it that give none.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Executor, type Leaf } from "../../../server/gateway/routing/executor";
import { CircuitBreaker } from "../../../server/gateway/routing/breaker";
import { parseConfig } from "../../../server/gateway/routing/config";
import { EMPTY_SETTINGS, leafResolver } from "../../../server/gateway/targets";
import { NO_HINTS } from "../../../server/gateway/routing/headers";
import { KeyStore } from "../../../server/gateway/keys";
import { FaroError } from "../../../server/errors";

const resolver = leafResolver("m", new KeyStore({ OPENAI_API_KEY: "sk" }), NO_HINTS, EMPTY_SETTINGS);

async function leaves(config: unknown): Promise<Leaf[]> {
  const seen: Leaf[] = [];
  const ex = new Executor(resolver, new CircuitBreaker({ threshold: 100, cooldownMs: 1 }));
  await ex.run(parseConfig(config, "config"), { metadata: {}, params: {} }, async (leaf) => {
    seen.push(leaf);
    if (seen.length === 1) throw new FaroError("down", { status: 503, type: "server_error" });
  }, new AbortController().signal);
  return seen;
}

test("a top-level custom_host reaches the fallback targets under it; a target's own wins", async () => {
  const host = "http://127.0.0.1:8000/v1";
  const got = await leaves({
    custom_host: host,
    strategy: { mode: "fallback" },
    targets: [{ provider: "openai", override_params: { model: "a" } }, { provider: "openai", custom_host: "http://127.0.0.1:9000/v1", override_params: { model: "b" } }],
  });
  assert.deepEqual(got.map((l) => l.target.baseUrl), [host, "http://127.0.0.1:9000/v1"]);
});

test("an inherited custom_host is checked like a target's own", async () => {
  await assert.rejects(leaves({ custom_host: "https://evil.example/v1", strategy: { mode: "single" }, targets: [{ provider: "openai" }] }), (e: FaroError) => e.code === "host_not_allowed");
});
