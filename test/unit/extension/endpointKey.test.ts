import { test } from "node:test";
import assert from "node:assert/strict";
import type * as vscode from "vscode";
import { endpointKey, endpointKeyWanted } from "../../../extension/endpointKey";
import { initializationOptions } from "../../../extension/settings";

/** SecretStorage as VS Code's: a string map, async. */
function secrets(): vscode.SecretStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (k: string) => map.get(k),
    store: async (k: string, v: string) => void map.set(k, v),
    delete: async (k: string) => void map.delete(k),
    keys: async () => [...map.keys()],
    onDidChange: (() => ({ dispose() {} })) as unknown as vscode.SecretStorage["onDidChange"],
  } as vscode.SecretStorage & { map: Map<string, string> };
}

test("the endpoint wants a key when bound beyond loopback or when the setting asks", () => {
  assert.equal(endpointKeyWanted(undefined, false), false, "default host is loopback");
  assert.equal(endpointKeyWanted("127.0.0.1", false), false);
  assert.equal(endpointKeyWanted("localhost", false), false);
  assert.equal(endpointKeyWanted("0.0.0.0", false), true);
  assert.equal(endpointKeyWanted("192.168.1.20", false), true);
  assert.equal(endpointKeyWanted("127.0.0.1", true), true);
  const env = { home: "/h", defaultModel: null, userHome: "/u" };
  const wanted = (values: Record<string, unknown>) => initializationOptions((k) => values[k], env);
  assert.equal(wanted({ "endpoint.host": "0.0.0.0" }).endpointKeyWanted, true);
  assert.equal(wanted({ "endpoint.requireApiKey": true }).endpointKeyWanted, true);
  assert.equal(wanted({}).endpointKeyWanted, false);
  const bad = wanted({ "endpoint.requireApiKey": "yes" });
  assert.equal(bad.endpointKeyWanted, false);
  assert.match(bad.problems[0]!, /faro\.endpoint\.requireApiKey must be true or false/);
});

test("the key is made once, random, and kept in SecretStorage", async () => {
  const s = secrets();
  const first = await endpointKey(s);
  assert.match(first, /^faro-[A-Za-z0-9_-]{32}$/);
  assert.equal(await endpointKey(s), first, "the same key after a restart");
  assert.deepEqual([...s.map.values()], [first]);
  assert.notEqual(await endpointKey(secrets()), first, "another profile gets another key");
});
