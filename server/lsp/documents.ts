/**
 * The `.prompt` documents open in the editor: their text (incremental changes applied here) and
 * the analysis of the current version, computed once and shared by every feature.
 */
import type { TextDocumentContentChangeEvent } from "vscode-languageserver/node";
import { analyzePrompt, type CheckContext, type PromptAnalysis } from "../prompts/check";
import { LineIndex } from "../prompts/lineIndex";

export interface OpenDocument {
  uri: string;
  version: number;
  text: string;
  /** Null until first asked for, and after every change. */
  analysis: PromptAnalysis | null;
  /** The last rendered token count, reused while the user types (see checkContextWindow). */
  tokens: number | null;
}

export class PromptDocuments {
  private readonly docs = new Map<string, OpenDocument>();

  constructor(private readonly context: (uri: string) => CheckContext) {}

  open(uri: string, version: number, text: string): OpenDocument {
    const doc: OpenDocument = { uri, version, text, analysis: null, tokens: null };
    this.docs.set(uri, doc);
    return doc;
  }

  change(uri: string, version: number, changes: readonly TextDocumentContentChangeEvent[]): OpenDocument | null {
    const doc = this.docs.get(uri);
    if (!doc) return null;
    for (const c of changes) doc.text = "range" in c ? applyEdit(doc.text, c.range, c.text) : c.text;
    doc.version = version;
    doc.analysis = null;
    return doc;
  }

  close(uri: string): void {
    this.docs.delete(uri);
  }

  get(uri: string): OpenDocument | null {
    return this.docs.get(uri) ?? null;
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }

  analysis(doc: OpenDocument): PromptAnalysis {
    doc.analysis ??= analyzePrompt(doc.text, this.context(doc.uri));
    return doc.analysis;
  }

  /** Forget every analysis (the models or a partial changed). */
  invalidate(): void {
    for (const d of this.docs.values()) d.analysis = null;
  }
}

function applyEdit(text: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }, insert: string): string {
  const lines = new LineIndex(text);
  const start = lines.offsetAt(range.start);
  const end = Math.max(start, lines.offsetAt(range.end));
  return text.slice(0, start) + insert + text.slice(end);
}
