/**
 * Azure OpenAI through the Portkey headers, against the OpenAI mock: the dated API (deployment in
 * the path, api-version in the query) and the v1 API (OpenAI's paths under /openai/v1, the
 * deployment as the body's model), for chat, embeddings and the passthrough routes.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type OpenAI from "openai";
import type { Served } from "../fixtures/serve";
import { serveBesideOpenAIMock, stopBesideMock } from "../fixtures/serveFixture";
import type { MockServer } from "../fixtures/mocks/mockServer";

const KEY = "test-key";
let mock: MockServer;
let faro: Served;
let client: OpenAI;

before(async () => ({ mock, server: faro, client } = await serveBesideOpenAIMock({ apiKey: KEY })));
after(() => stopBesideMock(faro, mock));

const azure = (apiVersion: string) => ({
  "x-portkey-provider": "azure-openai",
  "x-portkey-custom-host": mock.url.replace(/\/v1$/, ""),
  "x-portkey-azure-deployment-id": "my-gpt",
  "x-portkey-azure-api-version": apiVersion,
  authorization: `Bearer ${KEY}`,
});
const sent = (r: { path: string; body: unknown }) => [r.path, (r.body as { model?: string }).model];

test("api-version v1 calls /openai/v1 with no api-version and the deployment as the model, as Portkey does", async () => {
  mock.reset();
  const headers = azure("v1");
  const messages = [{ role: "user" as const, content: "hi" }];
  await client.chat.completions.create({ model: "gpt-4o", messages }, { headers });
  for await (const _ of await client.chat.completions.create({ model: "gpt-4o", messages, stream: true }, { headers }));
  await client.embeddings.create({ model: "text-embedding-3-small", input: "hi" }, { headers });
  await client.images.generate({ model: "dall-e-3", prompt: "a lighthouse" }, { headers });
  const audio = new File([new Uint8Array([1, 2, 3])], "a.wav", { type: "audio/wav" });
  await client.audio.transcriptions.create({ model: "whisper-1", file: audio }, { headers });
  assert.deepEqual(mock.requests.slice(0, 4).map(sent), [
    ["/openai/v1/chat/completions", "my-gpt"],
    ["/openai/v1/chat/completions", "my-gpt"],
    ["/openai/v1/embeddings", "my-gpt"],
    ["/openai/v1/images/generations", "my-gpt"],
  ]);
  // The SDK asks for base64; Faro asks the provider for floats and encodes them itself.
  assert.deepEqual(mock.requests[2]!.body, { model: "my-gpt", encoding_format: "float", input: "hi" });
  const upload = mock.requests[4]!;
  assert.equal(upload.path, "/openai/v1/audio/transcriptions");
  const form = await new Request("http://x", { method: "POST", body: new Uint8Array(upload.raw), headers: { "content-type": String(upload.headers["content-type"]) } }).formData();
  assert.equal(form.get("model"), "my-gpt");
  assert.ok(mock.requests.every((r) => r.headers["api-key"] === KEY));
});

test("a dated api-version keeps the deployment in the path and the version in the query", async () => {
  mock.reset();
  await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }, { headers: azure("2024-10-21") });
  assert.equal(mock.requests[0]!.path, "/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21");
});
