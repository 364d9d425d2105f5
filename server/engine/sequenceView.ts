/**
 * A view of a context sequence whose `evaluate` is replaced: LlamaChat and LlamaCompletion
 * decode through `sequence.evaluate`, so a view lets Faro watch or steer every sampled token
 * (logprobs.ts, tokenLimit.ts) while everything else, continuous batching included, stays as is.
 */
import type { LlamaContextSequence } from "node-llama-cpp";

export type Evaluate = LlamaContextSequence["evaluate"];

export function withEvaluate(sequence: LlamaContextSequence, evaluate: Evaluate): LlamaContextSequence {
  return new Proxy(sequence, {
    get(target, prop) {
      if (prop === "evaluate") return evaluate;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
