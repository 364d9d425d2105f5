/**
 * Diagnostics time per edit of a 300-line `.prompt` (goal: p95 ≤ 5 ms), measured two ways in
 * one run, each next to its baseline:
 *   in process: analyzePrompt per edit vs Handlebars' parse of the same body (the floor);
 *   over stdio: didChange -> publishDiagnostics from dist/server/main.js vs a trivial request.
 *   npm run bench:lsp [-- --edits N]
 */
import { parseArgs } from "node:util";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { analyzePrompt, type CheckContext } from "../../server/prompts/check";
import { parseTemplate } from "../../server/prompts/handlebars";
import { diskPartials } from "../../server/prompts/workspace";
import type { ModelInfo } from "../../server/protocol";
import { startLsp } from "../fixtures/lspClient";
import { tempDir } from "../fixtures/serve";

const { values } = parseArgs({ options: { edits: { type: "string", default: "400" } } });
const EDITS = Number(values.edits);

/** A realistic 300-line prompt: frontmatter with schemas, prose with variables, blocks, roles, a partial. */
export function benchDocument(): string {
  const head = [
    "---", "description: A long support-agent prompt used to measure the language server.", "model: bench-model",
    "config:", "  temperature: 0.4", "  maxOutputTokens: 512", "  topP: 0.9", "  stopSequences: [\"END\"]",
    "faro.fallbacks: [default]", "input:", "  schema:", "    customer: string, the customer's name", "    product: string, what they bought",
    "    plan(enum, their plan): [free, pro, team]", "    issues(array, open tickets):", "      title: string", "      severity: integer",
    "    history?: string, earlier conversation", "    tone?: string, how to sound", "  default:", "    customer: Ana", "    product: Faro",
    "    plan: pro", "    issues: [{title: Slow start, severity: 2}]", "output:", "  format: text", "---",
  ];
  const body: string[] = ['{{role "system"}}', "You are a support agent for {{product}}. Be {{#if tone}}{{tone}}{{else}}friendly{{/if}} and exact.", "{{> policy}}"];
  const sentences = [
    "Greet {{customer}} by name and thank them for using {{product}}.",
    "Never promise features that are not on the public roadmap; say what exists today instead.",
    "When the customer is on the {{plan}} plan, mention the limits that apply to it only if relevant.",
    "Quote error messages exactly as the customer wrote them, in a code span.",
    "Prefer short paragraphs. Use a list when there are three or more steps.",
    "If you are unsure, ask one clarifying question rather than guessing.",
  ];
  while (head.length + body.length < 296) {
    const i = body.length;
    if (i % 40 === 0) body.push("{{#each issues}}", "- {{title}} (severity {{severity}}, ticket {{@index}})", "{{/each}}");
    else if (i % 57 === 0) body.push("{{#ifEquals plan \"team\"}}", "Team plans have a shared admin: mention them for billing questions.", "{{/ifEquals}}");
    else body.push(sentences[i % sentences.length]!);
  }
  body.push('{{role "user"}}', "{{#if history}}Earlier: {{history}}{{/if}}", "Help {{customer}} with their open issues.", "{{json issues}}");
  return [...head, ...body, ""].join("\n");
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const row = (name: string, xs: number[]) => `| ${name.padEnd(46)} | ${pct(xs, 50).toFixed(2).padStart(7)} | ${pct(xs, 95).toFixed(2).padStart(7)} | ${Math.max(...xs).toFixed(2).padStart(7)} |`;

/** The text after edit i: one character typed somewhere in the body or the frontmatter, like typing. */
function edited(base: string, i: number): string {
  const at = i % 5 === 0 ? base.indexOf("temperature") : base.length - 1 - ((i * 7919) % Math.floor(base.length / 2));
  return base.slice(0, at) + "abcdefghij"[i % 10] + base.slice(at);
}

async function main() {
  const ws = await tempDir("faro-bench-lsp-");
  await mkdir(ws, { recursive: true });
  await writeFile(join(ws, "_policy.prompt"), "Follow the refund policy: refunds within 30 days, no questions asked.\n");
  const file = join(ws, "support.prompt");
  const text = benchDocument();
  await writeFile(file, text);
  const lines = text.split("\n").length;
  const model = { id: "bench-model", faro: { context_length: 8192 } } as unknown as ModelInfo;
  const ctx: CheckContext = { models: [model], defaultModel: "bench-model", partial: diskPartials(file, [ws]) };
  const body = text.slice(text.indexOf("---\n", 4) + 4);

  const inProcess: number[] = [];
  const parseOnly: number[] = [];
  for (let i = -50; i < EDITS; i++) {
    const t = edited(text, i);
    let s = performance.now();
    analyzePrompt(t, ctx);
    const a = performance.now() - s;
    s = performance.now();
    parseTemplate(body + "x".repeat(i & 1));
    const b = performance.now() - s;
    if (i >= 0) {
      inProcess.push(a);
      parseOnly.push(b);
    }
  }

  const lsp = await startLsp({ home: await tempDir(), modelsDirs: [await tempDir()] }, ws);
  const uri = await lsp.open(file, text);
  await lsp.diagnostics(uri, 1);
  const stdio: number[] = [];
  const roundTrip: number[] = [];
  for (let i = -20; i < EDITS; i++) {
    let s = performance.now();
    const v = await lsp.change(uri, edited(text, i));
    await lsp.diagnostics(uri, v);
    const a = performance.now() - s;
    s = performance.now();
    await lsp.conn.sendRequest("faro/endpoint/status", {});
    const b = performance.now() - s;
    if (i >= 0) {
      stdio.push(a);
      roundTrip.push(b);
    }
  }
  await lsp.stop();

  console.log(`Diagnostics per edit, ${lines}-line .prompt (${text.length} characters), ${EDITS} edits, times in ms\n`);
  console.log(`| ${"measure".padEnd(46)} | ${"p50".padStart(7)} | ${"p95".padStart(7)} | ${"max".padStart(7)} |`);
  console.log(`|${"-".repeat(48)}|---------|---------|---------|`);
  console.log(row("in process: analyzePrompt", inProcess));
  console.log(row("  baseline: Handlebars parse of the body", parseOnly));
  console.log(row("stdio: didChange -> publishDiagnostics", stdio));
  console.log(row("  baseline: trivial request round trip", roundTrip));
  console.log();
  console.log(`analysis / parse floor (p50): ${(pct(inProcess, 50) / pct(parseOnly, 50)).toFixed(2)}x`);
  console.log(`server-side share of an edit over stdio (p50): ${Math.max(0, pct(stdio, 50) - pct(roundTrip, 50)).toFixed(2)} ms`);
  const p95 = pct(inProcess, 95);
  console.log(`goal p95 <= 5 ms for the diagnostics of an edit: ${p95 <= 5 ? "met" : "MISSED"} (${p95.toFixed(2)} ms in process)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
