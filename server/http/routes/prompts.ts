/**
 * Stored prompts over HTTP: GET /v1/prompts (ids, versions, labels), GET /v1/prompts/{id}
 * (its history), and POST /v1/prompts/{id}/completions, which renders a version (latest, by
 * number or by label) with the given variables and answers as /v1/chat/completions does.
 */
import { z } from "zod";
import { FaroError } from "../../errors";
import type { Gateway } from "../../gateway/gateway";
import { chatCompletionRequestSchema, parseBody } from "../../gateway/schema";
import { preparePromptRun } from "../../prompts/prepare";
import type { PromptVersions } from "../../prompts/versions";
import { validatePromptId } from "../../prompts/workspace";
import { readJson } from "../body";
import { merged } from "../../objects";
import { msSince, sendJson } from "../respond";
import type { Route } from "../router";
import { chatShape, requestContext } from "./chat";
import { answer } from "./generation";

/** The body: which version, the variables, and any chat parameter to override (but messages). */
const bodySchema = z.looseObject({
  variables: z.record(z.string(), z.unknown()).optional(),
  version: z.number().int().min(1).nullish(),
  label: z.string().min(1).nullish(),
  model: z.string().min(1).nullish(),
  stream: z.boolean().nullish(),
  messages: z.undefined({ error: "messages come from the prompt; pass 'variables' instead" }).optional(),
});

export function promptRoutes(gateway: Gateway, versions: PromptVersions, bodyLimit: number): Route[] {
  return [
    {
      method: "GET",
      path: "/v1/prompts",
      handler: async ({ res, record, baseHeaders }) => {
        // Partials (`_name`) are pieces of prompts, not prompts to call.
        const data = versions.list().filter((p) => !p.promptId.split("/").pop()!.startsWith("_")).map((p) => ({
          id: p.promptId,
          object: "prompt",
          latest_version: p.latestVersion,
          labels: p.labels,
          updated_at: Math.floor(p.updatedAt / 1000),
        }));
        sendJson(res, 200, { object: "list", data }, merged(baseHeaders, { "x-faro-overhead-ms": msSince(record.startedAt) }));
      },
    },
    {
      method: "GET",
      path: "/v1/prompts/*id",
      handler: async ({ res, record, params, baseHeaders }) => {
        const latest = versions.resolve(params.id ?? "");
        const h = versions.history(latest.promptId);
        const body = {
          id: h.promptId,
          object: "prompt",
          latest_version: latest.version,
          labels: h.labels,
          versions: h.versions.map((v) => ({ version: v.version, hash: v.hash, created_at: Math.floor(v.createdAt / 1000), labels: v.labels })),
        };
        sendJson(res, 200, body, merged(baseHeaders, { "x-faro-overhead-ms": msSince(record.startedAt) }));
      },
    },
    {
      method: "POST",
      path: "/v1/prompts/*rest",
      idPrefix: "chatcmpl-",
      handler: async (ctx) => {
        const rest = ctx.params.rest ?? "";
        if (!rest.endsWith("/completions")) {
          throw new FaroError(`Unknown request URL: POST ${ctx.url.pathname}. Did you mean POST /v1/prompts/${rest}/completions?`, { status: 404, type: "invalid_request_error", code: "unknown_url" });
        }
        const promptId = validatePromptId(rest.slice(0, -"/completions".length));
        const body = parseBody(bodySchema, await readJson(ctx.req, bodyLimit));
        const { variables, version, label, model, messages: _none, ...overrides } = body;
        const stored = versions.resolve(promptId, { version, label });
        ctx.record.promptId = promptId;
        ctx.record.promptVersion = stored.version;
        const prepared = await preparePromptRun({
          ...(await gateway.modelChoices()),
          source: stored.source,
          promptId,
          variables: variables ?? {},
          model: model ?? null,
          partials: versions.partials(promptId),
        });
        const req = parseBody(chatCompletionRequestSchema, { ...prepared.request, ...overrides });
        ctx.record.stream = req.stream === true;
        const rc = requestContext(ctx);
        const gen = await gateway.chat(req, ctx.record, { ...rc, priority: rc.priority ?? prepared.priority });
        await answer({
          ctx,
          meta: { id: ctx.record.id, created: Math.floor(ctx.record.createdAt / 1000), model: gen.model },
          events: gen.events,
          stream: req.stream === true,
          includeUsage: req.stream_options?.include_usage === true,
          shape: chatShape,
          headers: { "x-faro-provider": gen.provider, "x-faro-prompt-id": promptId, "x-faro-prompt-version": String(stored.version) },
        });
      },
    },
  ];
}
