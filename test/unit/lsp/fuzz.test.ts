/**
 * Property tests over 10,000 random documents, in process: analysis, diagnostics, completion,
 * hover, symbols, folding and quick fixes never throw, and every range they return lies inside
 * the document.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { DocumentSymbol, Range } from "vscode-languageserver/node";
import { analyzePrompt, checkContextWindow, type CheckContext } from "../../../server/prompts/check";
import { LineIndex } from "../../../server/prompts/lineIndex";
import type { ModelInfo } from "../../../server/protocol";
import { codeActions } from "../../../server/lsp/codeActions";
import { complete } from "../../../server/lsp/completion";
import { toDiagnostic } from "../../../server/lsp/convert";
import { hover } from "../../../server/lsp/hover";
import { documentSymbols, foldingRanges } from "../../../server/lsp/outline";
import { documentWithOffset } from "../../fixtures/promptArbitrary";

const models = [{ id: "demo", faro: { context_length: 64, provider: "local" } }] as unknown as ModelInfo[];
const ctx: CheckContext = { models, defaultModel: "demo", partial: (n) => (n === "header" ? "Header {{name}} {{#if x}}" : null) };

function inside(lines: LineIndex, r: Range, what: string): void {
  for (const p of [r.start, r.end]) {
    assert.ok(p.line >= 0 && p.line < lines.lineCount, `${what}: line ${p.line} of ${lines.lineCount}`);
    assert.ok(p.character >= 0 && p.character <= lines.lineText(p.line).length, `${what}: character ${p.character} on line ${p.line}`);
  }
  assert.ok(r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character), `${what}: start after end`);
}

function symbolsInside(lines: LineIndex, symbols: DocumentSymbol[]): void {
  for (const s of symbols) {
    inside(lines, s.range, `symbol ${s.name}`);
    inside(lines, s.selectionRange, `symbol ${s.name} selection`);
    symbolsInside(lines, s.children ?? []);
  }
}

test("10,000 random documents: no feature throws, every range lies inside the document", () => {
  fc.assert(
    fc.property(documentWithOffset, ([text, offset]) => {
      const a = analyzePrompt(text, ctx);
      const lines = new LineIndex(text);
      const all = [...a.problems, ...checkContextWindow(a).problems];
      for (const p of all) {
        assert.ok(p.start >= 0 && p.start <= p.end && p.end <= text.length, `${p.code} offsets ${p.start}-${p.end} of ${text.length}`);
        inside(lines, toDiagnostic(lines, p).range, p.code);
      }
      const position = lines.positionAt(offset);
      for (const item of complete(a, offset, { models, defaultModel: "demo", partials: () => ["header"] })) {
        if (item.textEdit && "range" in item.textEdit) inside(lines, item.textEdit.range, `completion ${item.label}`);
      }
      const h = hover(a, offset, { models, defaultModel: "demo" });
      if (h?.range) inside(lines, h.range, "hover");
      symbolsInside(lines, documentSymbols(a));
      for (const f of foldingRanges(a)) assert.ok(f.startLine <= f.endLine && f.endLine < lines.lineCount, "folding");
      const whole = { start: { line: 0, character: 0 }, end: lines.positionAt(text.length) };
      for (const action of codeActions("file:///x.prompt", a, whole)) {
        for (const edit of action.edit?.changes?.["file:///x.prompt"] ?? []) inside(lines, edit.range, action.title);
      }
      assert.ok(position.line < lines.lineCount);
    }),
    { numRuns: 10_000 },
  );
});
