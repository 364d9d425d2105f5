/**
 * Saves of .prompt files that the language client could not send. vscode-languageclient sends
 * didSave only while it runs, so a save made while the backend starts (the first .prompt of a
 * session, saved within a second or two) or restarts would never become a version. Each such
 * save's text is kept here, in order, and handed to the backend (faro/prompt/recordSave) once it
 * runs; a save that cannot be handed over is said in the Faro output.
 */
import { messageOf } from "./format";

/** More saves than anyone makes while a backend starts: past it the oldest go (and are logged). */
const MAX_PENDING = 500;

export class PendingSaves {
  private queue: Array<{ uri: string; text: string }> = [];

  constructor(private readonly warn: (message: string) => void) {}

  get size(): number {
    return this.queue.length;
  }

  /** A save the client did not send. A save of the same text as the last kept one adds nothing. */
  add(uri: string, text: string): void {
    const last = this.queue.findLast((s) => s.uri === uri);
    if (last?.text === text) return;
    this.queue.push({ uri, text });
    if (this.queue.length > MAX_PENDING) {
      const dropped = this.queue.shift()!;
      this.warn(`Faro will not record the save of ${dropped.uri} made while its backend was not running: more than ${MAX_PENDING} saves waited.`);
    }
  }

  /** Hands every kept save to `send`, oldest first; each failure is logged, the rest still go. */
  async flush(send: (uri: string, text: string) => Promise<unknown>): Promise<void> {
    const queue = this.queue;
    this.queue = [];
    for (const s of queue) {
      try {
        await send(s.uri, s.text);
      } catch (err) {
        this.warn(`Faro did not record the save of ${s.uri} made while its backend was not running: ${messageOf(err)}`);
      }
    }
  }
}
