import { test } from "node:test";
import assert from "node:assert/strict";
import { PendingSaves } from "../../../extension/pendingSaves";

test("saves made while no client ran go to the backend in order, once; a repeat of the same text adds nothing", async () => {
  const warnings: string[] = [];
  const pending = new PendingSaves((m) => warnings.push(m));
  pending.add("file:///a.prompt", "one");
  pending.add("file:///b.prompt", "bee");
  pending.add("file:///a.prompt", "one"); // saved again unchanged
  pending.add("file:///a.prompt", "two");
  assert.equal(pending.size, 3);
  const sent: string[] = [];
  await pending.flush(async (uri, text) => void sent.push(`${uri.slice(8)}:${text}`));
  assert.deepEqual(sent, ["a.prompt:one", "b.prompt:bee", "a.prompt:two"]);
  assert.equal(pending.size, 0);
  await pending.flush(async () => assert.fail("nothing is sent twice"));
  assert.deepEqual(warnings, []);
});

test("a save the backend refuses is logged and the others still go", async () => {
  const warnings: string[] = [];
  const pending = new PendingSaves((m) => warnings.push(m));
  pending.add("file:///bad.prompt", "x");
  pending.add("file:///good.prompt", "y");
  const sent: string[] = [];
  await pending.flush(async (uri) => {
    if (uri.includes("bad")) throw new Error("the disk is full");
    sent.push(uri);
  });
  assert.deepEqual(sent, ["file:///good.prompt"]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /did not record the save of file:\/\/\/bad\.prompt made while its backend was not running: the disk is full/);
});

test("past 500 waiting saves the oldest goes, and says so", () => {
  const warnings: string[] = [];
  const pending = new PendingSaves((m) => warnings.push(m));
  for (let i = 0; i <= 500; i++) pending.add(`file:///p${i}.prompt`, "t");
  assert.equal(pending.size, 500);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /p0\.prompt/);
});
