/**
 * Model downloads into the models folder (`faro/models/download`, `faro models pull`): streams
 * to `<file>.gguf.partial` with a `.partial.json` sidecar (URL and validators), resumes with
 * `Range` + `If-Range` when a partial exists and the server allows it, and only renames the file
 * into place (where the catalog lists it) once its GGUF header and metadata read back. A file
 * that is not a GGUF is deleted with an error saying what it was.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FaroError, messageOf } from "../errors";
import type { Logger } from "../logger";
import { hfEndpoint, resolveModelSource, type FetchLike } from "./modelUri";
import { describeShortfall, ggufShortfall } from "./gguf/extent";

export interface DownloadProgress {
  id: string;
  fileName: string;
  /** Bytes of the file on disk so far, resumed bytes included. */
  receivedBytes: number;
  /** null when the server does not say. */
  totalBytes: number | null;
  /** Average speed of this session (resumed bytes excluded). */
  bytesPerSecond: number;
  etaSeconds: number | null;
  /** Bytes kept from an earlier, interrupted download (0 for a fresh one). */
  resumedFrom: number;
}

export interface DownloadResult {
  id: string;
  /** The model id it is listed under (file name without `.gguf`). */
  model: string;
  path: string;
  bytes: number;
  resumedFrom: number;
}

export interface DownloadOptions {
  /** Chosen by the caller so it can cancel and match progress before the reply; generated if absent. */
  id?: string;
  onProgress?: (p: DownloadProgress) => void;
}

interface PartialMeta {
  url: string;
  etag: string | null;
  lastModified: string | null;
  totalBytes: number | null;
}

const PROGRESS_EVERY_MS = 250;
const GGUF_MAGIC = "GGUF";

export class DownloadCancelled extends FaroError {
  constructor(fileName: string) {
    super(`Download of ${fileName} was cancelled; the partial file is kept, so the same download resumes where it stopped.`, {
      status: 499,
      type: "invalid_request_error",
      code: "download_cancelled",
    });
  }
}

export class Downloads {
  private readonly active = new Map<string, { controller: AbortController; fileName: string }>();
  private seq = 0;

  constructor(
    /** The folder downloads go to (the first models folder). */
    private readonly folder: () => string,
    private readonly logger: Logger,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Cancels a running download; its partial file stays for a later resume. */
  cancel(id: string): boolean {
    const entry = this.active.get(id);
    if (!entry) return false;
    entry.controller.abort(new DownloadCancelled(entry.fileName));
    return true;
  }

  async download(source: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
    const id = opts.id ?? `download-${Date.now()}-${++this.seq}`;
    if (this.active.has(id)) throw new FaroError(`A download with id '${id}' is already running.`, { status: 409, type: "invalid_request_error", code: "download_in_progress", param: "id" });
    const controller = new AbortController();
    this.active.set(id, { controller, fileName: source });
    try {
      const endpoint = hfEndpoint(this.env);
      const token = this.env.HF_TOKEN || this.env.HUGGING_FACE_HUB_TOKEN || undefined;
      const resolved = await resolveModelSource(source, { endpoint, fetch: this.fetchImpl as FetchLike, signal: controller.signal, ...(token ? { token } : {}) });
      const fileName = resolved.fileName;
      this.active.set(id, { controller, fileName });
      if ([...this.active.entries()].some(([other, e]) => other !== id && e.fileName === fileName)) {
        throw new FaroError(`${fileName} is already being downloaded.`, { status: 409, type: "invalid_request_error", code: "download_in_progress", param: "source" });
      }
      const dir = this.folder();
      await mkdir(dir, { recursive: true });
      const path = join(dir, fileName);
      if (await exists(path)) {
        throw new FaroError(`${fileName} is already in ${dir}; delete it first to download it again.`, { status: 409, type: "invalid_request_error", code: "model_exists", param: "source" });
      }
      const headers: Record<string, string> = {};
      if (token && new URL(resolved.url).hostname === new URL(endpoint).hostname) headers.Authorization = `Bearer ${token}`;
      const job = new Job(id, fileName, path, resolved.url, headers, controller.signal, this.fetchImpl, this.logger, opts.onProgress);
      return await job.run();
    } catch (err) {
      // A cancel can surface as the fetch's own AbortError; report it in Faro's words.
      if (controller.signal.aborted && controller.signal.reason instanceof DownloadCancelled) throw controller.signal.reason;
      throw err;
    } finally {
      this.active.delete(id);
    }
  }
}

class Job {
  private readonly partial: string;
  private readonly metaPath: string;
  private resumedFrom = 0;
  private received = 0;
  private total: number | null = null;
  private startedAt = Date.now();
  private lastProgress = 0;

