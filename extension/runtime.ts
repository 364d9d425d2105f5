/**
 * Which executable runs the backend. better-sqlite3 is not N-API: the VSIX carries one build per
 * Node ABI (dist/native, natives.mjs), and desktop VS Code's runtime is Electron's Node, whose ABI
 * no build here matches (Electron's headers cannot be fetched where the VSIX is built). So:
 *   1. `faro.server.runtime` when set;
 *   2. VS Code's own runtime when the VSIX carries its ABI (code-server, or a Node-based host);
 *   3. else the first Node.js on PATH whose ABI the VSIX carries (asked with `node -p`), so a
 *      developer with Node installed needs no setting;
 *   4. else VS Code's own runtime, and the backend says what to do (db.ts explainNativeError).
 * Probing runs only in case 3, when the backend starts, never at activation.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { shippedAbis } from "../server/store/nativeAddon";

export interface RuntimeChoice {
  /** The executable, or undefined for VS Code's own runtime. */
  runtime: string | undefined;
  /** What was decided and why, for the output channel; null when nothing needed deciding. */
  note: string | null;
}

export interface RuntimeProbe {
  /** ABIs of the better-sqlite3 builds the VSIX carries. */
  shipped: readonly string[];
  /** process.versions.modules of VS Code's own runtime (this extension host). */
  hostAbi: string;
  /** Node executables to consider, in order (PATH). */
  candidates: readonly string[];
  /** The ABI of an executable, or null when it does not run. */
  abiOf: (exe: string) => string | null;
}

export function chooseRuntime(setting: string | undefined, probe: RuntimeProbe): RuntimeChoice {
  if (setting !== undefined) return { runtime: setting, note: null };
  if (probe.shipped.length === 0 || probe.shipped.includes(probe.hostAbi)) return { runtime: undefined, note: null };
  const tried: string[] = [];
  for (const exe of probe.candidates) {
    const abi = probe.abiOf(exe);
    if (abi !== null && probe.shipped.includes(abi)) {
      return { runtime: exe, note: `VS Code's runtime (ABI ${probe.hostAbi}) has no better-sqlite3 build in this install (${probe.shipped.join(", ")}): the backend runs on ${exe} (ABI ${abi}). Set faro.server.runtime to choose another.` };
    }
    tried.push(`${exe}${abi === null ? " (does not run)" : ` (ABI ${abi})`}`);
  }
  return {
    runtime: undefined,
    note: `VS Code's runtime (ABI ${probe.hostAbi}) has no better-sqlite3 build in this install (${probe.shipped.join(", ")}) and no Node.js on PATH fits${tried.length ? `: ${tried.join(", ")}` : ""}. Install Node.js 20, 22 or 24, or set faro.server.runtime.`,
  };
}

/** The probe of this machine for an extension installed at `extensionRoot`. */
export function localProbe(extensionRoot: string): RuntimeProbe {
  const nativeDir = join(extensionRoot, "dist", "native");
  let shipped: string[] = [];
  try {
    const { version } = JSON.parse(readFileSync(join(extensionRoot, "node_modules", "better-sqlite3", "package.json"), "utf8")) as { version: string };
    shipped = shippedAbis(readdirSync(nativeDir), version);
  } catch (err) {
    // No dist/native (running from a source checkout): better-sqlite3's own build, VS Code's runtime.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const names = process.platform === "win32" ? ["node.exe"] : ["node"];
  const candidates = (process.env.PATH ?? "").split(delimiter).filter(Boolean).flatMap((dir) => names.map((n) => join(dir, n))).filter((p) => existsSync(p));
  return {
    shipped,
    hostAbi: process.versions.modules,
    candidates: [...new Set(candidates)],
    abiOf: (exe) => {
      const r = spawnSync(exe, ["-p", "process.versions.modules"], { encoding: "utf8", timeout: 5000, env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
      const abi = r.status === 0 ? r.stdout.trim() : "";
      return /^\d+$/.test(abi) ? abi : null;
    },
  };
}
