import assert from "node:assert/strict";
import { test } from "node:test";
import { SseParser, parseSse, type SseMessage } from "../../../server/providers/sseParser";

/** A stream with every line ending, a comment, an event name, multi-line data and multi-byte text. */
const STREAM =
  ": keep-alive comment\r\n" +
  "data: {\"a\":1}\r\n\r\n" +
  "event: message_start\n" +
  "data: {\"b\":\"héllo ✓\"}\n\n" +
  "data: line one\r" +
  "data:line two\r\r" +
  "id: 7\n" +
  "retry: 10\n" +
  "data\n\n" +
  "data: [DONE]\n\n";

const EXPECTED: SseMessage[] = [
  { event: null, data: '{"a":1}' },
  { event: "message_start", data: '{"b":"héllo ✓"}' },
  { event: null, data: "line one\nline two" },
  { event: null, data: "" },
  { event: null, data: "[DONE]" },
];

function parseAll(chunks: Buffer[]): SseMessage[] {
  const parser = new SseParser();
  return [...chunks.flatMap((c) => [...parser.feed(c)]), ...parser.end()];
}

test("SseParser gives the same events whichever byte the body is cut at", () => {
  const bytes = Buffer.from(STREAM, "utf8");
  assert.deepEqual(parseAll([bytes]), EXPECTED);
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]), EXPECTED, `cut at byte ${cut}`);
  }
  // One byte at a time: every "\r\n" and every multi-byte character is split.
  assert.deepEqual(parseAll([...bytes].map((b) => Buffer.from([b]))), EXPECTED);
});

test("SseParser dispatches an event only at its blank line, and the end flushes one left open", () => {
  const parser = new SseParser();
  assert.deepEqual([...parser.feed("data: a\n")], []);
  assert.deepEqual([...parser.feed("data: b\n")], []);
  assert.deepEqual([...parser.feed("\n")], [{ event: null, data: "a\nb" }]);
  assert.deepEqual([...parser.feed("event: x\ndata: tail")], []);
  assert.deepEqual(parser.end(), [{ event: "x", data: "tail" }]);
});

test("parseSse reads the same events from a chunked body", async () => {
  const bytes = Buffer.from(STREAM, "utf8");
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += 5) yield bytes.subarray(i, i + 5);
  }
  const got: SseMessage[] = [];
  for await (const m of parseSse(chunks())) got.push(m);
  assert.deepEqual(got, EXPECTED);
});
