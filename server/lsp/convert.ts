/** Problems and offsets of prompts/ as LSP values. */
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic, type Range } from "vscode-languageserver/node";
import type { LineIndex } from "../prompts/lineIndex";
import type { Problem } from "../prompts/problems";

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
} as const;

export function rangeOf(lines: LineIndex, span: { start: number; end: number }): Range {
  return { start: lines.positionAt(span.start), end: lines.positionAt(span.end) };
}

export function toDiagnostic(lines: LineIndex, p: Problem): Diagnostic {
  return {
    range: rangeOf(lines, p),
    severity: SEVERITY[p.severity],
    code: p.code,
    source: "faro",
    message: p.message,
    ...(p.data === undefined ? {} : { data: p.data }),
    ...(p.unnecessary ? { tags: [DiagnosticTag.Unnecessary] } : {}),
  };
}
