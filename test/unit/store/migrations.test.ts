import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import Database from "better-sqlite3";
import { MIGRATIONS, migrate } from "../../../server/store/migrations";
import { openDatabase } from "../../../server/store/db";
import { FaroError } from "../../../server/errors";

const tmpFile = () => join(mkdtempSync(join(tmpdir(), "faro-db-")), "faro.db");

test("a new file is migrated to the latest version in WAL mode, with the requests table", () => {
  const file = tmpFile();
  const db = openDatabase(file);
  assert.equal(db.pragma("user_version", { simple: true }), MIGRATIONS.length);
  assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
  const cols = (db.prepare("PRAGMA table_info(requests)").all() as Array<{ name: string }>).map((c) => c.name);
  for (const c of ["id", "created_at", "route", "model", "provider", "status", "latency_ms", "ttft_ms", "prompt_tokens", "completion_tokens", "error"]) {
    assert.ok(cols.includes(c), c);
  }
  db.close();
  // Re-opening applies nothing and keeps data.
  const again = openDatabase(file);
  assert.equal(again.pragma("user_version", { simple: true }), MIGRATIONS.length);
  again.close();
});

test("migrations apply in order from the file's version, each atomically", () => {
  const db = new Database(":memory:");
  const steps = [
    { version: 1, name: "a", sql: "CREATE TABLE a (x)" },
    { version: 2, name: "b", sql: "CREATE TABLE b (x)" },
  ];
  assert.equal(migrate(db, steps.slice(0, 1)), 1);
  assert.equal(migrate(db, steps), 2);
  const broken = [...steps, { version: 3, name: "bad", sql: "CREATE TABLE c (x); CREATE TABLE a (x)" }];
  assert.throws(() => migrate(db, broken), /already exists/);
  assert.equal(db.pragma("user_version", { simple: true }), 2, "a failed migration leaves the version");
  assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'c'").get() as { n: number }).n, 0, "and no half of it");
});

test("misnumbered migrations and a newer database are refused", () => {
  const db = new Database(":memory:");
  assert.throws(() => migrate(db, [{ version: 2, name: "x", sql: "" }]), /numbered 2, expected 1/);
  db.pragma("user_version = 99");
  assert.throws(() => migrate(db), (e: FaroError) => e.code === "database_too_new");
});

test("a home that cannot hold faro.db, or a faro.db that is not SQLite, is a FaroError naming the file and --home", () => {
  const dir = mkdtempSync(join(tmpdir(), "faro-db-"));
  const aFile = join(dir, "plain.txt");
  writeFileSync(aFile, "not a folder");
  assert.throws(() => openDatabase(join(aFile, "faro.db")), (e: unknown) => e instanceof FaroError && e.code === "database_unusable" && e.message.includes(join(aFile, "faro.db")) && /--home or FARO_HOME/.test(e.message));
  const text = join(dir, "faro.db");
  writeFileSync(text, "this is a text file, long enough to have a header that is not SQLite's");
  assert.throws(() => openDatabase(text), (e: unknown) => e instanceof FaroError && e.code === "database_unusable" && /not a database/.test(e.message));
});
