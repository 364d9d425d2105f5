/**
 * What `Faro: Download Model` and `faro models pull` accept, turned into a URL and a file name:
 * http(s) URLs and Hugging Face URIs as node-llama-cpp and llama.cpp write them
 * (`hf:<owner>/<repo>/<path/file.gguf>[#branch]`, `hf:<owner>/<repo>[:<quant>]`).
 *
 * node-llama-cpp has this logic (utils/parseModelUri.js) but does not export it: its public
 * entry points (createModelDownloader, resolveModelFile) also download, with ipull, into files
 * Faro could not validate before listing or resume with If-Range. So the rules are mirrored here:
 * the same URL shapes, the same manifest call (`/v2/<owner>/<repo>/manifests/<tag>` with
 * `User-Agent: llama-cpp`, which makes the Hub answer with `ggufFile`), the Hub's own default
 * quant for a bare repo (tag `latest`, Q4_K_M when present), and HF_ENDPOINT / MODEL_ENDPOINT for mirrors.
 */
import { basename } from "node:path";
import { badRequest, FaroError } from "../errors";

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co/";

export interface ResolvedSource {
  /** What the user typed. */
  source: string;
  url: string;
  /** The file name in the models folder (the model id is this without `.gguf`). */
  fileName: string;
}

/** A Hugging Face repo and tag that needs the Hub's manifest to name its file. */
export interface PendingHfSource {
  source: string;
  owner: string;
  repo: string;
  /** The quantization asked for, upper-cased when it is one ("Q4_K_M"), or "latest". */
  tag: string;
}

export type ParsedSource = { kind: "resolved"; resolved: ResolvedSource } | { kind: "manifest"; pending: PendingHfSource };

/** Where the Hub lives: HF_ENDPOINT / MODEL_ENDPOINT as node-llama-cpp and llama.cpp read them. */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.MODEL_ENDPOINT || env.HF_ENDPOINT;
  const base = given && /^https?:\/\//.test(given) ? given : DEFAULT_HF_ENDPOINT;
  return base.endsWith("/") ? base : `${base}/`;
}

const HF_PREFIXES = ["hf://", "huggingface://", "hf:", "huggingface:", "hf.co/", "huggingface.co/"];

/** Parses without any network: a URL, a Hub file, or a Hub repo whose file the manifest names. */
export function parseModelSource(input: string, endpoint = hfEndpoint()): ParsedSource {
  const source = input.trim();
  if (source === "") throw badRequest("Give a URL (https://.../model.gguf) or a Hugging Face URI (hf:owner/repo/file.gguf or hf:owner/repo:Q4_K_M).", "source", "invalid_model_source");
  const prefix = HF_PREFIXES.find((p) => source.startsWith(p));
  if (prefix) return parseHf(source, source.slice(prefix.length), endpoint);
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw badRequest(`'${source}' is neither a URL nor a Hugging Face URI (hf:owner/repo/file.gguf or hf:owner/repo:Q4_K_M).`, "source", "invalid_model_source");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw badRequest(`Only http(s) URLs can be downloaded, not ${url.protocol}`, "source", "invalid_model_source");
  // A Hub page URL (https://huggingface.co/owner/repo) means the repo: resolve like hf:owner/repo.
  const parts = url.pathname.split("/").filter((p) => p !== "");
  if (url.hostname === new URL(endpoint).hostname && parts.length === 2) return parseHf(source, parts.map(decodeURIComponent).join("/"), endpoint);
  // The Hub's "blob" page of a file serves HTML; its "resolve" URL serves the file.
  if (url.hostname === new URL(endpoint).hostname && parts[2] === "blob") {
    parts[2] = "resolve";
    url.pathname = `/${parts.join("/")}`;
  }
  return { kind: "resolved", resolved: { source, url: url.href, fileName: ggufName(decodeURIComponent(basename(url.pathname)), source) } };
}

function parseHf(source: string, rest: string, endpoint: string): ParsedSource {
  const [owner, repoAndTag, ...path] = rest.split("/");
  if (!owner || !repoAndTag) throw badRequest(`Invalid Hugging Face URI '${source}': expected hf:owner/repo/file.gguf or hf:owner/repo:quant.`, "source", "invalid_model_source");
  if (path.length === 0 || repoAndTag.includes(":")) {
    const [repo, ...tagParts] = repoAndTag.split(":");
    if (!repo) throw badRequest(`Invalid Hugging Face URI '${source}': the repository name is missing.`, "source", "invalid_model_source");
    const tag = tagParts.join(":").trim();
    return { kind: "manifest", pending: { source, owner, repo, tag: tag === "" ? "latest" : isQuantName(tag) ? tag.toUpperCase() : tag } };
  }
  let filePath = path.join("/");
  let branch = "main";
  const hash = filePath.indexOf("#");
  if (hash >= 0) {
    branch = filePath.slice(hash + 1) || "main";
    filePath = filePath.slice(0, hash);
  }
  if (filePath === "") throw badRequest(`Invalid Hugging Face URI '${source}': the file path is empty.`, "source", "invalid_model_source");
  return { kind: "resolved", resolved: { source, url: hubFileUrl(endpoint, owner, repoAndTag, branch, filePath), fileName: ggufName(basename(filePath), source) } };
}

