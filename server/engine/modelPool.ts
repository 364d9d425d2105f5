/**
 * Resident models: at most `maxLoaded` at once, each with `slots` sequences. Reserving a slot
 * loads the model if needed (evicting the least recently used idle model first, and idle models
 * whose memory the new one needs: see Room); a model with no reserved slot unloads after its
 * keep-alive. Answers the scheduler's "can this start now?".
 */
import { messageOf } from "../errors";
import type { Logger } from "../logger";
import type { CatalogEntry } from "./catalog";
import type { LoadedModel } from "./loadedModel";
import type { IdleModel } from "./planner";

export interface ResidentView {
  id: string;
  state: "loading" | "ready";
  /** 0..1 while loading. */
  progress: number;
  busy_slots: number;
  slots: number;
  /** Where the planner put it: gpu, partial or cpu (null while loading). */
  mode: string | null;
  gpu_layers: number | null;
  /** How long it has had no request, null while busy. */
  idle_ms: number | null;
}

interface Resident {
  entry: CatalogEntry;
  ready: Promise<LoadedModel>;
  loaded: LoadedModel | null;
  progress: number;
  reserved: number;
  lastUsed: number;
  keepAliveMs: number;
  idleTimer: NodeJS.Timeout | null;
}

/**
 * What a load may do for memory: see the loaded models no request is using (least recently used
 * first, with what their plans take) and unload some of them, waiting until they are freed.
 */
export interface Room {
  idle(): IdleModel[];
  free(ids: readonly string[], why: string): Promise<void>;
}

export type Loader = (entry: CatalogEntry, onProgress: (fraction: number) => void, room: Room) => Promise<LoadedModel>;

export interface PoolOptions {
  slots: number;
  maxLoaded: number;
  /** Default idle time before unloading; Infinity keeps models loaded. */
  keepAliveMs: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class ModelPool {
  private readonly residents = new Map<string, Resident>();
  /** Unloads in flight; a new load waits for them so memory is really free. */
  private unloading: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly loader: Loader,
    private readonly opts: PoolOptions,
    private readonly logger: Logger,
    private readonly onChange: () => void = () => {},
  ) {}

  isResident(id: string): boolean {
    return this.residents.has(id);
  }

  isLoaded(id: string): boolean {
    return this.residents.get(id)?.loaded != null;
  }

  canStart(id: string): boolean {
    const r = this.residents.get(id);
    if (r) return r.reserved < this.opts.slots;
    return this.residents.size < this.opts.maxLoaded || this.evictable() !== null;
  }

  /** Takes a slot (synchronously) and returns the model once it is loaded. */
  reserve(entry: CatalogEntry, keepAliveMs: number | null): Promise<LoadedModel> {
    let r = this.residents.get(entry.id);
    // The file was replaced (a new quantization under the same name): serving the old weights
    // would contradict the listing. Requests still running on them keep them until they end.
    if (r && r.loaded && r.reserved === 0 && fileChanged(r.entry, entry)) {
      this.unload(entry.id, "(its file changed)");
      r = undefined;
    }
    if (!r) {
      if (this.residents.size >= this.opts.maxLoaded) {
        const victim = this.evictable();
        if (victim) this.unload(victim.entry.id, "to make room");
      }
      r = this.startLoad(entry);
    }
    r.reserved++;
    r.keepAliveMs = keepAliveMs ?? this.opts.keepAliveMs;
    if (r.idleTimer) clearTimeout(r.idleTimer);
    r.idleTimer = null;
    this.onChange();
    return r.ready;
  }

  /**
   * Gives back a slot taken by reserve(). `ready` is what reserve returned: a request whose load
   * failed (and was forgotten) must not free a slot of a newer load of the same model.
   */
  release(id: string, ready?: Promise<LoadedModel>): void {
    const r = this.residents.get(id);
    if (!r || (ready && r.ready !== ready)) return;
    r.reserved--;
    r.lastUsed = performance.now();
    if (r.reserved === 0) this.scheduleIdleUnload(r);
    this.onChange();
  }

