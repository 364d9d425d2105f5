/**
 * POST /v1/embeddings: string or array input (or token ids, read as the text they stand for), `encoding_format` float or base64 (little-endian
 * float32, as OpenAI sends it), and `dimensions` by truncating and re-normalising the vector
 * (shortened embeddings are only comparable by cosine once scaled back to unit length).
 */
import { toUnitLength } from "../../engine/unitVector";
import { badRequest } from "../../errors";
import type { Gateway } from "../../gateway/gateway";
import { embeddingBodySchema, parseBody } from "../../gateway/schema";
import { embeddingText } from "../../gateway/tokenInput";
import { merged } from "../../objects";
import { readJson } from "../body";
import { msSince, sendJson } from "../respond";
import type { Route } from "../router";
import { requestContext, routeHeaders } from "./chat";
import { routingHints } from "../../gateway/routing/headers";

export function embeddingRoutes(gateway: Gateway, bodyLimit: number, faroApiKey: string | null): Route[] {
  return [
    {
      method: "POST",
      path: "/v1/embeddings",
      handler: async (ctx) => {
        const req = await embeddingText(parseBody(embeddingBodySchema, await readJson(ctx.req, bodyLimit)));
        const hints = routingHints(ctx.req.headers, gateway.routing.configs, faroApiKey);
        const { model, result, trail } = await gateway.embed(req, ctx.record, requestContext(ctx), hints);
        const size = result.vectors[0]?.length ?? 0;
        if (req.dimensions != null && req.dimensions > size) {
          throw badRequest(`dimensions must be at most ${size} for '${model}', not ${req.dimensions}.`, "dimensions", "invalid_value");
        }
        const data = result.vectors.map((v, index) => {
          const vector = req.dimensions ? toUnitLength(v.slice(0, req.dimensions)) : v;
          return { object: "embedding", index, embedding: req.encoding_format === "base64" ? toBase64(vector) : vector };
        });
        const usage = { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens };
        const headers = merged(ctx.baseHeaders, routeHeaders(ctx.record.provider ?? "", trail, hints), { "x-faro-overhead-ms": msSince(ctx.record.startedAt) });
        sendJson(ctx.res, 200, { object: "list", data, model, usage }, headers);
      },
    },
  ];
}

export function toBase64(v: number[]): string {
  return Buffer.from(new Float32Array(v).buffer).toString("base64");
}
