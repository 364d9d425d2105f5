/**
 * Provider API keys, in memory only: set from VS Code's SecretStorage (faro/providers/setKey)
 * or read from the provider's environment variable in CLI mode. Never written to disk or logs.
 */
import { registerSecret } from "../logger";
import { PRESETS } from "../providers/openai/presets";

const NATIVE_ENV: Record<string, readonly string[]> = {
  anthropic: ["ANTHROPIC_API_KEY"],
  gemini: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
};

export class KeyStore {
  private readonly keys = new Map<string, string>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    for (const name of this.envNames()) registerSecret(env[name]);
  }

  set(provider: string, key: string | null): void {
    if (key) {
      registerSecret(key);
      this.keys.set(provider, key);
    } else this.keys.delete(provider);
  }

  get(provider: string): string | null {
    const own = this.keys.get(provider);
    if (own) return own;
    for (const name of envFor(provider)) if (this.env[name]) return this.env[name]!;
    return null;
  }

  /** Providers with a key, for listings; never the keys themselves. */
  configured(): string[] {
    const all = new Set([...Object.keys(PRESETS), ...Object.keys(NATIVE_ENV)]);
    return [...all].filter((p) => this.get(p) !== null);
  }

  private envNames(): string[] {
    return [...Object.values(PRESETS).flatMap((p) => (p.keyEnv ? [p.keyEnv] : [])), ...Object.values(NATIVE_ENV).flat()];
  }
}

/** The environment variables a provider's key is read from (GROQ_API_KEY...), for messages. */
export function envFor(provider: string): readonly string[] {
  const preset = PRESETS[provider];
  if (preset?.keyEnv) return [preset.keyEnv];
  return NATIVE_ENV[provider] ?? [];
}
