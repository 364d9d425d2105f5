/** How a model is described in completion details and hovers. */
import type { ModelInfo } from "../protocol";

export function modelDetail(m: ModelInfo): string {
  const f = m.faro;
  const parts = [f.provider, f.architecture, f.quantization, f.context_length ? `${f.context_length} ctx` : null, f.loaded ? "loaded" : null];
  return parts.filter(Boolean).join(" · ");
}

export function modelMarkdown(m: ModelInfo): string {
  const f = m.faro;
  const params = f.parameters ? ` · ${formatCount(f.parameters)} parameters` : "";
  return [
    `**${m.id}** — ${f.provider} model${f.architecture ? ` (${f.architecture}${f.quantization ? `, ${f.quantization}` : ""})` : ""}${params}`,
    "",
    `Context window: ${f.context_length ? `${f.context_length} tokens` : "unknown"} · Size: ${formatBytes(f.size_bytes)} · Loaded: ${f.loaded ? "yes" : "no (loads on first run)"}`,
    "",
    `Price: free, runs on this machine${f.demo ? " · random-weight demo model: answers are nonsense" : ""}`,
    "",
    `\`${f.path}\``,
  ].join("\n");
}

function formatCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n);
}

function formatBytes(n: number): string {
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}
