/** Opens faro.db: better-sqlite3 in WAL mode, migrated to the latest schema. */
import Database from "better-sqlite3";
import { mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { FaroError, messageOf } from "../errors";
import { migrate } from "./migrations";
import { addonForAbi, describeAbis, shippedAbis } from "./nativeAddon";

/** dist/native beside the backend bundle (dist/server): one better-sqlite3 addon per ABI. */
const NATIVE_DIR = join(__dirname, "..", "native");
const { version: BETTER_SQLITE3 } = require("better-sqlite3/package.json") as { version: string };

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  if (file !== ":memory:") {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (err) {
      throw unusable(file, err);
    }
  }
  const nativeBinding = addonPath();
  let db: Db;
  try {
    db = new Database(file, nativeBinding === null ? {} : { nativeBinding });
  } catch (err) {
    throw explainNativeError(err, file, shippedAbis(nativeFiles(), BETTER_SQLITE3));
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
    throw /SQLITE_(READONLY|CANTOPEN|PERM|NOTADB|CORRUPT)/.test(String((err as { code?: unknown }).code)) ? unusable(file, err) : err;
  }
}

/** A home Faro cannot write to (permissions, a file in the way) or a faro.db that is not SQLite. */
function unusable(file: string, err: unknown): FaroError {
  return new FaroError(`Cannot use ${file} as Faro's database (${messageOf(err)}). Faro needs a folder it can write to: choose its home with --home or FARO_HOME.`, {
    status: 500,
    type: "server_error",
    code: "database_unusable",
    cause: err,
  });
}

/** The better-sqlite3 addon shipped for this runtime's ABI, or null: better-sqlite3's own lookup. */
export function addonPath(): string | null {
  return addonForAbi(NATIVE_DIR, nativeFiles(), BETTER_SQLITE3, process.versions.modules);
}

/** Running from source or from `npm ci` there is no dist/native: better-sqlite3's own lookup. */
function nativeFiles(): string[] {
  try {
    return readdirSync(NATIVE_DIR);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/**
 * The addon did not load: none shipped fits this runtime (desktop VS Code's Electron) and the
 * default one is built for another ABI or absent, or the one shipped is damaged.
 */
function explainNativeError(err: unknown, file: string, abis: string[]): unknown {
  const message = messageOf(err);
  const dlopen = (err as { code?: unknown } | null)?.code === "ERR_DLOPEN_FAILED";
  if (!dlopen && !/NODE_MODULE_VERSION|invalid ELF header|Could not locate the bindings file/.test(message)) return err;
  return new FaroError(
    `Cannot open ${file}: better-sqlite3's native addon does not load on this runtime (Node ${process.versions.node}, ABI ${process.versions.modules}; ` +
      `this install carries ${describeAbis(abis)}). ` +
      (abis.includes(process.versions.modules)
        ? "The one for this ABI is damaged: reinstall Faro. "
        : (abis.length ? "Set faro.server.runtime to a Node.js executable of one of those versions" : "Set faro.server.runtime to the Node.js that installed Faro") +
          ", or rebuild better-sqlite3 for this runtime. ") +
      `(${message.split("\n")[0]})`,
    { status: 500, type: "server_error", code: "native_module_mismatch", cause: err },
  );
}