  /** Unloads a model that no request is using. Returns false if it is busy or not loaded. */
  unload(id: string, why = "on request"): boolean {
    const r = this.residents.get(id);
    if (!r || r.reserved > 0) return false;
    this.residents.delete(id);
    if (r.idleTimer) clearTimeout(r.idleTimer);
    const done = r.ready.then(
      (m) => m.dispose().then(() => this.logger.info(`unloaded ${id} ${why}`)),
      () => undefined, // a failed load has nothing to free; its error went to its requests
    );
    this.unloading = Promise.all([this.unloading, done]);
    this.onChange();
    return true;
  }

  list(): ResidentView[] {
    return [...this.residents.values()].map((r) => ({
      id: r.entry.id,
      state: r.loaded ? "ready" : "loading",
      progress: r.loaded ? 1 : r.progress,
      busy_slots: r.reserved,
      slots: this.opts.slots,
      mode: r.loaded?.plan.mode ?? null,
      gpu_layers: r.loaded?.plan.gpuLayers ?? null,
      idle_ms: r.reserved === 0 ? Math.round(performance.now() - r.lastUsed) : null,
    }));
  }

  async dispose(): Promise<void> {
    for (const r of this.residents.values()) if (r.idleTimer) clearTimeout(r.idleTimer);
    const all = [...this.residents.values()];
    this.residents.clear();
    await this.unloading;
    for (const r of all) {
      const m = await r.ready.catch(() => null);
      await m?.dispose();
    }
  }

  private startLoad(entry: CatalogEntry): Resident {
    const r: Resident = {
      entry,
      ready: Promise.resolve(null as unknown as LoadedModel),
      loaded: null,
      progress: 0,
      reserved: 0,
      lastUsed: performance.now(),
      keepAliveMs: this.opts.keepAliveMs,
      idleTimer: null,
    };
    const onProgress = (f: number) => {
      r.progress = f;
      this.onChange();
    };
    const room: Room = {
      idle: () =>
        [...this.residents.values()]
          .filter((o) => o !== r && o.loaded && o.reserved === 0)
          .sort((a, b) => a.lastUsed - b.lastUsed)
          .map((o) => ({ id: o.entry.id, needs: o.loaded!.plan.needs })),
      free: async (ids, why) => {
        for (const id of ids) this.unload(id, why);
        await this.unloading;
      },
    };
    r.ready = this.unloading.then(() => this.loader(entry, onProgress, room));
    r.ready.then(
      (m) => {
        r.loaded = m;
        this.onChange();
      },
      (err: unknown) => {
        // Forget the failed load so a later request can retry (e.g. after the file is fixed).
        if (this.residents.get(entry.id) === r) this.residents.delete(entry.id);
        this.logger.warn(`loading ${entry.id} failed: ${messageOf(err)}`);
        this.onChange();
      },
    );
    this.residents.set(entry.id, r);
    return r;
  }

  private evictable(): Resident | null {
    let best: Resident | null = null;
    for (const r of this.residents.values()) {
      if (r.reserved === 0 && r.loaded && (!best || r.lastUsed < best.lastUsed)) best = r;
    }
    return best;
  }

  private scheduleIdleUnload(r: Resident): void {
    if (!Number.isFinite(r.keepAliveMs)) return;
    if (r.keepAliveMs <= 0) {
      void r.ready.then(() => r.reserved === 0 && this.unload(r.entry.id, "(keep_alive 0)"), () => undefined);
      return;
    }
    const due = performance.now() + r.keepAliveMs;
    // Node fires a timer longer than 2^31-1 ms (about 24.8 days) after 1 ms, so long keep-alives
    // ("720h", a huge number of seconds) wait in steps instead of unloading at once.
    const arm = () => {
      const left = due - performance.now();
      r.idleTimer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(() => this.unload(r.entry.id, `after ${Math.round(r.keepAliveMs / 1000)} s idle`), Math.max(0, left));
      r.idleTimer.unref();
    };
    arm();
  }
}

function fileChanged(a: CatalogEntry, b: CatalogEntry): boolean {
  return a.path !== b.path || a.sizeBytes !== b.sizeBytes || a.mtimeMs !== b.mtimeMs;
}
