// URL and Hugging Face URI resolution for downloads, without network: the manifest call goes to
// a stub fetch that records what it was asked.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hfEndpoint, parseModelSource, resolveModelSource, type FetchLike } from "../../../server/engine/modelUri";
import { FaroError } from "../../../server/errors";

const HF = "https://huggingface.co/";

function resolvedOf(source: string, endpoint = HF) {
  const parsed = parseModelSource(source, endpoint);
  assert.equal(parsed.kind, "resolved", `${source} should resolve without the manifest`);
  return parsed.kind === "resolved" ? parsed.resolved : assert.fail();
}

test("hf:owner/repo/file.gguf is the repo's resolve URL on main", () => {
  const r = resolvedOf("hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf");
  assert.equal(r.url, "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf?download=true");
  assert.equal(r.fileName, "qwen2.5-0.5b-instruct-q4_k_m.gguf");
});

test("a path inside the repo, a #branch and the other prefixes node-llama-cpp accepts", () => {
  const r = resolvedOf("hf:owner/repo/sub dir/model Q8.gguf#dev");
  assert.equal(r.url, "https://huggingface.co/owner/repo/resolve/dev/sub%20dir/model%20Q8.gguf?download=true");
  assert.equal(r.fileName, "model Q8.gguf");
  for (const prefix of ["hf://", "huggingface:", "huggingface://", "hf.co/", "huggingface.co/"]) {
    assert.equal(resolvedOf(`${prefix}owner/repo/m.gguf`).url, "https://huggingface.co/owner/repo/resolve/main/m.gguf?download=true", prefix);
  }
});

test("hf:owner/repo and hf:owner/repo:quant need the manifest; the quant is normalised", () => {
  assert.deepEqual(parseModelSource("hf:owner/repo-GGUF:q4_k_m", HF), { kind: "manifest", pending: { source: "hf:owner/repo-GGUF:q4_k_m", owner: "owner", repo: "repo-GGUF", tag: "Q4_K_M" } });
  assert.deepEqual(parseModelSource("hf:owner/repo", HF), { kind: "manifest", pending: { source: "hf:owner/repo", owner: "owner", repo: "repo", tag: "latest" } });
  assert.equal(parseModelSource("hf:owner/repo:custom-tag", HF).kind === "manifest" && (parseModelSource("hf:owner/repo:custom-tag", HF) as { pending: { tag: string } }).pending.tag, "custom-tag");
  // A Hub page URL means the repo, as in node-llama-cpp.
  assert.equal(parseModelSource("https://huggingface.co/owner/repo", HF).kind, "manifest");
});

test("plain URLs keep their file name; a Hub /blob/ page URL becomes its /resolve/ URL", () => {
  assert.deepEqual(resolvedOf("https://example.com/models/tiny%20llama.gguf?sig=1"), {
    source: "https://example.com/models/tiny%20llama.gguf?sig=1",
    url: "https://example.com/models/tiny%20llama.gguf?sig=1",
    fileName: "tiny llama.gguf",
  });
  assert.equal(resolvedOf("https://huggingface.co/o/r/blob/main/m.gguf").url, "https://huggingface.co/o/r/resolve/main/m.gguf");
});

test("bad sources are 400s naming the problem", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /Give a URL/],
    ["not a url", /neither a URL nor a Hugging Face URI/],
    ["file:///tmp/x.gguf", /Only http\(s\) URLs/],
    ["hf:owner", /expected hf:owner\/repo\/file\.gguf or hf:owner\/repo:quant/],
    ["hf:owner/repo/readme.md", /does not name a \.gguf file/],
    ["https://example.com/model.bin", /does not name a \.gguf file/],
  ];
  for (const [source, message] of cases) {
    assert.throws(() => parseModelSource(source, HF), (err: unknown) => err instanceof FaroError && err.status === 400 && err.code === "invalid_model_source" && message.test(err.message), source);
  }
});

test("the manifest names the file: llama.cpp's v2 manifest URL and User-Agent, then the file's URL", async () => {
  const calls: Array<{ url: string; headers: Record<string, string> }> = [];
  const fetchStub: FetchLike = async (url, init) => {
    calls.push({ url, headers: init.headers });
    return Response.json({ ggufFile: { rfilename: "Llama-3.2-1B-Instruct-Q8_0.gguf", size: 1 } });
  };
  const r = await resolveModelSource("hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0", { endpoint: "http://mirror.local/hf/", fetch: fetchStub, token: "hf_x" });
  assert.equal(calls[0]!.url, "http://mirror.local/hf/v2/bartowski/Llama-3.2-1B-Instruct-GGUF/manifests/Q8_0");
  assert.equal(calls[0]!.headers["User-Agent"], "llama-cpp");
  assert.equal(calls[0]!.headers.Authorization, "Bearer hf_x");
  assert.equal(r.url, "http://mirror.local/hf/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-Q8_0.gguf?download=true");
  assert.equal(r.fileName, "Llama-3.2-1B-Instruct-Q8_0.gguf");
});

test("manifest failures: unknown quant, gated repo, split files, no ggufFile", async () => {
  const answer = (res: Response): FetchLike => async () => res;
  const expect = async (fetchStub: FetchLike, code: string, status: number, message: RegExp) => {
    await assert.rejects(resolveModelSource("hf:o/r:Q2_K", { endpoint: HF, fetch: fetchStub }), (err: unknown) => err instanceof FaroError && err.code === code && err.status === status && message.test(err.message));
  };
  await expect(answer(new Response("{}", { status: 404 })), "model_source_not_found", 404, /no quantization 'Q2_K' for o\/r/);
  await expect(answer(new Response("{}", { status: 401 })), "model_source_forbidden", 403, /gated or private; set HF_TOKEN/);
  await expect(answer(Response.json({ ggufFile: { rfilename: "big-Q2_K-00001-of-00003.gguf" } })), "split_model_unsupported", 400, /split into several files/);
  await expect(answer(Response.json({})), "download_failed", 502, /names no GGUF file/);
  await expect(async () => Promise.reject(new TypeError("fetch failed")), "download_failed", 502, /Could not reach Hugging Face/);
});

test("HF_ENDPOINT and MODEL_ENDPOINT point at a mirror, as in llama.cpp", () => {
  assert.equal(hfEndpoint({}), HF);
  assert.equal(hfEndpoint({ HF_ENDPOINT: "https://hf-mirror.com" }), "https://hf-mirror.com/");
  assert.equal(hfEndpoint({ MODEL_ENDPOINT: "http://m/", HF_ENDPOINT: "https://x/" }), "http://m/");
  assert.equal(hfEndpoint({ HF_ENDPOINT: "not a url" }), HF);
});
