/**
 * The demo model: a tiny random-weight ChatML llama that Faro writes into its home folder so
 * that the API works out of the box, before the user has a real GGUF model.
 */
import { open, mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { CHATML_TEMPLATE, llamaModelSpec, type LlamaModelOptions } from "./gguf/llamaModel";
import { planGgufFile, writeGgufFile } from "./gguf/writer";

export const DEMO_MODEL_ID = "faro-demo";

export const DEMO_MODEL_NOTICE =
  `'${DEMO_MODEL_ID}' is a tiny built-in model with random weights: it answers instantly but with random text. ` +
  "To use a real model, put a .gguf file in a models folder and pass `--models-dir DIR` " +
  "(or set FARO_MODELS_DIR, or the faro.modelsDirs setting in VS Code).";

/** Fixed, so every install writes the same bytes (about 0.6 MB). */
export const DEMO_MODEL_OPTIONS: LlamaModelOptions = {
  name: DEMO_MODEL_ID,
  embeddingLength: 64,
  blockCount: 2,
  headCount: 4,
  headCountKv: 4,
  feedForwardLength: 128,
  contextLength: 2048,
  tensorType: "F32",
  seed: 20261121,
  chatTemplate: CHATML_TEMPLATE,
};

export function demoModelPath(home: string): string {
  return join(home, "models", `${DEMO_MODEL_ID}.gguf`);
}

/**
 * Writes the demo model under `home` unless an intact copy is already there. A file of the wrong
 * size or header (truncated, older version, edited) is rewritten; the write is atomic, so two
 * processes racing here both end with the same complete file.
 */
export async function ensureDemoModel(home: string): Promise<{ path: string; created: boolean }> {
  const path = demoModelPath(home);
  const spec = llamaModelSpec(DEMO_MODEL_OPTIONS);
  const expected = planGgufFile(spec);
  if (await matches(path, expected.header, expected.fileSize)) return { path, created: false };
  await mkdir(join(home, "models"), { recursive: true });
  await writeGgufFile(path, spec);
  return { path, created: true };
}

async function matches(path: string, header: Buffer, fileSize: number): Promise<boolean> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return null;
    throw err;
  });
  if (info === null || !info.isFile() || info.size !== fileSize) return false;
  const fh = await open(path, "r");
  try {
    const actual = Buffer.alloc(header.length);
    const { bytesRead } = await fh.read(actual, 0, header.length, 0);
    return bytesRead === header.length && actual.equals(header);
  } finally {
    await fh.close();
  }
}
