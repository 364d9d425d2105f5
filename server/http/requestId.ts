/**
 * Request ids (`x-request-id`, the completion id, the request log's primary key): the prefix
 * OpenAI uses for the route (`chatcmpl-`, `cmpl-`...), then 12 hex digits of the time in ms and
 * 20 random ones (80 bits). Ids made later sort later, so the log's primary-key index grows at
 * its end instead of taking each insert at a random page (with random UUIDs a logged row cost the
 * writer about 1.5 times the CPU: 21-23 vs 14-16 us per row over 60,000 rows).
 * The random part comes from a pool filled 400 ids at a time: one hex conversion per id.
 */
import { randomFillSync } from "node:crypto";

const RANDOM_BYTES = 10;
const pool = Buffer.alloc(RANDOM_BYTES * 400);
let used = pool.length;

export function requestId(prefix: string, now = Date.now()): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.toString("hex", used, used + RANDOM_BYTES);
  used += RANDOM_BYTES;
  return `${prefix}${now.toString(16).padStart(12, "0")}${random}`;
}
