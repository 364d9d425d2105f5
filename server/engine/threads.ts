/**
 * Thread count for local inference. Measured here (../shared/FACTS.md): a tiny model is ~70x
 * slower with 2 threads than with 1 (synchronisation dominates), while real models want every
 * core. So: an explicit setting wins; otherwise 1 thread below a size threshold, all cores above.
 */
import { availableParallelism } from "node:os";

/** Models narrower than this are "tiny": the demo and test models, not anything useful. */
export const TINY_EMBEDDING_LENGTH = 256;
export const TINY_FILE_BYTES = 16 * 1024 * 1024;

export interface ThreadInputs {
  /** Setting: 0 or undefined means choose. */
  override?: number;
  embeddingLength: number | null;
  sizeBytes: number;
  cores?: number;
}

export function chooseThreads({ override, embeddingLength, sizeBytes, cores }: ThreadInputs): number {
  if (override && override > 0) return Math.floor(override);
  const tiny = (embeddingLength !== null && embeddingLength <= TINY_EMBEDDING_LENGTH) || sizeBytes < TINY_FILE_BYTES;
  return tiny ? 1 : Math.max(1, cores ?? availableParallelism());
}
