/**
 * A prompt's test inputs: `faro.dataset: file` names a JSON array or JSONL file of objects
 * (path relative to the prompt), each row a set of variables.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { badRequest } from "../errors";

export function loadDataset(promptFile: string, relPath: string): { file: string; rows: Array<Record<string, unknown>> } {
  const file = resolve(dirname(promptFile), relPath);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw badRequest(`Cannot read the dataset ${file} named by faro.dataset: ${(err as Error).message}`, "faro.dataset", "dataset_unreadable");
  }
  const rows = file.endsWith(".jsonl") ? parseJsonl(text, file) : parseJson(text, file);
  rows.forEach((row, i) => {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw badRequest(`Row ${i + 1} of ${file} is not an object of variables.`, "faro.dataset", "dataset_invalid");
    }
  });
  return { file, rows: rows as Array<Record<string, unknown>> };
}

function parseJson(text: string, file: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`${file} is not valid JSON (${(err as Error).message}); use a JSON array of objects, or a .jsonl file.`, "faro.dataset", "dataset_invalid");
  }
  if (!Array.isArray(value)) throw badRequest(`${file} must hold a JSON array of objects.`, "faro.dataset", "dataset_invalid");
  return value;
}

function parseJsonl(text: string, file: string): unknown[] {
  return text.split(/\r?\n/).flatMap((line, i) => {
    if (line.trim() === "") return [];
    try {
      return [JSON.parse(line) as unknown];
    } catch (err) {
      throw badRequest(`Line ${i + 1} of ${file} is not valid JSON: ${(err as Error).message}`, "faro.dataset", "dataset_invalid");
    }
  });
}
