/**
 * Extension activation time, NOT in real VS Code: each run is a fresh Node process that loads the
 * bundle (`require`) and calls `activate()` against a minimal fake `vscode` module (output
 * channel, status bar item, command registry, workspace events; anything else is a no-op proxy).
 * The Node built-ins the extension host has already loaded are loaded before the clock starts.
 * The backend starts lazily, so activation must not spawn it: the run fails if it does.
 * Baseline, same fake and same process kind: an extension that registers one command; for
 * comparison, a bundle of vscode-languageclient alone (Faro loads it only when the backend starts).
 *
 *   npm run bench:activation            # dist/extension/extension.js and a minified build of it
 *   BENCH_RUNS=30 npm run bench:activation
 *
 * What this times is Faro's own share of VS Code's figure. The fake vscode module has every export
 * of @types/vscode as its own property, as the real API object has: a bundle that imports it with
 * `import * as vscode` copies them all once per module (esbuild's __toESM), which the extension
 * now avoids (`import vscode = require("vscode")`): minified require() 7.5 -> 3.6 ms median, 21
 * interleaved runs each.
 *
 * In real VS Code (code-server 4.139.1, `npm run e2e`: Developer: Startup Performance for Faro and
 * a one-command baseline extension with the same activation events), 2026-11-22 on the shared
 * 2-core box. VS Code's Activation figure (Running Extensions) = "load code" + "call activate":
 *
 *   | runs | when | Faro Activation | baseline | Faro's require() / activate() |
 *   |---|---|---:|---:|---:|
 *   | earlier sessions, id `prompt` | first .prompt | 131-929 | 4-21 less | 5-19 / 2-14 |
 *   | 3, id `dotprompt` | first .prompt | 17-25 | 1-3 | 10 (1 run) / 4-13 |
 *   | 3, id `dotprompt` | after a window reload | 76-580 | 66-514 | 6-38 / 2-28 |
 *   | 9, + no __toESM copies | first .prompt | 6-40, median 8 | 1-4 | 2-36, median 4 / 2-9 |
 *   | 9, + no __toESM copies | after a window reload | 35-162, median 58 | 31-150 | 2-17 / 2-6 |
 *
 * - `prompt` was also the language id of VS Code's own prompt-basics (Copilot's .prompt.md), and
 *   vscode.markdown-language-features activates on onLanguage:prompt: the extension host loaded it
 *   (120-820 ms) inside Faro's "load code". Hence the id `dotprompt`.
 * - After a reload, VS Code restores the editors and activates Faro (onLanguage:dotprompt or
 *   onWebviewPanel:faro.logs) in the same turn as vscode.github-authentication and vscode.emmet,
 *   whose require() (29-366 and 13-99 ms) runs before Faro's and counts in Faro's "load code"
 *   and the baseline's alike. Faro's excess over the baseline there: 4-19 ms (before the __toESM
 *   change 7-66 ms; 66 in a run with the machine saturated, registering the commands took 27).
 * - The first .prompt met the 50 ms goal in 9 of 9 runs (the 36 ms require() of the 40 ms run
 *   is the shared 2-core machine: 2-4 ms in 6 of those runs). After a reload VS Code's figure is
 *   mostly what the extensions restored alongside cost (4 of 9 runs at or under 50 ms), which
 *   Faro cannot change; its own part is the require() and activate() columns.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Module from "node:module";
import { performance } from "node:perf_hooks";

const GOAL_MS = 50;

if (process.env.FARO_BENCH_CHILD) void child(process.env.FARO_BENCH_CHILD);
else void main();

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 15);
  const dir = mkdtempSync(join(tmpdir(), "faro-activation-"));
  const baseline = join(dir, "baseline.js");
  writeFileSync(baseline, `const vscode = require("vscode");\nexports.activate = (ctx) => { ctx.subscriptions.push(vscode.commands.registerCommand("x.hello", () => undefined)); };\n`);
  const minified = join(dir, "extension.min.js");
  const esbuild = await import("esbuild");
  await esbuild.build({ entryPoints: ["extension/extension.ts"], bundle: true, minify: true, platform: "node", format: "cjs", target: "node20", external: ["vscode", "./languageClient.js", "./deferred.js"], outfile: minified, logLevel: "warning" });
  // What activation would also pay if it loaded the language client eagerly (it loads it at backend start).
  const clientOnly = join(dir, "client-only.js");
  const clientEntry = join(dir, "client-entry.ts");
  writeFileSync(clientEntry, `import { LanguageClient } from "vscode-languageclient/node";\nexport function activate(): void { void LanguageClient; }\n`);
  await esbuild.build({ entryPoints: [clientEntry], bundle: true, minify: true, platform: "node", format: "cjs", target: "node20", external: ["vscode"], outfile: clientOnly, logLevel: "warning", nodePaths: [resolve("node_modules")] });
  const subjects: Array<[string, string]> = [
    ["baseline (one command)", baseline],
    ["vscode-languageclient alone (deferred to backend start)", clientOnly],
    ["dist/extension/extension.js", resolve("dist/extension/extension.js")],
    ["minified (as packaged)", minified],
  ];
  const rows = subjects.map(([name, file]) => ({ name, ...measure(file, runs) }));
  const base = rows[0]!;
  console.log(`Activation in a fake vscode host (not real VS Code), ${runs} fresh processes each, median (p90):\n`);
  console.log("| bundle | require ms | activate() ms | total ms | vs baseline |");
  console.log("|---|---:|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.name} | ${fmt(r.require)} | ${fmt(r.activate)} | ${fmt(r.total)} | ${(r.total.median / base.total.median).toFixed(1)}x (+${(r.total.median - base.total.median).toFixed(1)} ms) |`);
  const worst = Math.max(...rows.slice(2).map((r) => r.total.median));
  console.log(`\nGoal ≤ ${GOAL_MS} ms: ${worst <= GOAL_MS ? "met" : "NOT met"} (${worst.toFixed(1)} ms median).`);
}

function measure(file: string, runs: number) {
  const samples: Array<{ require: number; activate: number }> = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ["--import", "tsx", "test/bench/activation.ts"], { env: { ...process.env, FARO_BENCH_CHILD: file }, encoding: "utf8" });
    const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
    if (r.status !== 0 || !line) throw new Error(`activation run failed for ${file}: ${r.stderr}`);
    samples.push(JSON.parse(line) as { require: number; activate: number });
  }
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)]!, p90: s[Math.min(s.length - 1, Math.floor(s.length * 0.9))]! };
  };
  return { require: stat(samples.map((s) => s.require)), activate: stat(samples.map((s) => s.activate)), total: stat(samples.map((s) => s.require + s.activate)) };
}

const fmt = (s: { median: number; p90: number }) => `${s.median.toFixed(1)} (${s.p90.toFixed(1)})`;

async function child(file: string): Promise<void> {
  const spawned: string[] = [];
  // The CommonJS exports object, which the bundle's require("child_process") also gets.
  const cjsRequire = Module.createRequire(resolve("package.json"));
  const cp = cjsRequire("node:child_process") as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ["spawn", "fork", "execFile"]) {
    const original = cp[name]!;
    cp[name] = (...a: unknown[]) => {
      spawned.push(String(a[0]));
      return original(...a);
    };
  }
  const vscode = fakeVscode();
  const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: unknown })._load = (req: string, ...rest: unknown[]) => (req === "vscode" ? vscode : load(req, ...rest));
  // VS Code's extension host has loaded these before any extension (it uses them itself): a
  // bundle's require of them costs nothing there, so it must not be charged here either.
  for (const builtin of ["node:crypto", "node:os", "node:util", "node:path", "node:fs", "node:net", "node:child_process", "node:events"]) cjsRequire(builtin);
  const t0 = performance.now();
  const ext = Module.createRequire(file)(file) as { activate(ctx: unknown): unknown };
  const t1 = performance.now();
  await ext.activate(fakeContext(file));
  const t2 = performance.now();
  if (spawned.length > 0) throw new Error(`activation started a process (${spawned.join(", ")}); the backend must start lazily`);
  console.log(JSON.stringify({ require: t1 - t0, activate: t2 - t1 }));
  process.exit(0);
}

/** Enough of the vscode API for activation; unknown members are callable no-op proxies. */
function fakeVscode(): unknown {
  const disposable = { dispose() {} };
  const noop: unknown = new Proxy(function () {}, {
    get: (_t, p) => (p === "then" ? undefined : p === Symbol.toPrimitive ? () => "" : noop),
    apply: () => noop,
    construct: () => noop as object,
  });
  const event = () => disposable;
  const api: Record<string, unknown> = {
    window: {
      createOutputChannel: () => ({ info() {}, warn() {}, error() {}, debug() {}, trace() {}, appendLine() {}, show() {}, dispose() {} }),
      createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
      registerWebviewPanelSerializer: () => disposable,
      registerTreeDataProvider: () => disposable,
      onDidChangeActiveTextEditor: event,
      activeTextEditor: undefined,
    },
    commands: { registerCommand: () => disposable, executeCommand: async () => undefined },
    workspace: {
      textDocuments: [],
      onDidOpenTextDocument: event,
      onDidChangeConfiguration: event,
      onDidSaveTextDocument: event,
      onDidCloseTextDocument: event,
      getConfiguration: () => ({ get: () => undefined }),
    },
    languages: { registerCodeLensProvider: () => disposable },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ThemeColor: class {},
    ThemeIcon: class {},
    EventEmitter: class {
      event = event;
      fire() {}
      dispose() {}
    },
    Disposable: class {
      static from() {
        return disposable;
      }
      dispose() {}
    },
    Uri: { file: (p: string) => ({ fsPath: p, toString: () => `file://${p}` }), parse: (s: string) => ({ fsPath: s, toString: () => s }), joinPath: (u: { fsPath: string }, ...p: string[]) => ({ fsPath: join(u.fsPath, ...p) }) },
  };
  const lenient = (o: Record<string, unknown>) => new Proxy(o, { get: (t, p: string) => (p in t ? t[p] : noop) });
  for (const ns of ["window", "commands", "workspace", "languages"]) api[ns] = lenient(api[ns] as Record<string, unknown>);
  // The real API object has every export of the vscode module as its own property (more with
  // proposed API): a bundle's `import * as vscode` copies them all (esbuild's __toESM), so the
  // fake has them too.
  for (const name of vscodeExportNames()) if (!(name in api)) api[name] = noop;
  return lenient(api);
}

/** The names `declare module 'vscode'` exports (classes, enums, namespaces, functions, constants). */
function vscodeExportNames(): string[] {
  const dts = readFileSync(Module.createRequire(resolve("package.json")).resolve("@types/vscode/index.d.ts"), "utf8");
  return [...new Set([...dts.matchAll(/^\t(?:export )?(?:class|enum|namespace|function|const|let) (\w+)/gm)].map((m) => m[1]!))];
}

function fakeContext(file: string): unknown {
  const memento = { get: () => undefined, update: async () => undefined, keys: () => [] };
  return {
    subscriptions: [],
    globalState: memento,
    workspaceState: memento,
    secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: () => ({ dispose() {} }) },
    extensionUri: { fsPath: resolve(file, "../../..") },
    extensionPath: resolve(file, "../../.."),
    globalStorageUri: { fsPath: join(tmpdir(), "faro-bench-storage") },
    asAbsolutePath: (p: string) => resolve(file, "../../..", p),
    extension: { packageJSON: { version: "bench" } },
  };
}
