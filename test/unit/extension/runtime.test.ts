import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { chooseRuntime, localProbe, type RuntimeProbe } from "../../../extension/runtime";
import { tempDir } from "../../fixtures/serve";

const probe = (over: Partial<RuntimeProbe>): RuntimeProbe => ({
  shipped: ["115", "127", "137"],
  hostAbi: "137",
  candidates: ["/usr/bin/node", "/opt/node22/bin/node"],
  abiOf: (exe) => ({ "/usr/bin/node": "115", "/opt/node22/bin/node": "127" })[exe] ?? null,
  ...over,
});

test("VS Code's own runtime when the install carries its ABI (code-server), the setting when set", () => {
  assert.deepEqual(chooseRuntime(undefined, probe({})), { runtime: undefined, note: null });
  assert.deepEqual(chooseRuntime("/my/node", probe({ hostAbi: "136" })), { runtime: "/my/node", note: null });
  assert.deepEqual(chooseRuntime(undefined, probe({ shipped: [], hostAbi: "136" })), { runtime: undefined, note: null }, "a source checkout: better-sqlite3's own build");
});

test("desktop VS Code (Electron's ABI): the first Node.js on PATH whose ABI the install carries", () => {
  let asked: string[] = [];
  const p = probe({ hostAbi: "136", shipped: ["127", "137"], abiOf: (exe) => (asked.push(exe), exe === "/usr/bin/node" ? "115" : "127") });
  const choice = chooseRuntime(undefined, p);
  assert.equal(choice.runtime, "/opt/node22/bin/node");
  assert.deepEqual(asked, ["/usr/bin/node", "/opt/node22/bin/node"]);
  assert.match(choice.note!, /VS Code's runtime \(ABI 136\) has no better-sqlite3 build .*127, 137.*runs on \/opt\/node22\/bin\/node \(ABI 127\)/);
  asked = [];
  const none = chooseRuntime(undefined, probe({ hostAbi: "136", shipped: ["137"], abiOf: (exe) => (asked.push(exe), exe === "/usr/bin/node" ? null : "127") }));
  assert.equal(none.runtime, undefined);
  assert.match(none.note!, /no Node.js on PATH fits: \/usr\/bin\/node \(does not run\), \/opt\/node22\/bin\/node \(ABI 127\)\. Install Node.js 20, 22 or 24, or set faro.server.runtime\./);
});

test("the local probe reads the install's builds and asks a real node for its ABI", async () => {
  const root = await tempDir("faro-runtime-");
  await mkdir(join(root, "dist", "native"), { recursive: true });
  await mkdir(join(root, "node_modules", "better-sqlite3"), { recursive: true });
  await writeFile(join(root, "node_modules", "better-sqlite3", "package.json"), JSON.stringify({ version: "9.9.9" }));
  for (const f of ["better_sqlite3-9.9.9-abi115.node", "better_sqlite3-9.9.9-abi137.node", "better_sqlite3-1.0.0-abi127.node"]) await writeFile(join(root, "dist", "native", f), "");
  const p = localProbe(root);
  assert.deepEqual(p.shipped, ["115", "137"], "builds of this better-sqlite3 only");
  assert.equal(p.hostAbi, process.versions.modules);
  assert.equal(p.abiOf(process.execPath), process.versions.modules);
  assert.equal(p.abiOf(join(root, "no-such-node")), null);
  assert.deepEqual(localProbe(await tempDir("faro-runtime-src-")).shipped, [], "no dist/native: nothing shipped");
});
