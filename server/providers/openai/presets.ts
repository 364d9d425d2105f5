/**
 * OpenAI-compatible providers as data: where each lives, how it authenticates and where its
 * key comes from in CLI mode. Adding one is adding a line. Local servers (Ollama, LM Studio,
 * vLLM, llama.cpp) default to their usual loopback ports and need no key.
 */
export interface Preset {
  id: string;
  /** null: the request must give one (custom_host). */
  baseUrl: string | null;
  auth: "bearer" | "api-key" | "none";
  /** Environment variable holding the key in CLI mode. */
  keyEnv: string | null;
}

export const PRESETS: Readonly<Record<string, Preset>> = Object.fromEntries(
  (
    [
      ["openai", "https://api.openai.com/v1", "bearer", "OPENAI_API_KEY"],
      ["azure-openai", null, "api-key", "AZURE_OPENAI_API_KEY"],
      ["mistral", "https://api.mistral.ai/v1", "bearer", "MISTRAL_API_KEY"],
      ["groq", "https://api.groq.com/openai/v1", "bearer", "GROQ_API_KEY"],
      ["together", "https://api.together.xyz/v1", "bearer", "TOGETHER_API_KEY"],
      ["fireworks", "https://api.fireworks.ai/inference/v1", "bearer", "FIREWORKS_API_KEY"],
      ["deepseek", "https://api.deepseek.com/v1", "bearer", "DEEPSEEK_API_KEY"],
      ["openrouter", "https://openrouter.ai/api/v1", "bearer", "OPENROUTER_API_KEY"],
      ["xai", "https://api.x.ai/v1", "bearer", "XAI_API_KEY"],
      ["ollama", "http://127.0.0.1:11434/v1", "none", null],
      ["lmstudio", "http://127.0.0.1:1234/v1", "none", null],
      ["vllm", "http://127.0.0.1:8000/v1", "bearer", "VLLM_API_KEY"],
      ["llamacpp", "http://127.0.0.1:8080/v1", "bearer", "LLAMACPP_API_KEY"],
      ["custom", null, "bearer", null],
    ] as const
  ).map(([id, baseUrl, auth, keyEnv]) => [id, { id, baseUrl, auth, keyEnv }]),
);

/** Local servers (Ollama, LM Studio, vLLM, llama.cpp): presets whose own address is this machine. */
export function isLocalServer(id: string): boolean {
  return PRESETS[id]?.baseUrl?.startsWith("http://127.0.0.1:") ?? false;
}
