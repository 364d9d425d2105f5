/**
 * The built backend picks its better-sqlite3 addon from dist/native by this Node's ABI, as in the
 * VSIX: the bundle is copied into a dist-like folder (server/cli.js beside native/) inside the repo
 * so that node_modules still resolves, and `faro logs` opens a real faro.db there.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { CLI } from "../fixtures/serve";
import { addonFileName, describeAbis } from "../../server/store/nativeAddon";

const run = promisify(execFile);
const ABI = process.versions.modules;
const { version: VERSION } = require("better-sqlite3/package.json") as { version: string };
const DEFAULT_ADDON = resolve("node_modules/better-sqlite3/build/Release/better_sqlite3.node");

let root: string;
before(async () => {
  await mkdir(resolve("test/.tmp"), { recursive: true });
  root = await mkdtemp(resolve("test/.tmp/native-"));
});
after(() => rm(root, { recursive: true, force: true }));

/** A dist/ with the built CLI and these files in native/; `faro logs` run on it. */
async function logsWith(name: string, natives: Record<string, string | Buffer>): Promise<{ code: number; out: string }> {
  const dist = join(root, name);
  await mkdir(join(dist, "server"), { recursive: true });
  await mkdir(join(dist, "native"), { recursive: true });
  await copyFile(CLI, join(dist, "server", "cli.js"));
  for (const [file, content] of Object.entries(natives)) await writeFile(join(dist, "native", file), content);
  // `faro logs` reads an existing log only; an empty file is an empty SQLite database.
  await mkdir(join(dist, "home"), { recursive: true });
  await writeFile(join(dist, "home", "faro.db"), "");
  try {
    const r = await run(process.execPath, [join(dist, "server", "cli.js"), "logs", "--home", join(dist, "home")]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

test("the addon shipped for this ABI is the one loaded: a damaged one there is reported, with the ABIs carried", async () => {
  // better-sqlite3's own addon works on this Node, so only a lookup in native/ can reach this file.
  const damaged = Buffer.alloc(4096, 0);
  damaged.write("\x7fELF-but-not-really", "latin1");
  const r = await logsWith("broken", { [addonFileName(VERSION, ABI)]: damaged, [addonFileName(VERSION, "999")]: "" });
  assert.equal(r.code, 1, r.out);
  assert.ok(r.out.includes(`better-sqlite3's native addon does not load on this runtime (Node ${process.versions.node}, ABI ${ABI}; this install carries ${describeAbis([ABI, "999"])})`), r.out);
  assert.ok(r.out.includes(join("native", addonFileName(VERSION, ABI))), r.out);
  assert.match(r.out, /The one for this ABI is damaged: reinstall Faro\./);
});

test("a real addon for this ABI in native/ opens the database", async () => {
  const addon = await readFile(DEFAULT_ADDON);
  const r = await logsWith("real", { [addonFileName(VERSION, ABI)]: addon });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /no requests match/);
});

test("with no addon for this ABI or this better-sqlite3 version, the package's own lookup is used", async () => {
  const r = await logsWith("other", { [addonFileName(VERSION, "999")]: "x", [addonFileName("0.0.1", ABI)]: "x" });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /no requests match/);
});
