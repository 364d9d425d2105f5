/**
 * Prompt versions as the rest of Faro sees them: validated ids and labels, "version N or label
 * L or the latest" resolution with clear 4xx errors, and partials resolved from stored versions
 * (so a stored prompt renders the same way from HTTP as from its folder).
 */
import { badRequest, FaroError, notFound } from "../errors";
import type { PromptSummary, PromptVersion, PromptVersionStore, PromptVersionWithSource } from "../store/promptVersions";
import { partialFileName, validatePromptId } from "./workspace";

const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface VersionRef {
  version?: number | null;
  label?: string | null;
}

export interface PromptHistory {
  promptId: string;
  versions: Array<PromptVersion & { labels: string[] }>;
  labels: Record<string, number>;
}

export class PromptVersions {
  constructor(private readonly store: PromptVersionStore) {}

  record(promptId: string, source: string): { version: PromptVersion; created: boolean } {
    return this.store.record(validatePromptId(promptId), source);
  }

  latest(promptId: string): PromptVersionWithSource | null {
    return this.store.latest(validatePromptId(promptId));
  }

  list(): PromptSummary[] {
    return this.store.list();
  }

  history(promptId: string): PromptHistory {
    validatePromptId(promptId);
    const labels = this.store.labels(promptId);
    const byVersion = new Map<number, string[]>();
    for (const [label, v] of Object.entries(labels)) byVersion.set(v, [...(byVersion.get(v) ?? []), label]);
    return { promptId, versions: this.store.history(promptId).map((v) => ({ ...v, labels: byVersion.get(v.version) ?? [] })), labels };
  }

  /** The version `ref` names (the latest when it names none). */
  resolve(promptId: string, ref: VersionRef = {}, param = "id"): PromptVersionWithSource {
    validatePromptId(promptId, param);
    if (ref.version != null && ref.label != null) throw badRequest("Give either 'version' or 'label', not both.", "label", "invalid_value");
    const latest = this.store.latest(promptId);
    if (!latest) throw notFound(`No prompt '${promptId}' has been recorded. GET /v1/prompts lists the prompts Faro knows; a prompt is recorded when it is saved in the editor or run with 'faro run'.`, "prompt_not_found", param);
    if (ref.label != null) {
      const v = this.store.labelVersion(promptId, validateLabel(ref.label));
      if (v === null) throw notFound(`Prompt '${promptId}' has no label '${ref.label}'. Its labels: ${Object.keys(this.store.labels(promptId)).join(", ") || "none"}.`, "label_not_found", "label");
      return this.store.get(promptId, v)!;
    }
    if (ref.version != null) {
      if (!Number.isInteger(ref.version) || ref.version < 1) throw badRequest(`'version' must be a positive integer, not ${JSON.stringify(ref.version)}.`, "version", "invalid_value");
      const found = this.store.get(promptId, ref.version);
      if (!found) throw notFound(`Prompt '${promptId}' has no version ${ref.version}; its latest is ${latest.version}.`, "version_not_found", "version");
      return found;
    }
    return latest;
  }

  /** Points a label at a version; `version: null` removes the label. */
  setLabel(promptId: string, label: string, version: number | null): PromptHistory {
    validateLabel(label);
    if (version === null) {
      if (!this.store.deleteLabel(validatePromptId(promptId), label)) throw notFound(`Prompt '${promptId}' has no label '${label}'.`, "label_not_found", "label");
    } else {
      this.resolve(promptId, { version });
      this.store.setLabel(promptId, label, version);
    }
    return this.history(promptId);
  }

  /**
   * Partials of a stored prompt: `{{> name}}` in `dir/p` is the latest `dir/_name`, else
   * `_name` in a parent folder, like the files on disk.
   */
  partials(promptId: string): (name: string) => string | null {
    const dirs = promptId.split("/").slice(0, -1);
    return (name) => {
      const file = partialFileName(name);
      if (!file) return null;
      const id = file.replace(/\.prompt$/, "");
      for (let i = dirs.length; i >= 0; i--) {
        const candidate = [...dirs.slice(0, i), id].join("/");
        const found = this.store.latest(candidate);
        if (found) return found.source;
      }
      return null;
    };
  }
}

export function validateLabel(label: string): string {
  if (!LABEL.test(label)) {
    throw new FaroError(`Invalid label '${label}': use up to 64 letters, digits, '_', '-' or '.', starting with a letter or digit.`, { status: 400, type: "invalid_request_error", param: "label", code: "invalid_label" });
  }
  return label;
}
