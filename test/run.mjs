// Runs every test file under test/unit and test/integration with node's test runner (through
// tsx so the tests are TypeScript). Pass paths or folders to run a subset.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const full = join(path, name);
      if (statSync(full).isDirectory()) return collect(full);
      return name.endsWith(".test.ts") ? [full] : [];
    });
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ["test/unit", "test/integration"]).flatMap(collect);
if (files.length === 0) {
  console.error("test/run.mjs: no test files found");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
