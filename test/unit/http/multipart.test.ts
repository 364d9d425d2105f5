import { test } from "node:test";
import assert from "node:assert/strict";
import { boundaryOf, readField, replaceField } from "../../../server/http/multipart";
import { FaroError } from "../../../server/errors";

async function formBody() {
  const form = new FormData();
  form.append("model", "openai/whisper-1");
  form.append("file", new Blob([new Uint8Array([0, 1, 2, 13, 10, 45, 45, 255])], { type: "audio/wav" }), "a.wav");
  form.append("language", "es");
  const req = new Request("http://x", { method: "POST", body: form });
  return { body: Buffer.from(await req.arrayBuffer()), contentType: req.headers.get("content-type")! };
}

test("reads and replaces the model field, leaving the file bytes untouched", async () => {
  const { body, contentType } = await formBody();
  const boundary = boundaryOf(contentType);
  assert.equal(readField(body, boundary, "model"), "openai/whisper-1");
  assert.equal(readField(body, boundary, "language"), "es");
  assert.equal(readField(body, boundary, "nope"), null);
  const out = replaceField(body, boundary, "model", "whisper-1");
  // What a real multipart parser (undici's) makes of the rewritten body:
  const parsed = await new Request("http://x", { method: "POST", body: new Uint8Array(out), headers: { "content-type": contentType } }).formData();
  assert.equal(parsed.get("model"), "whisper-1");
  assert.equal(parsed.get("language"), "es");
  const file = parsed.get("file") as File;
  assert.deepEqual([...new Uint8Array(await file.arrayBuffer())], [0, 1, 2, 13, 10, 45, 45, 255]);
});

test("a body that is not multipart, or lacks the field, is a 400", async () => {
  assert.throws(() => boundaryOf("application/json"), (e: FaroError) => e.status === 400);
  const { body, contentType } = await formBody();
  assert.throws(() => replaceField(body, boundaryOf(contentType), "prompt", "x"), (e: FaroError) => e.param === "prompt");
});