  constructor(
    private readonly id: string,
    private readonly fileName: string,
    private readonly path: string,
    private readonly url: string,
    private readonly headers: Record<string, string>,
    private readonly signal: AbortSignal,
    private readonly fetchImpl: typeof fetch,
    private readonly logger: Logger,
    private readonly onProgress: ((p: DownloadProgress) => void) | undefined,
  ) {
    this.partial = `${path}.partial`;
    this.metaPath = `${path}.partial.json`;
  }

  async run(): Promise<DownloadResult> {
    const res = await this.request(await this.resumable());
    await this.receive(res);
    await this.validate();
    await rename(this.partial, this.path);
    await rm(this.metaPath, { force: true });
    this.logger.info(`downloaded ${this.fileName} (${this.received} bytes${this.resumedFrom ? `, resumed at ${this.resumedFrom}` : ""}) to ${this.path}`);
    return { id: this.id, model: this.fileName.replace(/\.gguf$/i, ""), path: this.path, bytes: this.received, resumedFrom: this.resumedFrom };
  }

  /** The partial to resume, when one exists for this same URL and a validator can prove it unchanged. */
  private async resumable(): Promise<{ offset: number; validator: string } | null> {
    const size = await stat(this.partial).then((s) => s.size, () => 0);
    if (size === 0) return null;
    const meta = await readFile(this.metaPath, "utf8").then((t) => JSON.parse(t) as PartialMeta, () => null);
    // If-Range needs a strong ETag or a Last-Modified date; without one a resume could splice two versions.
    const validator = meta && meta.url === this.url ? (meta.etag && !meta.etag.startsWith("W/") ? meta.etag : meta.lastModified) : null;
    if (!validator) {
      this.logger.info(`discarding ${this.partial}: it cannot be proven to belong to ${this.url}`);
      return null;
    }
    return { offset: size, validator };
  }

  private async request(resume: { offset: number; validator: string } | null): Promise<Response> {
    const headers = { ...this.headers, "accept-encoding": "identity" };
    if (resume) Object.assign(headers, { range: `bytes=${resume.offset}-`, "if-range": resume.validator });
    let res: Response;
    try {
      res = await this.fetchImpl(this.url, { headers, signal: this.signal, redirect: "follow" });
    } catch (err) {
      if (this.signal.aborted) throw this.signal.reason;
      throw new FaroError(`Could not download ${this.url}: ${messageOf(err instanceof Error && err.cause ? err.cause : err)}`, { status: 502, type: "server_error", code: "download_failed", cause: err });
    }
    if (resume && res.status === 416) {
      // The partial already holds every byte (or the file shrank): start over, without a Range.
      await res.body?.cancel();
      return this.request(null);
    }
    if (res.status === 404 || res.status === 410) throw this.failure(res, 404, "not_found_error", "download_not_found", `Nothing to download at ${this.url}: the server answered ${res.status} ${res.statusText}.`);
    if (res.status === 401 || res.status === 403) throw this.failure(res, 403, "permission_error", "download_forbidden", `The server refused the download of ${this.url} (${res.status} ${res.statusText}); a gated Hugging Face model needs HF_TOKEN.`);
    if (res.status !== 200 && res.status !== 206) throw this.failure(res, 502, "server_error", "download_failed", `Download of ${this.url} failed: the server answered ${res.status} ${res.statusText}.`);
    const range = res.status === 206 ? parseContentRange(res.headers.get("content-range")) : null;
    if (resume && range && range.start === resume.offset) {
      this.resumedFrom = resume.offset;
      this.total = range.total;
    } else {
      // A 200 (no Range support, or the file changed) or a range we did not ask for: start from zero.
      if (resume) this.logger.info(`${this.url} did not resume at byte ${resume.offset} (status ${res.status}); downloading from the start`);
      if (res.status === 206) throw this.failure(res, 502, "server_error", "download_failed", `The server sent a partial answer (${res.headers.get("content-range") ?? "no Content-Range"}) that Faro did not ask for.`);
      this.resumedFrom = 0;
      const length = Number(res.headers.get("content-length"));
      this.total = Number.isFinite(length) && length > 0 && !res.headers.get("content-encoding") ? length : null;
    }
    await writeFile(this.metaPath, JSON.stringify({ url: this.url, etag: res.headers.get("etag"), lastModified: res.headers.get("last-modified"), totalBytes: this.total } satisfies PartialMeta));
    return res;
  }

  private failure(res: Response, status: number, type: "not_found_error" | "permission_error" | "server_error", code: string, message: string): FaroError {
    void res.body?.cancel().catch(() => undefined);
    return new FaroError(message, { status, type, code, param: "source" });
  }

