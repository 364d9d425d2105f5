/**
 * The model list the language features check against: a snapshot refreshed in the background
 * (at start, periodically, on demand), so no keystroke ever waits for the catalog; only a
 * completion in the frontmatter before the first list arrives waits for it, briefly.
 */
import type { Logger } from "../logger";
import type { ModelInfo, ModelsListResult } from "../protocol";
import { messageOf } from "../errors";

export const MODEL_REFRESH_MS = 15_000;

export class ModelSnapshot {
  models: ModelInfo[] | null = null;
  defaultModel: string | null = null;
  /** The user's model aliases: valid model names the catalog does not list. */
  aliases: readonly string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly list: () => Promise<ModelsListResult> | null,
    private readonly onChange: () => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), MODEL_REFRESH_MS);
    this.timer.unref();
  }

  /** Fetches the list; calls onChange when it differs. Never rejects (failures are logged). */
  refresh(): Promise<void> {
    this.inflight ??= this.fetch().finally(() => (this.inflight = null));
    return this.inflight;
  }

  /**
   * Resolves once the first list is known, the fetch under way fails, or after `timeoutMs`
   * (for a request that is worth a short wait, such as completing a model id).
   */
  async known(timeoutMs: number): Promise<void> {
    if (this.models !== null) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    try {
      await Promise.race([this.refresh(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async fetch(): Promise<void> {
    const pending = this.list();
    if (!pending) return; // the backend is not up yet
    try {
      const { models, defaultModel, aliases = [] } = await pending;
      const changed = JSON.stringify([models, defaultModel, aliases]) !== JSON.stringify([this.models, this.defaultModel, this.aliases]);
      this.models = models;
      this.defaultModel = defaultModel;
      this.aliases = aliases;
      if (changed) this.onChange();
    } catch (err) {
      this.logger.warn(`prompt checks: could not list models (${messageOf(err)}); model checks use the last list`);
    }
  }
}
