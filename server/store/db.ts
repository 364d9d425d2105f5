/** Opens faro.db: better-sqlite3 in WAL mode, migrated to the latest schema. */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { FaroError, messageOf } from "../errors";
import { migrate } from "./migrations";

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw explainNativeError(err, file);
  }
  try {
    db.pragma("journal_mode = WAL");
    // WAL + NORMAL keeps commits durable against process crashes and cheap enough for a log.
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The addon is built for the Node that ran `npm ci`; VS Code's runtime may differ. */
function explainNativeError(err: unknown, file: string): unknown {
  const message = messageOf(err);
  if (!/NODE_MODULE_VERSION|invalid ELF header|Could not locate the bindings file/.test(message)) return err;
  return new FaroError(
    `Cannot open ${file}: better-sqlite3 is not built for this runtime (Node ${process.versions.node}, ABI ${process.versions.modules}). ` +
      "Set faro.server.runtime to the Node.js that installed Faro, or rebuild better-sqlite3 for this runtime. " +
      `(${message.split("\n")[0]})`,
    { status: 500, type: "server_error", code: "native_module_mismatch", cause: err },
  );
}
