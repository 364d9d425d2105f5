/**
 * The activation baseline for the end-to-end run: a trivial extension (activate() registers one
 * command) with Faro's activation events, packaged as a tiny VSIX and installed into the same
 * code-server profile, so it activates at the same moment as Faro in the same extension host.
 * What VS Code reports for it is what any extension pays there; Faro's excess over it is Faro's.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const BASELINE_ID = "faro-e2e.activation-baseline";
export const BASELINE_NAME = "Faro activation baseline";

/** Writes the baseline's sources under `dir` and packages them with vsce; the VSIX's path. */
export async function buildBaselineVsix(dir: string): Promise<string> {
  const faro = JSON.parse(await readFile("package.json", "utf8")) as { activationEvents: string[]; engines: { vscode: string } };
  const src = join(dir, "activation-baseline");
  await mkdir(src, { recursive: true });
  const [publisher, name] = BASELINE_ID.split(".");
  await writeFile(
    join(src, "package.json"),
    JSON.stringify({
      name,
      publisher,
      displayName: BASELINE_NAME,
      description: "Activation-time baseline for Faro's end-to-end test",
      version: "0.0.1",
      engines: faro.engines,
      main: "./extension.js",
      files: ["extension.js"],
      activationEvents: faro.activationEvents,
      contributes: { commands: [{ command: "faroBaseline.hello", title: "Faro baseline: Hello" }] },
    }, null, 2),
  );
  await writeFile(
    join(src, "extension.js"),
    `const vscode = require("vscode");\nexports.activate = (context) => {\n  context.subscriptions.push(vscode.commands.registerCommand("faroBaseline.hello", () => undefined));\n};\n`,
  );
  const vsix = join(dir, "activation-baseline.vsix");
  const { createVSIX } = (await import("@vscode/vsce")) as unknown as { createVSIX(o: Record<string, unknown>): Promise<unknown> };
  await createVSIX({ cwd: src, packagePath: vsix, dependencies: false, allowMissingRepository: true, skipLicense: true });
  return vsix;
}
