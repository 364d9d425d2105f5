/**
 * Publishes diagnostics for open prompts: the analysis at once on every change (it is
 * synchronous and free of model I/O), and the rendered size against the context window once
 * typing pauses, reusing the last size meanwhile so the warning does not flicker. The size is
 * counted with the model's tokenizer when it is loaded, else estimated; a tokenizer that
 * finishes loading refines the published warning (see prompts/tokenizers.ts).
 */
import type { Connection } from "vscode-languageserver/node";
import { checkContextWindow, contextWindowProblems } from "../prompts/check";
import type { Logger } from "../logger";
import type { Tokenizers } from "../prompts/tokenizers";
import { toDiagnostic } from "./convert";
import type { OpenDocument, PromptDocuments } from "./documents";

export const RENDER_CHECK_DELAY_MS = 300;

export class DiagnosticsPublisher {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: PromptDocuments,
    private readonly logger: Logger,
    /** Null: estimates only (no engine). */
    private readonly tokenizers: () => Tokenizers | null,
    private readonly delayMs = RENDER_CHECK_DELAY_MS,
  ) {}

  /** A tokenizer became ready: count the open prompts again (only their render check runs). */
  recount(): void {
    for (const doc of this.documents.all()) {
      if (!this.timers.has(doc.uri)) this.publish(doc, true);
    }
  }

  /** Publishes now, and schedules the render check. */
  update(doc: OpenDocument): void {
    this.publish(doc, false);
    const old = this.timers.get(doc.uri);
    if (old) clearTimeout(old);
    this.timers.set(doc.uri, setTimeout(() => {
      this.timers.delete(doc.uri);
      if (this.documents.get(doc.uri) === doc) this.publish(doc, true);
    }, this.delayMs));
  }

  clear(uri: string): void {
    const t = this.timers.get(uri);
    if (t) clearTimeout(t);
    this.timers.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private publish(doc: OpenDocument, render: boolean): void {
    const a = this.documents.analysis(doc);
    let extra = doc.tokens === null ? [] : contextWindowProblems(a, doc.tokens);
    if (render) {
      const model = a.frontmatter.resolvedModel;
      const tokenizers = this.tokenizers();
      const r = checkContextWindow(a, model && tokenizers ? (text) => tokenizers.count(model, text) : undefined);
      doc.tokens = r.tokens ?? doc.tokens;
      extra = r.problems;
    }
    const diagnostics = [...a.problems, ...extra].map((p) => toDiagnostic(a.doc.lines, p));
    this.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics }).catch((err: unknown) => {
      this.logger.warn(`could not publish diagnostics for ${doc.uri}: ${String(err)}`);
    });
  }
}
