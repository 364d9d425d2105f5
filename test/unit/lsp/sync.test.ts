/**
 * The stdio path of the language server: incremental edits applied by offset (without a full
 * line index) land where LineIndex says, analyses served from the parse caches equal fresh
 * ones, and the one-write framing is what a JSON-RPC stream reader parses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import fc from "fast-check";
import { StreamMessageReader, type Message } from "vscode-languageserver/node";
import { analyzePrompt, type CheckContext } from "../../../server/prompts/check";
import { clearFrontmatterCache } from "../../../server/prompts/document";
import { clearTemplateCache } from "../../../server/prompts/handlebars";
import { LineIndex } from "../../../server/prompts/lineIndex";
import { offsetAt, PromptDocuments } from "../../../server/lsp/documents";
import { FramedMessageWriter } from "../../../server/lsp/stdioWriter";
import { documentWithOffset } from "../../fixtures/promptArbitrary";

const ctx: CheckContext = { models: null, defaultModel: null, partial: (n) => (n === "p" ? "P {{name}} {{#if" : null) };

test("offsetAt agrees with LineIndex for every position, breaks of every kind included", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom("a", "b", "\n", "\r", "\r\n", "é", "😀")).map((parts) => parts.join("")), fc.integer({ min: -2, max: 12 }), fc.integer({ min: -1, max: 8 }), (text, line, character) => {
      assert.equal(offsetAt(text, { line, character }), new LineIndex(text).offsetAt({ line, character }));
    }),
    { numRuns: 2000 },
  );
});

test("LineIndex and offsetAt: texts without CR (found with indexOf) agree with a character-by-character count", () => {
  const reference = (text: string) => {
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
    return starts;
  };
  fc.assert(
    fc.property(fc.array(fc.constantFrom("a", "\n", "\n\n", "é", "😀", "{{x}}")).map((parts) => parts.join("")), fc.integer({ min: -1, max: 12 }), fc.integer({ min: -1, max: 8 }), (text, line, character) => {
      const starts = reference(text);
      assert.deepEqual(new LineIndex(text).starts, starts);
      const expected = line < 0 ? 0 : line >= starts.length ? text.length : Math.min(starts[line]! + Math.max(0, character), (starts[line + 1] ?? text.length + 1) - 1);
      assert.equal(offsetAt(text, { line, character }), expected);
    }),
    { numRuns: 2000 },
  );
});

test("incremental changes give the text full sync gives", () => {
  const docs = new PromptDocuments(() => ctx);
  docs.open("file:///a.prompt", 1, "---\r\nmodel: x\n---\nHi {{name}}\n");
  docs.change("file:///a.prompt", 2, [
    { range: { start: { line: 1, character: 7 }, end: { line: 1, character: 8 } }, text: "demo" },
    { range: { start: { line: 3, character: 3 }, end: { line: 3, character: 3 } }, text: "there " },
    { range: { start: { line: 9, character: 0 }, end: { line: 9, character: 0 } }, text: "!" },
  ]);
  assert.equal(docs.get("file:///a.prompt")!.text, "---\r\nmodel: demo\n---\nHi there {{name}}\n!");
});

test("an analysis from the parse caches equals a fresh one, after edits anywhere", () => {
  fc.assert(
    fc.property(documentWithOffset, fc.string({ maxLength: 3 }), ([text, offset], typed) => {
      const edited = text.slice(0, offset) + typed + text.slice(offset);
      analyzePrompt(text, ctx);
      const cached = analyzePrompt(edited, ctx);
      clearFrontmatterCache();
      clearTemplateCache();
      const fresh = analyzePrompt(edited, ctx);
      assert.deepEqual(cached.problems, fresh.problems);
      assert.deepEqual(cached.declared, fresh.declared);
      assert.deepEqual(cached.frontmatter, fresh.frontmatter);
      assert.deepEqual([...cached.template.used], [...fresh.template.used]);
      assert.deepEqual(cached.doc.template.variables, fresh.doc.template.variables);
    }),
    { numRuns: 1000 },
  );
});

test("FramedMessageWriter writes each message in one piece that a stream reader parses", async () => {
  const pipe = new PassThrough();
  const chunks: Buffer[] = [];
  pipe.on("data", (c: Buffer) => chunks.push(c));
  const writer = new FramedMessageWriter(pipe);
  const messages: Message[] = [
    { jsonrpc: "2.0", method: "a", params: { text: "naïve 😀 — ünïcode" } } as Message,
    { jsonrpc: "2.0", id: 1, result: null } as Message,
  ];
  for (const m of messages) await writer.write(m);
  assert.equal(chunks.length, 2, "one write per message");
  assert.match(chunks[0]!.toString("utf8"), /^Content-Length: \d+\r\n\r\n\{/);

  const again = new PassThrough();
  const reader = new StreamMessageReader(again);
  const read: Message[] = [];
  reader.listen((m) => read.push(m));
  again.end(Buffer.concat(chunks));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(read, messages);
  writer.dispose();
  reader.dispose();
});