/** The download URL of a file in a Hub repo, as node-llama-cpp builds it. */
export function hubFileUrl(endpoint: string, owner: string, repo: string, branch: string, filePath: string): string {
  const encodedPath = filePath.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/resolve/${encodeURIComponent(branch)}/${encodedPath}?download=true`;
}

/** The Hub manifest URL that names a repo's GGUF for a tag (llama.cpp's `-hf owner/repo:quant`). */
export function manifestUrl(endpoint: string, pending: PendingHfSource): string {
  return `${endpoint}v2/${encodeURIComponent(pending.owner)}/${encodeURIComponent(pending.repo)}/manifests/${encodeURIComponent(pending.tag)}`;
}

export type FetchLike = (url: string, init: { headers: Record<string, string>; signal?: AbortSignal }) => Promise<Response>;

/** Resolves any source to a URL and file name; a repo:quant asks the Hub's manifest which file. */
export async function resolveModelSource(input: string, opts: { endpoint?: string; fetch?: FetchLike; signal?: AbortSignal; token?: string } = {}): Promise<ResolvedSource> {
  const endpoint = opts.endpoint ?? hfEndpoint();
  const parsed = parseModelSource(input, endpoint);
  if (parsed.kind === "resolved") return parsed.resolved;
  const { pending } = parsed;
  const url = manifestUrl(endpoint, pending);
  const headers: Record<string, string> = { "User-Agent": "llama-cpp", Accept: "application/json" };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { headers, ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    throw new FaroError(`Could not reach Hugging Face to resolve '${pending.source}': ${(err as Error).message}`, { status: 502, type: "server_error", code: "download_failed", cause: err });
  }
  if (res.status === 400 || res.status === 404) {
    throw new FaroError(`Hugging Face has no quantization '${pending.tag}' for ${pending.owner}/${pending.repo}, or the repository does not exist (or is gated: set HF_TOKEN).`, { status: 404, type: "not_found_error", code: "model_source_not_found", param: "source" });
  }
  if (res.status === 401 || res.status === 403) {
    throw new FaroError(`Hugging Face refused access to ${pending.owner}/${pending.repo} (${res.status}): the repository is gated or private; set HF_TOKEN.`, { status: 403, type: "permission_error", code: "model_source_forbidden", param: "source" });
  }
  if (!res.ok) throw new FaroError(`Hugging Face answered ${res.status} ${res.statusText} resolving '${pending.source}'.`, { status: 502, type: "server_error", code: "download_failed" });
  const body = (await res.json().catch(() => null)) as { ggufFile?: { rfilename?: unknown } } | null;
  const file = body?.ggufFile?.rfilename;
  if (typeof file !== "string" || file === "") throw new FaroError(`Hugging Face's manifest for '${pending.source}' names no GGUF file.`, { status: 502, type: "server_error", code: "download_failed" });
  if (/-\d{5}-of-\d{5}\.gguf$/i.test(file)) {
    throw badRequest(`'${pending.source}' is split into several files (${file}); Faro downloads single-file GGUFs only. Pick a smaller quantization.`, "source", "split_model_unsupported");
  }
  return { source: pending.source, url: hubFileUrl(endpoint, pending.owner, pending.repo, "main", file), fileName: ggufName(basename(file), pending.source) };
}

function ggufName(name: string, source: string): string {
  const clean = name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, "_");
  if (!clean.toLowerCase().endsWith(".gguf") || clean.length <= ".gguf".length) {
    throw badRequest(`'${source}' does not name a .gguf file. Give the file's URL (ending in .gguf) or hf:owner/repo:quant.`, "source", "invalid_model_source");
  }
  return clean;
}

// The quantization names llama.cpp and the Hub use in file names (node-llama-cpp's ggufFileQuantNames).
const QUANTS = new Set([
  "F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0", "Q4_K_M", "Q4_K_S", "Q4_1", "Q4_0",
  "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K", "Q2_K_S", "IQ4_NL", "IQ4_XS", "IQ3_M", "IQ3_S", "IQ3_XS", "IQ3_XXS",
  "IQ2_M", "IQ2_S", "IQ2_XS", "IQ2_XXS", "IQ1_M", "IQ1_S", "TQ1_0", "TQ2_0", "MXFP4",
]);

function isQuantName(tag: string): boolean {
  return QUANTS.has(tag.toUpperCase());
}
