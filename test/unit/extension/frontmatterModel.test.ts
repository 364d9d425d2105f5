/** Marking a winner writes `model:` into the prompt's frontmatter: the edit for each shape of file. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { applyEdit, modelEdit } from "../../../extension/frontmatterModel";

const edited = (text: string, model: string) => {
  const e = modelEdit(text, model);
  return e === null ? null : applyEdit(text, e);
};

test("replaces the value of a top-level model line, keeping the rest of the file", () => {
  assert.equal(edited("---\nmodel: old\nconfig:\n  temperature: 0\n---\nHi {{name}}\n", "openai/gpt-4o-mini"), "---\nmodel: openai/gpt-4o-mini\nconfig:\n  temperature: 0\n---\nHi {{name}}\n");
  assert.equal(edited("---\nmodel:   \"old\"   # chosen by hand\n---\nx", "new"), "---\nmodel: new # chosen by hand\n---\nx");
  assert.equal(edited("---\r\nmodel: old\r\n---\r\nx", "new"), "---\r\nmodel: new\r\n---\r\nx");
});

test("an indented model key (inside another mapping) is not the prompt's model", () => {
  assert.equal(edited("---\nconfig:\n  model: x\n---\nbody\n", "tiny"), "---\nmodel: tiny\nconfig:\n  model: x\n---\nbody\n");
});

test("a model key in the body is not touched; no frontmatter gets one", () => {
  assert.equal(edited("---\nconfig: {}\n---\nmodel: in the body\n", "tiny"), "---\nmodel: tiny\nconfig: {}\n---\nmodel: in the body\n");
  assert.equal(edited("Just a body\n", "tiny"), "---\nmodel: tiny\n---\nJust a body\n");
});

test("ids YAML would misread are quoted; an unchanged model is no edit", () => {
  assert.equal(edited("---\nmodel: a\n---\n", "weird: id"), '---\nmodel: "weird: id"\n---\n');
  assert.equal(edited("---\nmodel: #x\n---\n", "[x]"), '---\nmodel: "[x]" #x\n---\n');
  assert.equal(modelEdit("---\nmodel: tiny\n---\nx", "tiny"), null);
  assert.equal(modelEdit("---\nmodel: 'tiny'\n---\nx", "tiny"), null);
});
