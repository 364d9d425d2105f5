/**
 * Audio and image endpoints, passed through to providers that offer them: multipart uploads
 * (transcriptions, translations) keep their bytes with only the model rewritten; JSON requests
 * (speech, image generation) get the target's model. The answer streams back as the provider
 * sent it (audio bytes, JSON). Local models answer a clear 400.
 */
import { pipeline } from "node:stream/promises";
import { badRequest, messageOf } from "../../errors";
import { UpstreamError, bodyModel } from "../../providers/upstream";
import type { Gateway } from "../../gateway/gateway";
import { routingHints } from "../../gateway/routing/headers";
import { merged } from "../../objects";
import { readBuffer } from "../body";
import { boundaryOf, readField, replaceField } from "../multipart";
import { nameStatus } from "../respond";
import type { Route } from "../router";
import { requestContext, routeHeaders } from "./chat";

const UPLOAD_LIMIT = 32 * 1024 * 1024;

const ENDPOINTS = [
  { path: "/audio/transcriptions", kind: "audio transcription", multipart: true },
  { path: "/audio/translations", kind: "audio translation", multipart: true },
  { path: "/audio/speech", kind: "speech synthesis", multipart: false },
  { path: "/images/generations", kind: "image generation", multipart: false },
] as const;

export function passthroughRoutes(gateway: Gateway, faroApiKey: string | null): Route[] {
  return ENDPOINTS.map(({ path, kind, multipart }) => ({
    method: "POST",
    path: `/v1${path}`,
    handler: async (ctx) => {
      const raw = await readBuffer(ctx.req, UPLOAD_LIMIT);
      const contentType = String(ctx.req.headers["content-type"] ?? "");
      let model: string | null;
      let json: Record<string, unknown> | null = null;
      let boundary = "";
      if (multipart) {
        boundary = boundaryOf(contentType);
        model = readField(raw, boundary, "model");
      } else {
        json = parseObject(raw);
        model = typeof json.model === "string" ? json.model : null;
      }
      if (!model) throw badRequest("Missing required parameter: 'model'.", "model", "missing_required_parameter");
      const hints = routingHints(ctx.req.headers, gateway.routing.configs, faroApiKey);
      const { response, provider, trail } = await gateway.passthrough(kind, path, { model }, ctx.record, requestContext(ctx), hints, (leaf) =>
        multipart
          ? { body: replaceField(raw, boundary, "model", bodyModel(leaf.target)), contentType }
          : { body: Buffer.from(JSON.stringify({ ...json, ...leaf.overrideParams, model: bodyModel(leaf.target) })), contentType: "application/json" },
      );
      const type = response.headers["content-type"];
      nameStatus(ctx.res, response.status, response.statusText);
      ctx.res.writeHead(response.status, merged(ctx.baseHeaders, routeHeaders(provider, trail, hints), type ? { "content-type": String(type) } : {}));
      try {
        await pipeline(response.body, ctx.res);
      } catch (err) {
        // The client went away (the signal says so), or the provider's answer broke off after its
        // headers went out: the client's connection is closed, so it sees a cut answer, not a
        // short one that looks whole; the log says which provider cut it.
        if (ctx.signal.aborted) throw ctx.signal.reason;
        throw new UpstreamError({ provider, status: 502, detail: `the connection broke off mid-answer (${messageOf(err)})`, code: "upstream_stream_cut", cause: err });
      }
    },
  }));
}

function parseObject(raw: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw badRequest(`We could not parse the JSON body of your request (${(err as Error).message}).`, null, "invalid_json");
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw badRequest("The request body must be a JSON object.", null, "invalid_body");
  return v as Record<string, unknown>;
}
