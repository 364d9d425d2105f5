/** A problem found in a `.prompt` file: offsets, severity, a stable code and a message. */

export type Severity = "error" | "warning" | "info" | "hint";

export interface Problem {
  start: number;
  end: number;
  severity: Severity;
  /** Stable id, e.g. `yaml-syntax`, `model-unknown`; shown in the editor and used by quick fixes. */
  code: string;
  message: string;
  /** Extra facts for quick fixes (e.g. the nearest model ids). */
  data?: unknown;
  /** Code that is there but does nothing (rendered faded). */
  unnecessary?: boolean;
}
