/**
 * Diagnostics time per edit of a 300-line `.prompt` (goal: p95 ≤ 5 ms), measured two ways in
 * one run, each next to its baseline:
 *   in process: analyzePrompt per edit, with its parse caches cleared before each edit (what
 *     every edit cost before the caches) and kept (as the server runs), vs Handlebars' parse of
 *     the same body (the floor);
 *   over stdio: didChange -> publishDiagnostics from dist/server/main.js with full-text sync
 *     (the whole document per edit) and incremental sync (a range edit, as VS Code sends), vs a
 *     trivial request.
 * The edits type one character at a time, as a user does: runs of characters at one place in
 * the body, every fifth in the frontmatter.
 *   npm run bench:lsp [-- --edits N]
 */
import { parseArgs } from "node:util";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { analyzePrompt, type CheckContext } from "../../server/prompts/check";
import { clearFrontmatterCache } from "../../server/prompts/document";
import { clearTemplateCache, parseTemplateUncached } from "../../server/prompts/handlebars";
import { LineIndex } from "../../server/prompts/lineIndex";
import { diskPartials } from "../../server/prompts/workspace";
import type { ModelInfo } from "../../server/protocol";
import { benchDocument, typing, type Keystroke } from "../fixtures/benchPrompt";
import { startLsp, type LspClient } from "../fixtures/lspClient";
import { tempDir } from "../fixtures/serve";

const { values } = parseArgs({ options: { edits: { type: "string", default: "400" } } });
const EDITS = Number(values.edits);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const row = (name: string, xs: number[]) => `| ${name.padEnd(52)} | ${pct(xs, 50).toFixed(2).padStart(7)} | ${pct(xs, 95).toFixed(2).padStart(7)} | ${Math.max(...xs).toFixed(2).padStart(7)} |`;

async function main() {
  const ws = await tempDir("faro-bench-lsp-");
  await mkdir(ws, { recursive: true });
  await writeFile(join(ws, "_policy.prompt"), "Follow the refund policy: refunds within 30 days, no questions asked.\n");
  const file = join(ws, "support.prompt");
  const file2 = join(ws, "support2.prompt");
  const text = benchDocument();
  await writeFile(file, text);
  await writeFile(file2, text);
  const lines = text.split("\n").length;
  const model = { id: "bench-model", faro: { context_length: 8192 } } as unknown as ModelInfo;
  const ctx: CheckContext = { models: [model], defaultModel: "bench-model", partial: diskPartials(file, [ws]) };
  const bodyStart = text.indexOf("---\n", 4) + 4;
  const warmup = 50;
  const keys = typing(text, warmup + EDITS);

  const cold: number[] = [];
  const warm: number[] = [];
  const parseOnly: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const t = keys[i]!.text;
    clearFrontmatterCache();
    clearTemplateCache();
    let s = performance.now();
    analyzePrompt(t, ctx);
    const a = performance.now() - s;
    // The same edit again, with the caches as the previous edits left them.
    clearFrontmatterCache();
    clearTemplateCache();
    if (i > 0) analyzePrompt(keys[i - 1]!.text, ctx);
    s = performance.now();
    analyzePrompt(t, ctx);
    const b = performance.now() - s;
    s = performance.now();
    parseTemplateUncached(t.slice(bodyStart));
    const c = performance.now() - s;
    if (i >= warmup) {
      cold.push(a);
      warm.push(b);
      parseOnly.push(c);
    }
  }

  const lsp = await startLsp({ home: await tempDir(), modelsDirs: [await tempDir()] }, ws);
  const full = await stdioTyping(lsp, file, text, keys, warmup, "full");
  const incremental = await stdioTyping(lsp, file2, text, keys, warmup, "incremental");
  const roundTrip: number[] = [];
  for (let i = 0; i < warmup + EDITS; i++) {
    const s = performance.now();
    await lsp.conn.sendRequest("faro/endpoint/status", {});
    if (i >= warmup) roundTrip.push(performance.now() - s);
  }
  await lsp.stop();

  console.log(`Diagnostics per edit, ${lines}-line .prompt (${text.length} characters), ${EDITS} keystrokes, times in ms\n`);
  console.log(`| ${"measure".padEnd(52)} | ${"p50".padStart(7)} | ${"p95".padStart(7)} | ${"max".padStart(7)} |`);
  console.log(`|${"-".repeat(54)}|---------|---------|---------|`);
  console.log(row("in process: analyzePrompt, no parse caches (before)", cold));
  console.log(row("in process: analyzePrompt, parse caches", warm));
  console.log(row("  baseline: Handlebars parse of the body", parseOnly));
  console.log(row("stdio: full-text sync -> publishDiagnostics", full));
  console.log(row("stdio: incremental sync -> publishDiagnostics", incremental));
  console.log(row("  baseline: trivial request round trip", roundTrip));
  console.log();
  console.log(`analysis / parse floor (p50): ${(pct(warm, 50) / pct(parseOnly, 50)).toFixed(2)}x without caches ${(pct(cold, 50) / pct(parseOnly, 50)).toFixed(2)}x`);
  console.log(`parse caches: p50 ${(pct(cold, 50) / pct(warm, 50)).toFixed(2)}x, p95 ${(pct(cold, 95) / pct(warm, 95)).toFixed(2)}x faster`);
  console.log(`server-side share of an incremental edit over stdio (p50): ${Math.max(0, pct(incremental, 50) - pct(roundTrip, 50)).toFixed(2)} ms`);
  const p95 = pct(incremental, 95);
  console.log(`goal p95 <= 5 ms for the diagnostics of an edit: ${p95 <= 5 ? "met" : "MISSED"} (${p95.toFixed(2)} ms over stdio, incremental sync)`);
}

/** Types `keys` into an open document, waiting for each version's diagnostics. */
async function stdioTyping(lsp: LspClient, file: string, text: string, keys: Keystroke[], warmup: number, sync: "full" | "incremental"): Promise<number[]> {
  const uri = await lsp.open(file, text);
  await lsp.diagnostics(uri, 1);
  const times: number[] = [];
  let prev = text;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const version = i + 2;
    // The client's own work (a position for the range) stays out of the time, as in an editor.
    const at = new LineIndex(prev).positionAt(k.offset);
    const change = sync === "full" ? { text: k.text } : { range: { start: at, end: at }, text: k.char };
    const s = performance.now();
    await lsp.conn.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [change] });
    const d = await lsp.diagnostics(uri, version);
    if (i >= warmup) times.push(performance.now() - s);
    if (i === keys.length - 1 && d.length === 0) throw new Error("the server published no diagnostics for the bench prompt (its model is not in the catalog, so expected one)");
    prev = k.text;
  }
  await lsp.close(uri);
  return times;
}

if (process.argv[1]?.endsWith("lsp.ts")) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
