/** Whether a host name or address is this machine's loopback (shared with the extension: no other imports). */
import { isIP } from "node:net";

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  return h === "::1" || h === "0:0:0:0:0:0:0:1" || h.startsWith("::ffff:127.");
}
