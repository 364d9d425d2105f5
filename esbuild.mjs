// Builds Faro's three bundles: the VS Code extension (cjs, `vscode` external), the backend
// (server + CLI, cjs, native modules external) and the webview (browser IIFE).
import * as esbuild from "esbuild";
import { cp, mkdir } from "node:fs/promises";

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

/** Native or ESM-only packages: shipped in node_modules, never bundled. */
const natives = ["better-sqlite3", "node-llama-cpp"];
/**
 * Shipped in node_modules too: js-tiktoken's rank tables (3.4 MB) are loaded, by a worker thread,
 * only when a provider reports no usage; bundled, both server entries would carry them.
 */
const lazy = ["js-tiktoken"];

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: "warning",
  legalComments: "none",
};

const builds = [
  {
    ...common,
    // Activation loads extension.js only: languageClient.js is loaded when the backend starts
    // (ctx.ts), deferred.js when a panel, the price table or a model URI is first needed (lazy.ts).
    entryPoints: { extension: "extension/extension.ts", languageClient: "extension/languageClient.ts", deferred: "extension/deferred.ts" },
    outdir: "dist/extension",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode", "./languageClient.js", "./deferred.js"],
  },
  {
    ...common,
    // logWriter.js: the request log's writer thread (server/store/requestLog.ts starts it).
    entryPoints: { main: "server/main.ts", cli: "server/cli.ts", logWriter: "server/store/logWriterThread.ts" },
    outdir: "dist/server",
    platform: "node",
    format: "cjs",
    target: "node20",
    // tsx/cjs: named only when the backend runs from source (tests), to load the log writer thread's TypeScript.
    external: [...natives, ...lazy, "tsx/cjs"],
    banner: { js: "#!/usr/bin/env node" },
  },
  {
    ...common,
    // logs.js: the Logs dashboard (its imported logs.css is emitted beside it as logs.css).
    entryPoints: { webview: "webview/main.ts", logs: "webview/logs/main.ts" },
    outdir: "dist/webview",
    platform: "browser",
    format: "iife",
    target: "es2022",
  },
];

await mkdir("dist/webview", { recursive: true });
await cp("webview/index.css", "dist/webview/index.css");

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log("esbuild: watching for changes");
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