  private async receive(res: Response): Promise<void> {
    if (!res.body) throw new FaroError(`The server sent no body for ${this.url}.`, { status: 502, type: "server_error", code: "download_failed" });
    this.received = this.resumedFrom;
    this.startedAt = Date.now();
    const out = createWriteStream(this.partial, { flags: this.resumedFrom > 0 ? "a" : "w" });
    let head = Buffer.alloc(0);
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        if (this.resumedFrom === 0 && head.length < 4) {
          // Refuse an HTML error page or any other non-GGUF body as soon as its first bytes arrive.
          head = Buffer.concat([head, chunk]);
          if (head.length >= 4 && head.subarray(0, 4).toString("latin1") !== GGUF_MAGIC) throw this.notGguf(head);
        }
        if (!out.write(chunk)) await once(out, "drain");
        this.received += chunk.byteLength;
        this.progress(false);
      }
      if (this.resumedFrom === 0 && head.length < 4) throw this.notGguf(head);
      await closeStream(out);
    } catch (err) {
      if (!out.closed) {
        out.destroy();
        await once(out, "close");
      }
      if (this.signal.aborted) throw this.signal.reason;
      if (err instanceof FaroError && err.code === "invalid_gguf") await this.discard();
      if (err instanceof FaroError) throw err;
      throw new FaroError(`Download of ${this.fileName} broke off after ${this.received} bytes: ${messageOf(err)}. Run it again to resume.`, { status: 502, type: "server_error", code: "download_failed", cause: err });
    }
    this.progress(true);
    if (this.total !== null && this.received !== this.total) {
      throw new FaroError(`Download of ${this.fileName} ended after ${this.received} of ${this.total} bytes. Run it again to resume.`, { status: 502, type: "server_error", code: "download_incomplete" });
    }
  }

  /** What the body looked like instead (the caller deletes what was written). */
  private notGguf(head: Buffer): FaroError {
    const shown = head.subarray(0, 16).toString("utf8").replace(/[^\x20-\x7e]/g, "?");
    return new FaroError(`${this.url} is not a GGUF model file: it starts with "${shown}" instead of "GGUF". Check the URL (a Hugging Face file URL needs /resolve/, not /blob/).`, { status: 422, type: "invalid_request_error", code: "invalid_gguf", param: "source" });
  }

  /** The header must read back (magic, version, metadata) before the file is listed. */
  private async validate(): Promise<void> {
    const fh = await open(this.partial, "r");
    const header = Buffer.alloc(8);
    try {
      await fh.read(header, 0, 8, 0);
    } finally {
      await fh.close();
    }
    const version = header.readUInt32LE(4);
    let problem: string | null = null;
    if (header.subarray(0, 4).toString("latin1") !== GGUF_MAGIC) problem = `it does not start with "GGUF"`;
    else if (version < 2 || version > 3) problem = `GGUF version ${version} is not supported (2 and 3 are)`;
    else {
      try {
        const { readGgufFileInfo } = await import("node-llama-cpp");
        const info = await readGgufFileInfo(this.partial, { readTensorInfo: true, logWarnings: false });
        const short = ggufShortfall(info, (await stat(this.partial)).size);
        if (short) problem = describeShortfall(short);
      } catch (err) {
        problem = `its metadata does not read: ${messageOf(err)}`;
      }
    }
    if (problem === null) return;
    await this.discard();
    throw new FaroError(`${this.fileName} from ${this.url} is not a usable GGUF model (${problem}); the file was deleted.`, { status: 422, type: "invalid_request_error", code: "invalid_gguf", param: "source" });
  }

  private async discard(): Promise<void> {
    await rm(this.partial, { force: true });
    await rm(this.metaPath, { force: true });
  }

  private progress(final: boolean): void {
    const now = Date.now();
    if (!this.onProgress || (!final && now - this.lastProgress < PROGRESS_EVERY_MS)) return;
    this.lastProgress = now;
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    const bytesPerSecond = (this.received - this.resumedFrom) / seconds;
    const etaSeconds = this.total !== null && bytesPerSecond > 0 ? Math.max(0, (this.total - this.received) / bytesPerSecond) : null;
    this.onProgress({ id: this.id, fileName: this.fileName, receivedBytes: this.received, totalBytes: this.total, bytesPerSecond, etaSeconds, resumedFrom: this.resumedFrom });
  }
}

/** `bytes 100-199/200` → start and total (null when `*`). */
export function parseContentRange(value: string | null): { start: number; total: number | null } | null {
  const m = value?.match(/^bytes (\d+)-(\d+)\/(\d+|\*)$/);
  if (!m) return null;
  return { start: Number(m[1]), total: m[3] === "*" ? null : Number(m[3]) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

function closeStream(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once("error", reject);
    out.end(() => resolve());
  });
}
