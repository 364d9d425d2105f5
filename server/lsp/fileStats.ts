/**
 * What is on disk at the paths open prompts name (`faro.dataset`), for checks that run on
 * every keystroke: answered from a cache, stat'ed asynchronously, and stat'ed again every few
 * seconds while asked about recently (files come and go without the client telling the
 * server); `onChange` is called when an answer differs from the one given.
 */
import { stat } from "node:fs/promises";
import type { Logger } from "../logger";
import type { FileRef } from "../prompts/fileRefs";

export const FILE_STAT_INTERVAL_MS = 2_000;
/** A path asked about longer ago than this is stat'ed again only when asked again. */
const WATCH_MS = 10 * 60_000;
const MAX_PATHS = 256;

interface Known {
  kind: FileRef["kind"] | null;
  asked: number;
  pending: boolean;
}

export class FileStats {
  private readonly known = new Map<string, Known>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly onChange: () => void,
    private readonly logger: Logger,
    private readonly intervalMs = FILE_STAT_INTERVAL_MS,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      const now = Date.now();
      for (const [path, k] of this.known) if (now - k.asked < WATCH_MS) this.restat(path, k);
    }, this.intervalMs);
    this.timer.unref();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** What is at `path` as last seen; null until its first stat answers. */
  kind(path: string): FileRef["kind"] | null {
    let k = this.known.get(path);
    if (!k) {
      if (this.known.size >= MAX_PATHS) this.known.clear();
      k = { kind: null, asked: 0, pending: false };
      this.known.set(path, k);
      this.restat(path, k);
    } else if (Date.now() - k.asked >= WATCH_MS) {
      this.restat(path, k); // not watched lately: the answer may be old
    }
    k.asked = Date.now();
    return k.kind;
  }

  /** Forget every answer (the client said files changed). */
  clear(): void {
    this.known.clear();
  }

  private restat(path: string, k: Known): void {
    if (k.pending) return;
    k.pending = true;
    void stat(path).then(
      (st) => this.settle(path, k, st.isFile() ? "file" : st.isDirectory() ? "folder" : "missing"),
      (err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT" && err.code !== "ENOTDIR") this.logger.warn(`could not stat ${path}: ${err.message}`);
        this.settle(path, k, "missing");
      },
    );
  }

  private settle(path: string, k: Known, kind: FileRef["kind"]): void {
    k.pending = false;
    if (k.kind === kind || this.known.get(path) !== k) {
      k.kind = kind;
      return;
    }
    k.kind = kind;
    try {
      this.onChange();
    } catch (err) {
      this.logger.error(`republishing after ${path} changed failed: ${String(err)}`);
    }
  }
}
