/**
 * Semantic mode's embedder: the gateway's own embed path (the same as POST /v1/embeddings), so
 * `default` means the served local model and any routable embedding model works too.
 */
import type { Gateway } from "../gateway";
import { openRecord } from "../requestRecord";
import { NO_HINTS } from "../routing/headers";
import type { Embedder } from "./responseCache";

export function gatewayEmbedder(gateway: Pick<Gateway, "embed">): Embedder {
  return async (model, text, signal) => {
    const scratch = openRecord(`cache-embed-${Date.now()}`, "cache embedding");
    // Urgent: the request waits on this lookup before it can even queue for its own answer.
    const { result } = await gateway.embed({ model, input: text }, scratch, { signal, requestId: scratch.id, priority: 0 }, NO_HINTS);
    const vector = result.vectors[0];
    if (!vector || vector.length === 0) throw new Error(`'${model}' returned no embedding`);
    // Priced as POST /v1/embeddings would be: a cloud embedding model bills the request it serves.
    return { vector: Float32Array.from(vector), costUsd: scratch.costUsd };
  };
}
