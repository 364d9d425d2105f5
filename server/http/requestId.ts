/**
 * Request ids (`x-request-id`, the completion id, the request log's primary key): the prefix
 * OpenAI uses for the route (`chatcmpl-`, `cmpl-`...), then 12 hex digits of the time in ms and
 * 20 random ones (80 bits). Ids made later sort later, so the log's primary-key index grows at
 * its end instead of taking each insert at a random page (with random UUIDs a logged row cost the
 * writer about 1.5 times the CPU: 21-23 vs 14-16 us per row over 60,000 rows).
 */
import { randomUUID } from "node:crypto";

export function requestId(prefix: string, now = Date.now()): string {
  // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: skip the dashes, the version digit and the variant digit.
  const u = randomUUID();
  return `${prefix}${now.toString(16).padStart(12, "0")}${u.slice(0, 8)}${u.slice(9, 13)}${u.slice(15, 18)}${u.slice(20, 23)}${u.slice(24, 26)}`;
}
