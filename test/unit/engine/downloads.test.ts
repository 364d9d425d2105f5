// Model downloads against a real loopback HTTP server serving a GGUF written by the project's
// writer: full download, cancel + resume with Range/If-Range, servers without Range support,
// bodies that are not GGUF, and HTTP errors.
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { Catalog } from "../../../server/engine/catalog";
import { Downloads, parseContentRange, type DownloadProgress } from "../../../server/engine/downloads";
import { FaroError } from "../../../server/errors";
import { createLogger } from "../../../server/logger";
import { startFileServer, type FileServerOptions } from "../../fixtures/fileServer";
import { writeTinyModel } from "../../fixtures/models";

const logger = createLogger(() => undefined, "error");
let gguf: Buffer;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "faro-downloads-"));
  gguf = await readFile(await writeTinyModel(root, { name: "source" }));
});
after(() => rm(root, { recursive: true, force: true }));

async function setup(body = gguf, extra: Partial<FileServerOptions> = {}) {
  const dir = await mkdtemp(join(root, "models-"));
  const server = await startFileServer({ body, ...extra });
  const downloads = new Downloads(() => dir, logger, fetch, {});
  return { dir, server, downloads };
}

async function rejectsWith(p: Promise<unknown>, code: string, status: number): Promise<FaroError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof FaroError, `expected a FaroError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.status, status);
  return err;
}

/** Waits until the partial on disk holds `bytes` (the server stalls there). */
async function partialReaches(path: string, bytes: number): Promise<void> {
  for (;;) {
    const size = await stat(path).then((s) => s.size, () => 0);
    if (size >= bytes) return;
    await sleep(5);
  }
}

test("a full download lands byte-identical in the models folder and the catalog lists it", async (t) => {
  const { dir, server, downloads } = await setup();
  t.after(() => server.close());
  const progress: DownloadProgress[] = [];
  const result = await downloads.download(server.url("/files/tiny-chat.gguf"), { id: "d1", onProgress: (p) => progress.push(p) });
  assert.equal(result.model, "tiny-chat");
  assert.equal(result.path, join(dir, "tiny-chat.gguf"));
  assert.equal(result.resumedFrom, 0);
  assert.deepEqual(await readFile(result.path), gguf);
  assert.deepEqual((await readdir(dir)).sort(), ["tiny-chat.gguf"], "no .partial or sidecar left behind");
  const last = progress.at(-1)!;
  assert.equal(last.id, "d1");
  assert.equal(last.receivedBytes, gguf.length);
  assert.equal(last.totalBytes, gguf.length);
  assert.equal(last.etaSeconds, 0);
  const listed = await new Catalog([dir], logger).list();
  assert.deepEqual(listed.map((m) => m.id), ["tiny-chat"]);
  assert.equal(listed[0]!.architecture, "llama");
});

test("cancel midway keeps the partial; the next download resumes with Range + If-Range", async (t) => {
  const half = 200_000;
  const { dir, server, downloads } = await setup(gguf, { stallAfter: half });
  t.after(() => server.close());
  const url = server.url("/m/resume-me.gguf");
  const first = downloads.download(url, { id: "r1" });
  await partialReaches(join(dir, "resume-me.gguf.partial"), half);
  assert.equal(downloads.cancel("r1"), true);
  await rejectsWith(first, "download_cancelled", 499);
  assert.equal(downloads.cancel("r1"), false, "a finished download cannot be cancelled");
  assert.equal((await stat(join(dir, "resume-me.gguf.partial"))).size, half);

  server.set({ stallAfter: undefined });
  const progress: DownloadProgress[] = [];
  const result = await downloads.download(url, { id: "r2", onProgress: (p) => progress.push(p) });
  const resumed = server.requests.at(-1)!;
  assert.equal(resumed.headers.range, `bytes=${half}-`);
  assert.equal(resumed.headers["if-range"], '"v1"');
  assert.equal(result.resumedFrom, half);
  assert.equal(progress.at(-1)!.resumedFrom, half);
  assert.equal(progress.at(-1)!.totalBytes, gguf.length);
  assert.deepEqual(await readFile(result.path), gguf, "the resumed file is byte-identical");
  assert.deepEqual(await readdir(dir), ["resume-me.gguf"]);
});

test("a server without Range support sends the whole file again and the download restarts cleanly", async (t) => {
  const half = 150_000;
  const { dir, server, downloads } = await setup(gguf, { ranges: false, stallAfter: half });
  t.after(() => server.close());
  const url = server.url("/no-ranges.gguf");
  const first = downloads.download(url, { id: "n1" });
  await partialReaches(join(dir, "no-ranges.gguf.partial"), half);
  downloads.cancel("n1");
  await rejectsWith(first, "download_cancelled", 499);

  server.set({ stallAfter: undefined });
  const result = await downloads.download(url);
  assert.equal(server.requests.at(-1)!.headers.range, `bytes=${half}-`, "it asked to resume");
  assert.equal(result.resumedFrom, 0, "the 200 answer restarted it");
  assert.deepEqual(await readFile(result.path), gguf);
});

test("a changed file (If-Range mismatch) is downloaded again from the start", async (t) => {
  const half = 100_000;
  const { dir, server, downloads } = await setup(gguf, { stallAfter: half, etag: '"old"' });
  t.after(() => server.close());
  const url = server.url("/changing.gguf");
  const first = downloads.download(url, { id: "c1" });
  await partialReaches(join(dir, "changing.gguf.partial"), half);
  downloads.cancel("c1");
  await rejectsWith(first, "download_cancelled", 499);
  server.set({ stallAfter: undefined, etag: '"new"' });
  const result = await downloads.download(url);
  assert.equal(server.requests.at(-1)!.headers["if-range"], '"old"');
  assert.equal(result.resumedFrom, 0);
  assert.deepEqual(await readFile(result.path), gguf);
});

test("a body that is not a GGUF is refused and nothing is left in the folder", async (t) => {
  const html = Buffer.from("<!doctype html><html><body>Sign in to download</body></html>".repeat(50));
  const { dir, server, downloads } = await setup(html);
  t.after(() => server.close());
  const err = await rejectsWith(downloads.download(server.url("/page.gguf")), "invalid_gguf", 422);
  assert.match(err.message, /not a GGUF model file: it starts with "<!doctype html><"/);
  assert.deepEqual(await readdir(dir), []);
});

test("a GGUF whose metadata does not parse is deleted with a clear error", async (t) => {
  const broken = Buffer.concat([gguf.subarray(0, 8), Buffer.alloc(4096, 0xff)]);
  const { dir, server, downloads } = await setup(broken);
  t.after(() => server.close());
  const err = await rejectsWith(downloads.download(server.url("/broken.gguf")), "invalid_gguf", 422);
  assert.match(err.message, /broken\.gguf .* is not a usable GGUF model \(its metadata does not read: .+\); the file was deleted/);
  assert.deepEqual(await readdir(dir), []);
});

test("a GGUF cut short (header or tensor data) is deleted with a clear error, not listed", async (t) => {
  for (const [name, bytes, part] of [["cut-data", Math.floor(gguf.length * 0.6), "tensor data"], ["cut-header", 100, "header"]] as const) {
    const { dir, server, downloads } = await setup(gguf.subarray(0, bytes));
    t.after(() => server.close());
    const err = await rejectsWith(downloads.download(server.url(`/${name}.gguf`)), "invalid_gguf", 422);
    assert.match(err.message, new RegExp(`${name}\\.gguf .* is not a usable GGUF model \\(cut short: it has ${bytes} bytes, its ${part} needs at least \\d+\\); the file was deleted`));
    assert.deepEqual(await readdir(dir), []);
  }
});

test("HTTP errors and bad sources get clear errors", async (t) => {
  const { dir, server, downloads } = await setup(gguf, { status: 404 });
  t.after(() => server.close());
  const notFound = await rejectsWith(downloads.download(server.url("/missing.gguf")), "download_not_found", 404);
  assert.match(notFound.message, /Nothing to download at http:\/\/127\.0\.0\.1:\d+\/missing\.gguf: the server answered 404 Not Found/);
  server.set({ status: 500 });
  await rejectsWith(downloads.download(server.url("/err.gguf")), "download_failed", 502);
  server.set({ status: 403 });
  await rejectsWith(downloads.download(server.url("/gated.gguf")), "download_forbidden", 403);
  await rejectsWith(downloads.download("ftp://example.com/x.gguf"), "invalid_model_source", 400);
  await rejectsWith(downloads.download(server.url("/weights.bin")), "invalid_model_source", 400);
  await rejectsWith(downloads.download("http://127.0.0.1:1/closed.gguf"), "download_failed", 502);
  assert.deepEqual(await readdir(dir), []);
});

test("an existing model is not overwritten", async (t) => {
  const { dir, server, downloads } = await setup();
  t.after(() => server.close());
  await writeFile(join(dir, "taken.gguf"), "mine");
  await rejectsWith(downloads.download(server.url("/taken.gguf")), "model_exists", 409);
  assert.equal(await readFile(join(dir, "taken.gguf"), "utf8"), "mine");
  assert.equal(server.requests.length, 0, "nothing was fetched");
});

test("Content-Range parsing", () => {
  assert.deepEqual(parseContentRange("bytes 100-199/200"), { start: 100, total: 200 });
  assert.deepEqual(parseContentRange("bytes 0-9/*"), { start: 0, total: null });
  assert.equal(parseContentRange("bytes */200"), null);
  assert.equal(parseContentRange(null), null);
});
