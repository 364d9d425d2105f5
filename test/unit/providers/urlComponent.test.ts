/**
 * A model or deployment name goes into some providers' URLs (Gemini's models/{model}, Azure's
 * deployments/{id}). Text with a lone surrogate cannot be escaped there: the request is refused
 * with a 400 naming the field, before anything is sent, instead of encodeURIComponent's URIError
 * surfacing as Faro's own 500.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FaroError } from "../../../server/errors";
import { urlComponent, type Target } from "../../../server/providers/upstream";
import { GeminiUpstream } from "../../../server/providers/gemini/geminiUpstream";
import { OpenAIUpstream } from "../../../server/providers/openai/openaiUpstream";
import { chatRequest } from "../../fixtures/chatRequests";

const refusedAs = (param: string) => (e: unknown) =>
  e instanceof FaroError && e.status === 400 && e.param === param && e.code === "invalid_value" && /not well-formed Unicode text/.test(e.message);

test("urlComponent escapes well-formed text, surrogate pairs included, and refuses a lone surrogate", () => {
  assert.equal(urlComponent("gemini-2.0-flash", "model"), "gemini-2.0-flash");
  assert.equal(urlComponent("a b/c?😀", "model"), "a%20b%2Fc%3F%F0%9F%98%80");
  assert.throws(() => urlComponent("x\ud800", "model"), refusedAs("model"));
  assert.throws(() => urlComponent("\udc00x", "deployment_id"), refusedAs("deployment_id"));
});

test("Gemini and Azure refuse such a name with a 400 before sending anything", async () => {
  const ctx = { signal: new AbortController().signal, requestId: "r", priority: null };
  // Port 9 (discard) on loopback: were anything sent, the error would be a connection failure.
  const gemini: Target = { provider: "google", model: "gem\ud800", apiKey: "k", baseUrl: "http://127.0.0.1:9", headers: {}, timeoutMs: null };
  await assert.rejects(async () => {
    for await (const _ of new GeminiUpstream().chat(gemini, chatRequest("google/x", {}), ctx));
  }, refusedAs("model"));
  const azure: Target = { provider: "azure-openai", model: "gpt-4o", apiKey: "k", baseUrl: "http://127.0.0.1:9", headers: {}, timeoutMs: null, azure: { deploymentId: "dep\udfff", apiVersion: "2024-10-21" } };
  await assert.rejects(async () => {
    for await (const _ of new OpenAIUpstream().chat(azure, chatRequest("azure-openai/x", {}), ctx));
  }, refusedAs("deployment_id"));
});
