/**
 * The Compare view's form turned into faro/compare/start's params, DOM-free so node:test covers
 * it. What the user must fix first is said in the form's own words (its labels), not the
 * backend's parameter names: 'repeats' and 'maxTokens' are not on the screen, and text typed
 * in a number field would reach the backend as null.
 */
import type { CompareStartParams } from "../../server/protocol";
import type { PanelContext } from "./panelProtocol";

/** As compareRequests.ts allows. */
export const MAX_RUNS_PER_COLUMN = 10;

export interface StartForm {
  context: PanelContext;
  selected: string[];
  variables: Array<{ name: string; type: string; optional: boolean; value: string }>;
  message: string;
  repeats: string;
  maxTokens: string;
}

/** A typed value: numbers, booleans, JSON objects and arrays as themselves, anything else as text. */
export function parseValue(text: string, type: string): unknown {
  if (type === "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text; // Not JSON: the backend's schema check says what is wrong with it.
  }
}

export function startParams(form: StartForm): { params: CompareStartParams } | { problem: string } {
  const { context } = form;
  if (form.selected.length === 0) return { problem: context.mode === "versions" ? "Tick at least one version to compare." : "Tick at least one model to compare." };
  const repeats = form.repeats.trim() === "" ? 1 : Number(form.repeats.trim());
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > MAX_RUNS_PER_COLUMN) {
    return { problem: `Runs per column must be a whole number from 1 to ${MAX_RUNS_PER_COLUMN}, not '${form.repeats.trim()}'.` };
  }
  const params: CompareStartParams = { repeats };
  if (form.maxTokens.trim() !== "") {
    const maxTokens = Number(form.maxTokens.trim());
    if (!Number.isInteger(maxTokens) || maxTokens < 1) return { problem: `Max tokens must be a whole number of 1 or more (or empty for the prompt's own), not '${form.maxTokens.trim()}'.` };
    params.maxTokens = maxTokens;
  }
  if (context.uri) {
    params.uri = context.uri;
    params.variables = Object.fromEntries(form.variables.filter((v) => v.value !== "" || !v.optional).map((v) => [v.name, parseValue(v.value, v.type)]));
  } else {
    if (form.message.trim() === "") return { problem: "Type a message to send to the models." };
    params.message = form.message;
  }
  if (context.mode === "versions") params.versions = form.selected.map(Number);
  else params.models = form.selected;
  return { params };
}
