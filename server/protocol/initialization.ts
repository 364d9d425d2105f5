/**
 * Protocol: what the extension hands the backend when the language client starts (LSP
 * `initializationOptions`). Types only; re-exported by server/protocol.ts.
 */

/** Sent by the extension as LSP `initializationOptions`. Every field is optional. */
export interface InitializationOptions {
  /** Folder for faro.db and the demo model (VS Code: globalStorageUri). */
  home?: string;
  modelsDirs?: string[];
  defaultModel?: string | null;
  endpoint?: { host?: string; port?: number; allowedOrigins?: string[]; apiKey?: string };
  engine?: { threads?: number; gpu?: "auto" | "cpu" };
  /** Model aliases: name -> "provider/model" or a local id (the faro.aliases setting). */
  aliases?: Record<string, string>;
}
