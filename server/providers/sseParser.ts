/**
 * Server-sent events from an upstream response body: yields each event's `event` name and
 * joined `data` lines as they complete, whatever the chunking (CRLF, split lines, comments).
 */
export interface SseMessage {
  event: string | null;
  data: string;
}

export async function* parseSse(body: AsyncIterable<Buffer | string>): AsyncIterable<SseMessage> {
  let buffer = "";
  let event: string | null = null;
  let data: string[] = [];
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    buffer += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer[nl] === "\r" && buffer[nl + 1] === "\n" ? 2 : 1));
      if (line === "") {
        if (data.length) yield { event, data: data.join("\n") };
        event = null;
        data = [];
      } else if (line.startsWith(":")) continue;
      else {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
      }
    }
  }
  if (data.length) yield { event, data: data.join("\n") };
}
