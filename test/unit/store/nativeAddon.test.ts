import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { addonFileName, addonForAbi, describeAbis, shippedAbis } from "../../../server/store/nativeAddon";

const DIR = join("/ext", "dist", "native");
const V = "12.11.1";
const files = ["better_sqlite3-12.11.1-abi137.node", "README", "better_sqlite3-12.11.1-abi115.node", "better_sqlite3-12.11.1-abi127.node"];

test("the addon built for this runtime's ABI is picked by path", () => {
  assert.equal(addonForAbi(DIR, files, V, "115"), join(DIR, "better_sqlite3-12.11.1-abi115.node"));
  assert.equal(addonForAbi(DIR, files, V, "137"), join(DIR, "better_sqlite3-12.11.1-abi137.node"));
  assert.equal(addonFileName(V, "137"), "better_sqlite3-12.11.1-abi137.node");
});

test("an ABI that is not shipped (desktop VS Code's Electron) gets null: better-sqlite3's own lookup", () => {
  assert.equal(addonForAbi(DIR, files, V, "140"), null);
  assert.equal(addonForAbi(DIR, [], V, "115"), null);
  // Prefixes and suffixes are not matches: ABI 13 is not 137, 1370 is not 137.
  assert.equal(addonForAbi(DIR, files, V, "13"), null);
  assert.equal(addonForAbi(DIR, ["better_sqlite3-12.11.1-abi1370.node"], V, "137"), null);
});

test("an addon of another better-sqlite3 version (a stale dist/) is never picked", () => {
  const stale = ["better_sqlite3-12.10.0-abi115.node", "better_sqlite3-12.11.1-abi137.node"];
  assert.equal(addonForAbi(DIR, stale, V, "115"), null);
  assert.deepEqual(shippedAbis(stale, V), ["137"]);
  assert.deepEqual(shippedAbis(stale, "12.10.0"), ["115"]);
});

test("shipped ABIs are listed in order, ignoring other files, and described with their Node", () => {
  assert.deepEqual(shippedAbis(files, V), ["115", "127", "137"]);
  assert.deepEqual(shippedAbis(["better_sqlite3.node", "better_sqlite3-12.11.1-abi115.node.tmp", "x-12.11.1-abi115.node"], V), []);
  assert.equal(describeAbis(shippedAbis(files, V)), "ABI 115 (Node 20), 127 (Node 22), 137 (Node 24)");
  assert.equal(describeAbis(["115", "999"]), "ABI 115 (Node 20), 999");
  assert.equal(describeAbis([]), "no prebuilt addon");
});
