/**
 * The lenses above a prompt's frontmatter: ▶ Run, Compare, History. They name VS Code
 * commands the extension registers (extension/promptCommands.ts), with the document's URI.
 */
import type { CodeLens } from "vscode-languageserver/node";
import type { PromptAnalysis } from "../prompts/check";

export const RUN_COMMAND = "faro.prompt.run";
export const COMPARE_COMMAND = "faro.prompt.compare";
export const HISTORY_COMMAND = "faro.prompt.history";

export function codeLenses(uri: string, a: PromptAnalysis): CodeLens[] {
  // Partials are pieces of other prompts, not runnable on their own.
  if (/\/_[^/]*\.prompt$/.test(uri)) return [];
  const line = a.doc.frontmatter ? 0 : a.doc.lines.positionAt(a.doc.body.start).line;
  const range = { start: { line, character: 0 }, end: { line, character: 0 } };
  return [
    { range, command: { title: "▶ Run", command: RUN_COMMAND, arguments: [uri] } },
    { range, command: { title: "Compare", command: COMPARE_COMMAND, arguments: [uri] } },
    { range, command: { title: "History", command: HISTORY_COMMAND, arguments: [uri] } },
  ];
}
