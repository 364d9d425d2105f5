// Quick-pick rows and status bar text for models and backend state.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes, formatParameters, messageOf, modelPickRow, statusText } from "../../../extension/format";
import type { EndpointStatus, ModelInfo } from "../../../server/protocol";

function model(id: string, faro: Partial<ModelInfo["faro"]> = {}): ModelInfo {
  return {
    id,
    object: "model",
    created: 0,
    owned_by: "faro",
    faro: {
      provider: "local",
      path: `/models/${id}.gguf`,
      architecture: "llama",
      parameters: 1_240_000_000,
      quantization: "Q8_0",
      context_length: 4096,
      size_bytes: 1_320_000_000,
      loaded: false,
      demo: false,
      ...faro,
    },
  };
}

test("formatBytes uses decimal units with one decimal below 10", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(470_000), "470 KB");
  assert.equal(formatBytes(1_320_000_000), "1.3 GB");
  assert.equal(formatBytes(-1), "? B");
});

test("formatParameters writes counts like model cards", () => {
  assert.equal(formatParameters(150_000_000), "150M");
  assert.equal(formatParameters(1_240_000_000), "1.2B");
  assert.equal(formatParameters(7_000_000_000), "7B");
  assert.equal(formatParameters(900), "900");
});

test("modelPickRow: id as label, quantization/params/size as description, path as detail", () => {
  const row = modelPickRow(model("llama-1b"), null);
  assert.deepEqual(row, {
    label: "llama-1b",
    description: "Q8_0 · 1.2B params · 1.3 GB",
    detail: "/models/llama-1b.gguf",
    current: false,
  });
});

test("modelPickRow marks the current default and demo models and skips unknowns", () => {
  const row = modelPickRow(model("demo", { demo: true, parameters: null, quantization: null, size_bytes: 470_000 }), "demo");
  assert.equal(row.current, true);
  assert.equal(row.description, "current · demo · 470 KB");
});

test("statusText: starting spins, error says why, ready shows model and endpoint", () => {
  assert.match(statusText({ state: "starting", model: null, endpoint: null }).text, /loading~spin/);
  const error = statusText({ state: "error", model: null, endpoint: null, error: "boom" });
  assert.match(error.text, /\$\(error\)/);
  assert.match(error.tooltip, /boom/);
  const endpoint: EndpointStatus = {
    running: true,
    url: "http://127.0.0.1:4891/v1",
    host: "127.0.0.1",
    port: 4891,
    apiKeyRequired: false,
  };
  const ready = statusText({ state: "ready", model: "llama-1b", endpoint });
  assert.equal(ready.text, "$(hubot) llama-1b");
  assert.match(ready.tooltip, /Endpoint: http:\/\/127\.0\.0\.1:4891\/v1/);
  const stopped = statusText({ state: "ready", model: null, endpoint: { ...endpoint, running: false, url: null } });
  assert.match(stopped.tooltip, /Endpoint: stopped/);
  assert.match(stopped.text, /no model/);
});

test("messageOf reads Errors and anything else", () => {
  assert.equal(messageOf(new Error("x")), "x");
  assert.equal(messageOf("plain"), "plain");
  assert.equal(messageOf({ code: -32603 }), "{ code: -32603 }");
});
