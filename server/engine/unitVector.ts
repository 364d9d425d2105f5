/** L2 normalisation of embedding vectors: OpenAI, llama.cpp's server and Ollama send unit-length ones. */

/** A unit-length copy (a zero vector stays zero), so that cosine similarity is a dot product. */
export function toUnitLength(v: readonly number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm === 0 ? [...v] : v.map((x) => x / norm);
}
