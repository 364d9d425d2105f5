/**
 * The request log's writer thread (requestLog.ts starts it for the backend): its own connection
 * to faro.db, one transaction per batch the main thread posts, each batch answered with what was
 * committed, what to retry and what was refused. Commits and WAL checkpoints (with their fsyncs)
 * happen here, never on the event loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { rowWriter, writeBatch, type WriterMessage, type WriterReply, type WriterThreadData } from "./requestLog";

const data = workerData as WriterThreadData;
const port = parentPort!;
// The main connection created the file, set WAL (kept in the file) and migrated the schema.
const db = new Database(data.file, { fileMustExist: true, ...(data.nativeBinding ? { nativeBinding: data.nativeBinding } : {}) });
db.pragma("synchronous = NORMAL"); // per connection: the same durability as the main one
db.pragma("busy_timeout = 5000"); // another process (the faro CLI) may hold the write lock a moment
const write = rowWriter(db);

port.on("message", (m: WriterMessage) => {
  if ("close" in m) {
    db.close();
    port.close();
    return;
  }
  port.postMessage({ seq: m.seq, ...writeBatch(write, m.rows) } satisfies WriterReply);
});
