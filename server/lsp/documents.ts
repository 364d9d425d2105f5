/**
 * The `.prompt` documents open in the editor: their text (incremental changes applied here) and
 * the analysis of the current version, computed once and shared by every feature.
 */
import type { TextDocumentContentChangeEvent } from "vscode-languageserver/node";
import { analyzePrompt, type CheckContext, type PromptAnalysis } from "../prompts/check";
import type { TokenCount } from "../prompts/tokens";

export interface OpenDocument {
  uri: string;
  version: number;
  text: string;
  /** Null until first asked for, and after every change. */
  analysis: PromptAnalysis | null;
  /** The last rendered token count, reused while the user types (see checkContextWindow). */
  tokens: TokenCount | null;
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
  const start = offsetAt(text, range.start);
  const end = Math.max(start, offsetAt(text, range.end));
  return text.slice(0, start) + insert + text.slice(end);
}

/**
 * An LSP position's offset, scanning only up to its line (a keystroke near the top of a long
 * file does not index the whole text). Line breaks and clamping as LineIndex counts them.
 */
export function offsetAt(text: string, pos: { line: number; character: number }): number {
  if (pos.line < 0) return 0;
  let i = 0;
  if (!text.includes("\r")) {
    // indexOf runs natively: several times faster than the loop below, on every keystroke.
    for (let line = 0; line < pos.line; line++) {
      const br = text.indexOf("\n", i);
      if (br < 0) return text.length;
      i = br + 1;
    }
    const end = text.indexOf("\n", i);
    return Math.min(i + Math.max(0, pos.character), end < 0 ? text.length : end);
  }
  for (let line = 0; line < pos.line; line++) {
    while (i < text.length && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    if (i >= text.length) return text.length;
    i += text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
  }
  let end = i;
  while (end < text.length && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
  return Math.min(i + Math.max(0, pos.character), end);
}
