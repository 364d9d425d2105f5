/**
 * Where the cursor is in the frontmatter, read from the text itself (the YAML may be half
 * typed): the key path of the enclosing mappings, and whether a key or a value is being typed.
 */
import type { LineIndex } from "../prompts/lineIndex";

export interface YamlCursor {
  /** Keys of the enclosing mappings, outermost first (`["config"]` inside config). */
  path: string[];
  /** Typing a key (`prefix` is what is typed so far) or the value of `key`. */
  kind: "key" | "value" | "item";
  key: string | null;
  prefix: string;
  /** Offset where `prefix` starts. */
  prefixStart: number;
}

const KEY_LINE = /^(\s*)(?:-\s+)?([^\s:#][^:#]*?)\s*:(?:\s|$)/;

export function yamlCursor(lines: LineIndex, offset: number, firstLine: number): YamlCursor | null {
  const pos = lines.positionAt(offset);
  const before = lines.lineText(pos.line).slice(0, pos.character);
  const indent = before.length - before.trimStart().length;
  let kind: YamlCursor["kind"];
  let key: string | null = null;
  let prefix: string;
  let m: RegExpExecArray | null;
  let flow = false;
  if ((m = /^(\s*)([\w.?()-]*)$/.exec(before))) {
    kind = "key";
    prefix = m[2]!;
  } else if ((m = /^(\s*)([^\s:#][^:#]*?)\s*:\s+\[([^\][{}#]*)$/.exec(before))) {
    // An item of a flow list on the key's line: `tools: [a, b§`.
    kind = "item";
    flow = true;
    key = m[2]!;
    prefix = m[3]!.slice(m[3]!.lastIndexOf(",") + 1).trimStart();
  } else if ((m = /^(\s*)([^\s:#][^:#]*?)\s*:\s+([^\s#]*)$/.exec(before)) || (m = /^(\s*)([^\s:#][^:#]*?)\s*:()$/.exec(before))) {
    kind = "value";
    key = m[2]!;
    prefix = m[3]!;
  } else if ((m = /^(\s*)-\s+([^\s#]*)$/.exec(before))) {
    kind = "item";
    prefix = m[2]!;
  } else {
    return null;
  }
  // YAML lets a list's items sit at the same indentation as its key.
  const path = parentKeys(lines, pos.line, kind === "item" && !flow ? indent + 1 : indent, firstLine);
  if (kind === "item" && !flow) {
    // A list item belongs to the nearest key above with less or equal indentation.
    key = path.pop() ?? null;
  }
  // Inside quotes (`model: "§"`, the editor closes them), the value starts after the quote.
  if (kind !== "key" && /^["']/.test(prefix)) prefix = prefix.slice(1);
  return { path, kind, key, prefix, prefixStart: offset - prefix.length };
}

/** The chain of keys of lines above `line` that are less indented than `indent`. */
function parentKeys(lines: LineIndex, line: number, indent: number, firstLine: number): string[] {
  const path: string[] = [];
  let limit = indent;
  for (let l = line - 1; l >= firstLine && limit > 0; l--) {
    const text = lines.lineText(l);
    if (text.trim() === "" || text.trimStart().startsWith("#")) continue;
    const m = KEY_LINE.exec(text);
    const ind = text.length - text.trimStart().length;
    if (m && ind < limit) {
      path.unshift(m[2]!);
      limit = ind;
    } else if (!m && ind < limit) {
      limit = ind;
    }
  }
  return path;
}
