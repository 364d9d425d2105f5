/**
 * Provider API keys in VS Code's SecretStorage. The backend only ever holds them in memory: they
 * are handed over with faro/providers/setKey after every (re)start, and never shown again.
 */
import type * as vscode from "vscode";

const INDEX_KEY = "faro.providerKeys";
const secretName = (provider: string) => `faro.providerKey.${provider}`;

export class ProviderKeys {
  constructor(private readonly context: vscode.ExtensionContext) {}

  /** Providers with a stored key (SecretStorage cannot list its entries). */
  providers(): string[] {
    return this.context.globalState.get<string[]>(INDEX_KEY) ?? [];
  }

  async store(provider: string, key: string): Promise<void> {
    await this.context.secrets.store(secretName(provider), key);
    await this.context.globalState.update(INDEX_KEY, [...new Set([...this.providers(), provider])]);
  }

  async remove(provider: string): Promise<void> {
    await this.context.secrets.delete(secretName(provider));
    await this.context.globalState.update(INDEX_KEY, this.providers().filter((p) => p !== provider));
  }

  async all(): Promise<Array<{ provider: string; key: string }>> {
    const out: Array<{ provider: string; key: string }> = [];
    for (const provider of this.providers()) {
      const key = await this.context.secrets.get(secretName(provider));
      if (key) out.push({ provider, key });
    }
    return out;
  }
}
