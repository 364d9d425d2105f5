// Settings -> InitializationOptions: valid values pass through, invalid ones are named and dropped.
import assert from "node:assert/strict";
import { test } from "node:test";
import { initializationOptions, serverRuntime, type SettingGetter } from "../../../extension/settings";

const env = { home: "/storage/faro", defaultModel: "llama-1b", userHome: "/home/dev" };
const getter = (values: Record<string, unknown>): SettingGetter => (key) => values[key];

test("passes valid settings through and expands ~ in model folders", () => {
  const { options, problems } = initializationOptions(
    getter({
      modelsDirs: ["~/models", " /data/gguf ", ""],
      "endpoint.host": "127.0.0.1",
      "endpoint.port": 4891,
      "endpoint.allowedOrigins": ["http://localhost:5173"],
      "engine.threads": 0,
      "engine.gpu": "cpu",
    }),
    env,
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(options, {
    home: "/storage/faro",
    defaultModel: "llama-1b",
    modelsDirs: ["/home/dev/models", "/data/gguf"],
    endpoint: { host: "127.0.0.1", port: 4891, allowedOrigins: ["http://localhost:5173"] },
    engine: { threads: 0, gpu: "cpu" },
  });
});

test("names each invalid setting and leaves it to the backend default", () => {
  const { options, problems } = initializationOptions(
    getter({ modelsDirs: "/models", "endpoint.port": 70000, "engine.threads": 1.5, "engine.gpu": "cuda", "endpoint.host": " " }),
    env,
  );
  assert.equal(problems.length, 5);
  assert.match(problems.join("\n"), /faro\.endpoint\.port must be an integer from 0 to 65535 \(got 70000\)/);
  assert.match(problems.join("\n"), /faro\.engine\.gpu must be "auto" or "cpu"/);
  assert.deepEqual(options.endpoint, {});
  assert.deepEqual(options.engine, {});
  assert.deepEqual(options.modelsDirs, []);
});

test("unset settings are simply absent", () => {
  const { options, problems } = initializationOptions(getter({}), { ...env, defaultModel: null });
  assert.deepEqual(problems, []);
  assert.equal(options.defaultModel, null);
  assert.deepEqual(options.endpoint, {});
});

test("serverRuntime: empty means VS Code's runtime", () => {
  assert.equal(serverRuntime(getter({ "server.runtime": "" }), "/home/dev"), undefined);
  assert.equal(serverRuntime(getter({}), "/home/dev"), undefined);
  assert.equal(serverRuntime(getter({ "server.runtime": "~/node/bin/node" }), "/home/dev"), "/home/dev/node/bin/node");
});

test("faro.aliases passes through as name -> model strings; anything else is named and dropped", () => {
  const ok = initializationOptions(getter({ aliases: { fast: "groq/llama-3.1-8b-instant", mine: "faro-demo" } }), env);
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.options.aliases, { fast: "groq/llama-3.1-8b-instant", mine: "faro-demo" });
  const bad = initializationOptions(getter({ aliases: { fast: 3 } }), env);
  assert.equal(bad.problems.length, 1);
  assert.match(bad.problems[0]!, /faro\.aliases must be an object of name → "provider\/model" strings/);
  assert.equal(bad.options.aliases, undefined);
});
