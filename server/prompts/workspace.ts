/**
 * Where prompts live on disk: prompt ids (the workspace-relative path without `.prompt`),
 * partial lookup (`{{> name}}` -> `_name.prompt` next to the prompt, then in parent folders
 * up to the workspace root), and the listing of a folder's prompts.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { badRequest } from "../errors";

export const PROMPT_EXT = ".prompt";

/** Ids are relative paths with `/`, segments of letters, digits, `_`, `-`, `.`; never `..`. */
const ID_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function validatePromptId(id: string, param = "id"): string {
  const segments = id.split("/");
  if (id.length === 0 || id.length > 512 || segments.some((s) => !ID_SEGMENT.test(s) || s === "." || s === "..")) {
    throw badRequest(`Invalid prompt id '${id}': use a workspace-relative path without '.prompt', made of letters, digits, '_', '-' and '.', separated by '/' (no '..').`, param, "invalid_prompt_id");
  }
  return id;
}

/** The root that contains `file` (the deepest of several), or null. */
export function rootOf(file: string, roots: readonly string[]): string | null {
  const abs = resolve(file);
  let best: string | null = null;
  for (const r of roots) {
    const root = resolve(r);
    if ((abs === root || abs.startsWith(root + sep)) && (best === null || root.length > best.length)) best = root;
  }
  return best;
}

/** The prompt id of a file: relative to its workspace root, else its own name. */
export function promptIdOf(file: string, roots: readonly string[]): string {
  const root = rootOf(file, roots);
  const rel = root ? relative(root, resolve(file)) : basename(file);
  return rel.split(sep).join("/").replace(/\.prompt$/, "");
}

/** Folders searched for a partial of `file`: its own, then each parent up to its root. */
export function partialFolders(file: string, roots: readonly string[]): string[] {
  const root = rootOf(file, roots);
  const folders: string[] = [];
  let dir = dirname(resolve(file));
  for (;;) {
    folders.push(dir);
    const parent = dirname(dir);
    if (!root || dir === root || parent === dir) break;
    dir = parent;
  }
  return folders;
}

/** `{{> dir/name}}` -> `dir/_name.prompt`, as Dotprompt's directory store names partials. */
export function partialFileName(name: string): string | null {
  const parts = name.split("/");
  const last = parts.pop();
  if (!last || parts.some((p) => p === ".." || p === "." || p === "") || !ID_SEGMENT.test(last)) return null;
  return [...parts, `_${last}${PROMPT_EXT}`].join("/");
}

/**
 * Resolves partials from disk, with `override` consulted first (the editor's unsaved text
 * of an open partial). Reads are synchronous: partials are small and checks run per keystroke,
 * so a file's text is kept and read again only when its stat (mtime, size, inode) changes: one
 * stat per candidate path and lookup instead of exists + stat + read.
 */
export function diskPartials(file: string, roots: readonly string[], override: (path: string) => string | null = () => null): (name: string) => string | null {
  const folders = partialFolders(file, roots);
  return (name) => {
    const rel = partialFileName(name);
    if (!rel) return null;
    for (const folder of folders) {
      const path = join(folder, rel);
      const open = override(path);
      if (open !== null) return open;
      const text = readPartialFile(path);
      if (text !== null) return text;
    }
    return null;
  };
}

interface KnownFile {
  mtimeMs: number;
  size: number;
  ino: number;
  text: string;
}

// Partial files read so far, by path (a few small texts: the partials of the open prompts).
const knownFiles = new Map<string, KnownFile>();
const MAX_KNOWN_FILES = 256;

/** The text of a partial file, or null where there is no file; read again only when its stat changed. */
function readPartialFile(path: string): string | null {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st || !st.isFile()) {
    knownFiles.delete(path);
    return null;
  }
  const known = knownFiles.get(path);
  if (known && known.mtimeMs === st.mtimeMs && known.size === st.size && known.ino === st.ino) return known.text;
  const text = readFileSync(path, "utf8");
  if (knownFiles.size >= MAX_KNOWN_FILES) knownFiles.clear();
  knownFiles.set(path, { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, text });
  return text;
}

/** Forgets the partial files read (a watched-file event said one changed; the benchmark's cold baseline). */
export function clearPartialFiles(): void {
  knownFiles.clear();
}

/** Names of the partials visible from `file` (for completion). */
export function visiblePartials(file: string, roots: readonly string[]): string[] {
  const names = new Set<string>();
  for (const folder of partialFolders(file, roots)) {
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    for (const e of entries) if (e.startsWith("_") && e.endsWith(PROMPT_EXT)) names.add(e.slice(1, -PROMPT_EXT.length));
  }
  return [...names].sort();
}
