/**
 * Server-sent events from an upstream response body: each event's `event` name and joined
 * `data` lines as they complete, whatever the chunking (CRLF, split lines, comments).
 * SseParser is synchronous and lazy: a chunk in, the events it completes out one by one as they
 * are taken, so a caller that reads the body itself pays no async step per event
 * (upstreamBody.ts's sseJson), and the first event of a large chunk goes on before the rest is parsed.
 */
export interface SseMessage {
  event: string | null;
  data: string;
}

export class SseParser {
  /** The start of a line not ended yet. */
  private partial = "";
  /** The last chunk ended with "\r": a "\n" starting the next one belongs to that line break. */
  private afterCr = false;
  private event: string | null = null;
  private data: string[] = [];
  private readonly decoder = new TextDecoder();

  /** The events `chunk` completes, parsed as they are taken: take them all before the next feed. */
  *feed(chunk: Buffer | string): Generator<SseMessage, void, undefined> {
    let text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.afterCr && text.startsWith("\n")) text = text.slice(1);
    this.afterCr = false;
    let start = 0;
    // The next "\n" and "\r" at or after `start` (-1: none left), each searched again only once passed.
    let lf = -2;
    let cr = -2;
    for (;;) {
      if (lf !== -1 && lf < start) lf = text.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(lf, cr);
      if (end < 0) break;
      const piece = text.slice(start, end);
      const line = this.partial ? this.partial + piece : piece;
      this.partial = "";
      if (text[end] === "\r") {
        if (end + 1 === text.length) this.afterCr = true;
        start = text[end + 1] === "\n" ? end + 2 : end + 1;
      } else start = end + 1;
      const message = this.line(line);
      if (message) yield message;
    }
    if (start < text.length) this.partial += text.slice(start);
  }

  /** An event the body's end leaves unterminated, if any. */
  end(): SseMessage[] {
    // A last line with no line break (never a blank one: that would have been a break).
    if (this.partial) this.line(this.partial);
    this.partial = "";
    const last = this.dispatch();
    return last ? [last] : [];
  }

  /** The event a blank line completes, if it has data. */
  private line(line: string): SseMessage | null {
    if (line === "") return this.dispatch();
    if (line.charCodeAt(0) === 58 /* ":" */) return null;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.charCodeAt(colon + 1) === 32 /* " " */ ? line.slice(colon + 2) : line.slice(colon + 1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    return null;
  }

  private dispatch(): SseMessage | null {
    const message = this.data.length ? { event: this.event, data: this.data.length === 1 ? this.data[0]! : this.data.join("\n") } : null;
    this.event = null;
    this.data = [];
    return message;
  }
}

/** The events of a body read chunk by chunk. */
export async function* parseSse(body: AsyncIterable<Buffer | string>): AsyncIterable<SseMessage> {
  const parser = new SseParser();
  for await (const chunk of body) yield* parser.feed(chunk);
  yield* parser.end();
}
