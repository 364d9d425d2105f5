/**
 * What the end-to-end run measures and checks about the extension's start: activation as VS
 * Code reports it (Developer: Startup Performance, Running Extensions, the extension host's
 * log), and which processes run the backend with which better-sqlite3 addon.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { BASELINE_ID } from "./baselineExtension";
import { CODE_SERVER_VERSION } from "./codeServer";
import type { Workbench } from "./workbench";

/**
 * Prints Faro's and the baseline's activation as VS Code measured it in this window (Developer:
 * Startup Performance: load code, call activate, finish activate) and their difference; `close`
 * closes that editor after (the editor shown next must be a text editor: with a webview in front,
 * the keyboard focus goes into its frame and the command palette no longer opens). Both
 * extensions have the same activation events, so they activate at the same moment in the same
 * extension host.
 */
export async function startupPerformance(wb: Workbench, when: string, opts: { close: boolean }): Promise<{ faro: ActivationStats; base: ActivationStats }> {
  await wb.command("Developer: Startup Performance");
  const stats = new Map<string, ActivationStats>();
  const ids = ["faro.faro", BASELINE_ID];
  const rowOf = new RegExp(`^\\|\\s*(${ids.map((id) => id.replace(/\./g, "\\.")).join("|")})\\s*\\|\\s*(true|false)\\s*\\|`);
  for (const line of await wb.editorLines(rowOf)) {
    const row = parseActivationStats(line);
    if (row) stats.set(row.id, row);
  }
  // The extension host's own marks (name, epoch ms) around each extension's require() and activation: there when
  // the activation came before startup finished. They tell the require itself from the wait before it.
  const marks = (await wb.editorLines(/^code\/extHost\/(will|did)(LoadExtensionCode|ActivateExtension)\//, { optional: true }))
    .map((line) => line.split(/\s+/))
    .map(([name, at]) => ({ name: name!, at: Number(at) }))
    .sort((a, b) => a.at - b.at);
  if (opts.close) {
    // Its key binding (the editor has the focus): the palette is slower to settle after editorLines' resize.
    await wb.page.keyboard.press("Control+W");
    await wb.page.locator(".tabs-container .tab", { hasText: "Startup Performance" }).waitFor({ state: "detached" });
  }
  const faro = stats.get("faro.faro");
  const base = stats.get(BASELINE_ID);
  assert.ok(faro && base, `Startup Performance lists both extensions' activation (found: ${[...stats.keys()].join(", ") || "none"})`);
  const cell = (n: number) => String(n).padStart(5);
  console.log(`Activation in code-server ${CODE_SERVER_VERSION}, ${when} (Developer: Startup Performance, ms):`);
  console.log("| extension | load code | call activate | = Activation | finish activate | event |");
  console.log("|---|---:|---:|---:|---:|---|");
  const total = (r: ActivationStats) => r.loadCode + r.callActivate;
  for (const [label, r] of [["Faro", faro], ["baseline (one command)", base]] as const) {
    console.log(`| ${label} | ${cell(r.loadCode)} | ${cell(r.callActivate)} | ${cell(total(r))} | ${cell(r.finishActivate)} | ${r.event} |`);
  }
  console.log(`| Faro - baseline | ${cell(faro.loadCode - base.loadCode)} | ${cell(faro.callActivate - base.callActivate)} | ${cell(total(faro) - total(base))} | ${cell(faro.finishActivate - base.finishActivate)} | |`);
  const mark = (what: string, id: string) => marks.find((m) => m.name === `code/extHost/${what}/${id}`)?.at;
  for (const [label, id, row] of [["Faro", "faro.faro", faro], ["baseline", BASELINE_ID, base]] as const) {
    const [will, did] = [mark("willLoadExtensionCode", id), mark("didLoadExtensionCode", id)];
    if (will === undefined || did === undefined) continue;
    console.log(`${label}: require() itself ${did - will} ms; the other ${row.loadCode - (did - will)} ms of "load code" the extension host spent before it`);
  }
  // What the extension host ran during Faro's "load code" (it starts loadCode ms before Faro's require ends).
  const faroLoaded = mark("didLoadExtensionCode", "faro.faro");
  if (faroLoaded !== undefined) {
    for (const m of marks.filter((m) => m.at >= faroLoaded - faro.loadCode - 1 && m.at <= faroLoaded)) console.log(`mark: +${m.at - (faroLoaded - faro.loadCode)} ms ${m.name}`);
  }
  return { faro, base };
}

/** The Activation figure ("Activation: 12ms") of an extension's row in Running Extensions. */
export async function runningExtensionsTime(wb: Workbench, name: RegExp): Promise<string> {
  const editor = wb.page.locator(".runtime-extensions-editor");
  const row = editor.locator(".monaco-list-row", { has: wb.page.locator(".name", { hasText: name }) }).first();
  // The list is sorted by activation time and only renders the rows in view: scroll from the top until the row shows.
  const list = editor.locator(".monaco-list").first();
  await list.locator(".monaco-list-row").first().waitFor();
  await list.hover();
  await wb.page.mouse.wheel(0, -100_000);
  for (let i = 0; i < 40 && !(await row.isVisible()); i++) {
    await wb.page.mouse.wheel(0, 300);
    await row.waitFor({ timeout: 500 }).catch(() => undefined); // not rendered yet: scroll on
  }
  const time = row.locator(".activation-time");
  await time.waitFor();
  const text = (await time.innerText()).trim();
  assert.match(text, /\d+\s*ms/);
  return text;
}

export interface ActivationStats {
  id: string;
  loadCode: number;
  callActivate: number;
  finishActivate: number;
  event: string;
}

/** A row of Startup Performance's "Extension Activation Stats": | id | eager | load code | call activate | finish activate | event | by | */
function parseActivationStats(line: string): ActivationStats | undefined {
  const cells = line.split("|").map((c) => c.trim()).slice(1, -1);
  if (cells.length < 6) return undefined;
  const [id, , load, call, finish, event] = cells as [string, string, string, string, string, string];
  return { id, loadCode: Number(load), callActivate: Number(call), finishActivate: Number(finish), event };
}

export const BETTER_SQLITE3 = (JSON.parse(readFileSync("node_modules/better-sqlite3/package.json", "utf8")) as { version: string }).version;

/** Processes running the installed extension's backend (dist/server/main.js under `extensionsDir`): pid, executable, the files it has mapped. */
export async function backendProcesses(extensionsDir: string): Promise<Array<{ pid: number; exe: string; maps: string[] }>> {
  const found: Array<{ pid: number; exe: string; maps: string[] }> = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    // A process may end while it is read: skip it then.
    const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.split("\0").some((arg) => arg.startsWith(extensionsDir) && arg.endsWith("/dist/server/main.js"))) continue;
    const exe = await readlink(`/proc/${name}/exe`);
    const maps = (await readFile(`/proc/${name}/maps`, "utf8")).split("\n").map((l) => l.split(/\s+/).slice(5).join(" ")).filter((f) => f.startsWith("/"));
    found.push({ pid: Number(name), exe, maps: [...new Set(maps)] });
  }
  return found;
}

/** From every window's logs: the extension host's "activating" lines for Faro and the baseline (with the activation event) and Faro's own "Activated in" lines. */
export async function activationLog(userDataDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (e.name === "remoteexthost.log" || e.name === "exthost.log" || e.name === "Faro.log") {
        for (const line of (await readFile(join(dir, e.name), "utf8")).split("\n")) if (/_doActivateExtension (faro\.faro|faro-e2e\.activation-baseline)|\] Activated in /.test(line)) out.push(line.trim());
      }
    }
  };
  await walk(join(userDataDir, "logs"));
  return out.sort();
}
