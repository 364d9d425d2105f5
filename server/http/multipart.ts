/**
 * Just enough multipart/form-data for a gateway: read one text field (the model) and replace
 * its value, leaving every other part (the audio file) byte for byte as the client sent it.
 */
import { badRequest } from "../errors";

export function boundaryOf(contentType: string | undefined): string {
  const m = contentType?.match(/^multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;\s]+))/i);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw badRequest("Expected a multipart/form-data body with a boundary.", null, "invalid_body");
  return boundary;
}

interface Part {
  start: number;
  end: number;
  headers: string;
  bodyStart: number;
}

function parts(body: Buffer, boundary: string): Part[] {
  const delim = Buffer.from(`--${boundary}`);
  const out: Part[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const after = pos + delim.length;
    if (body.subarray(after, after + 2).toString() === "--") break;
    const next = body.indexOf(delim, after);
    if (next < 0) break;
    const headerEnd = body.indexOf("\r\n\r\n", after);
    if (headerEnd < 0 || headerEnd > next) throw badRequest("A multipart part has no header block.", null, "invalid_body");
    // The part's content ends before the CRLF that precedes the next delimiter.
    out.push({ start: after + 2, end: next - 2, headers: body.subarray(after + 2, headerEnd).toString("latin1"), bodyStart: headerEnd + 4 });
    pos = next;
  }
  return out;
}

const nameOf = (headers: string) => headers.match(/content-disposition:[^\r\n]*\bname="([^"]*)"/i)?.[1] ?? null;

export function readField(body: Buffer, boundary: string, name: string): string | null {
  const p = parts(body, boundary).find((x) => nameOf(x.headers) === name);
  return p ? body.subarray(p.bodyStart, p.end).toString("utf8") : null;
}

/** A copy of `body` with the text field `name` set to `value`. */
export function replaceField(body: Buffer, boundary: string, name: string, value: string): Buffer {
  const p = parts(body, boundary).find((x) => nameOf(x.headers) === name);
  if (!p) throw badRequest(`Missing required parameter: '${name}'.`, name, "missing_required_parameter");
  return Buffer.concat([body.subarray(0, p.bodyStart), Buffer.from(value, "utf8"), body.subarray(p.end)]);
}
