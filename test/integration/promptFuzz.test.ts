/**
 * 10,000 random documents through the built language server over stdio (fast-check): each one
 * replaces the open document; the server answers every version with diagnostics whose ranges lie
 * inside it, keeps answering completion and hover, and never crashes or logs an uncaught error.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import type { Range } from "vscode-languageserver/node";
import { LineIndex } from "../../server/prompts/lineIndex";
import { documentWithOffset } from "../fixtures/promptArbitrary";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { writeTinyModel } from "../fixtures/models";
import { tempDir } from "../fixtures/serve";

let lsp: LspClient;
let ws: string;

before(async () => {
  const models = await tempDir("faro-models-");
  await writeTinyModel(models, { name: "demo" });
  ws = await tempDir("faro-ws-");
  await writeFile(join(ws, "_header.prompt"), "Header {{name}}\n");
  lsp = await startLsp({ home: await tempDir(), modelsDirs: [models], endpoint: { port: 0 } }, ws);
});

after(async () => {
  assert.equal(await lsp.stop(), 0, lsp.stderr());
  assert.doesNotMatch(lsp.stderr(), /uncaught|unhandled/i);
});

function inside(lines: LineIndex, r: Range, what: string): void {
  for (const p of [r.start, r.end]) {
    assert.ok(p.line >= 0 && p.line < lines.lineCount && p.character >= 0 && p.character <= lines.lineText(p.line).length, `${what}: ${JSON.stringify(r)}`);
  }
}

test("10,000 random documents over stdio: diagnostics inside the document, the server stays up", async () => {
  const uri = await lsp.open(join(ws, "fuzz.prompt"), "");
  await lsp.diagnostics(uri, 1);
  let n = 0;
  await fc.assert(
    fc.asyncProperty(documentWithOffset, async ([text, offset]) => {
      const version = await lsp.change(uri, text);
      const diagnostics = await lsp.diagnostics(uri, version);
      const lines = new LineIndex(text);
      for (const d of diagnostics) inside(lines, d.range, String(d.code));
      // Every 20th document also asks the features that read a position.
      if (++n % 20 === 0) {
        const position = lines.positionAt(offset);
        await lsp.conn.sendRequest("textDocument/completion", { textDocument: { uri }, position });
        await lsp.conn.sendRequest("textDocument/hover", { textDocument: { uri }, position });
        await lsp.conn.sendRequest("textDocument/documentSymbol", { textDocument: { uri } });
      }
    }),
    { numRuns: 10_000 },
  );
  assert.equal(lsp.proc.exitCode, null, "the server is still running");
  assert.ok(await lsp.conn.sendRequest("faro/models/list", {}));
});
