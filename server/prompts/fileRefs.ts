/**
 * Checks of the files a frontmatter names (`faro.dataset`): a path that names no file is a
 * warning as it is typed. Whether a file is there comes from the caller (the editor stats
 * asynchronously and answers from its cache), so the analysis stays free of I/O.
 */
import { isScalar } from "yaml";
import { nodeSpan, resolved, topPair, type Frontmatter } from "./document";
import type { Problem } from "./problems";

/** What is at a path the frontmatter names: its absolute path and what it is. */
export interface FileRef {
  path: string;
  kind: "file" | "folder" | "missing";
}

/** Resolves a path relative to the prompt; null while not known yet (no verdict then) or for a prompt with no folder. */
export type FileLookup = (relPath: string) => FileRef | null;

/** Keys whose value is a path relative to the prompt, with what the file is for. */
const FILE_KEYS: Record<string, string> = { "faro.dataset": "dataset" };

export function checkFileRefs(fm: Frontmatter, lookup: FileLookup, out: Problem[]): void {
  for (const [key, what] of Object.entries(FILE_KEYS)) {
    const pair = topPair(fm, key);
    const value = resolved(fm, pair?.value);
    if (!isScalar(value) || typeof value.value !== "string" || value.value.trim() === "") continue;
    const ref = lookup(value.value);
    const span = nodeSpan(fm, pair?.value);
    if (!ref || ref.kind === "file" || !span) continue;
    const message = ref.kind === "folder"
      ? `The ${what} '${value.value}' is a folder (${ref.path}); name a JSON or JSONL file.`
      : `The ${what} '${value.value}' does not exist (looked for ${ref.path}); the path is relative to the prompt.`;
    out.push({ ...span, severity: "warning", code: "file-missing", message });
  }
}
