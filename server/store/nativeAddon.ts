/**
 * Which better-sqlite3 addon this runtime loads. better-sqlite3 is not N-API, so the VSIX ships one
 * build per Node ABI (`process.versions.modules`) as dist/native/better_sqlite3-<version>-abi<ABI>.node
 * (natives.mjs builds them); db.ts passes the match as `nativeBinding`. The version in the name
 * keeps a dist/ left over from an older better-sqlite3 from being loaded by a newer one's JS.
 */
import { join } from "node:path";

const ADDON = /^better_sqlite3-(.+)-abi(\d+)\.node$/;

/** Runtimes behind the ABIs Faro ships, only to make messages readable. */
const RUNTIME_OF_ABI: Record<string, string> = { "115": "Node 20", "127": "Node 22", "137": "Node 24" };

/** File name of better-sqlite3 VERSION's addon for ABI (natives.mjs writes it). */
export function addonFileName(version: string, abi: string): string {
  return `better_sqlite3-${version}-abi${abi}.node`;
}

/** The ABIs among a native folder's file names that are built from better-sqlite3 VERSION, ascending. */
export function shippedAbis(files: readonly string[], version: string): string[] {
  return files
    .flatMap((f) => {
      const m = ADDON.exec(f);
      return m?.[1] === version && m[2] !== undefined ? [m[2]] : [];
    })
    .sort((a, b) => Number(a) - Number(b));
}

/** The addon for ABI in DIR (whose entries are FILES), or null: then better-sqlite3's own lookup. */
export function addonForAbi(dir: string, files: readonly string[], version: string, abi: string): string | null {
  return shippedAbis(files, version).includes(abi) ? join(dir, addonFileName(version, abi)) : null;
}

/** "ABI 115 (Node 20), 137 (Node 24)", or "no prebuilt addon" for an empty list. */
export function describeAbis(abis: readonly string[]): string {
  if (abis.length === 0) return "no prebuilt addon";
  return "ABI " + abis.map((a) => (RUNTIME_OF_ABI[a] ? `${a} (${RUNTIME_OF_ABI[a]})` : a)).join(", ");
}
