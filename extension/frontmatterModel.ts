/**
 * The text edit that makes `model:` in a `.prompt`'s frontmatter name a given model: replaces
 * the value of a top-level `model:` line, or adds the line after the opening `---` (and adds a
 * frontmatter when the file has none). Free of `vscode` so node:test can check it.
 */

export interface TextEdit {
  /** Offsets into the text. */
  start: number;
  end: number;
  text: string;
}

/** A YAML plain scalar when the id allows it, else a double-quoted string. */
function yamlScalar(model: string): string {
  return /^[A-Za-z0-9][\w./:@+-]*$/.test(model) && !/: /.test(model) ? model : JSON.stringify(model);
}

/** The edit, or null when the frontmatter already says exactly this. */
export function modelEdit(text: string, model: string): TextEdit | null {
  const value = yamlScalar(model);
  const open = /^\uFEFF?---[ \t]*\r?\n/.exec(text);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  if (!open) return { start: 0, end: 0, text: `---${eol}model: ${value}${eol}---${eol}` };
  const bodyStart = open[0].length;
  const rest = text.slice(bodyStart);
  const closeMatch = /(^|\n)---[ \t]*(\r?\n|$)/.exec(rest);
  const fmEnd = closeMatch ? bodyStart + closeMatch.index + closeMatch[1]!.length : text.length;
  const frontmatter = text.slice(bodyStart, fmEnd);
  // A top-level key starts the line (no indentation); its value runs to the end of the line.
  const line = /^model[ \t]*:[ \t]*([^\r\n#]*?)[ \t]*(#[^\r\n]*)?$/m.exec(frontmatter);
  if (line) {
    const current = line[1] ?? "";
    const valueStart = bodyStart + line.index + line[0].indexOf(":") + 1;
    const valueEnd = valueStart + line[0].slice(line[0].indexOf(":") + 1).length - (line[2]?.length ?? 0);
    if (current === value || current === JSON.stringify(model) || current === `'${model}'`) return null;
    const trailing = line[2] ? " " : "";
    return { start: valueStart, end: valueEnd, text: ` ${value}${trailing}` };
  }
  return { start: bodyStart, end: bodyStart, text: `model: ${value}${eol}` };
}

export function applyEdit(text: string, e: TextEdit): string {
  return text.slice(0, e.start) + e.text + text.slice(e.end);
}
