/**
 * Embedding input given as token ids becomes the text they stand for. LangChain's
 * OpenAIEmbeddings tokenizes with tiktoken and sends ids by default, choosing the encoding from
 * the model name it was given (cl100k_base when the name is not OpenAI's); Faro decodes with the
 * same choice. Past this point every embedding request is text, so PII guardrails read it, the
 * cache keys it, and local models, whose tokenizers are their own, embed it.
 */
import { badRequest } from "../errors";
import { decodeTokens, encodingForModel } from "./pricing/tokenizer";
import type { EmbeddingBody, EmbeddingRequest } from "./schema";

export async function embeddingText(body: EmbeddingBody): Promise<EmbeddingRequest> {
  const { input } = body;
  if (typeof input === "string" || typeof input[0] === "string") return body as EmbeddingRequest;
  const single = typeof input[0] === "number";
  const lists = single ? [input as number[]] : (input as number[][]);
  const encoding = encodingForModel(body.model).name;
  const decoded = await decodeTokens(encoding, lists);
  if ("unknown" in decoded) {
    const { list, index, id } = decoded.unknown;
    const at = single ? `input[${index}]` : `input[${list}][${index}]`;
    throw badRequest(`Token id ${id} at '${at}' is not in ${encoding}, the tiktoken encoding Faro reads token input for '${body.model}' with.`, at, "invalid_value");
  }
  return { ...body, input: single ? decoded.texts[0]! : decoded.texts };
}
