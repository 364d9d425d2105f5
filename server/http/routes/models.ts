/**
 * GET /v1/models and GET /v1/models/{id}: OpenAI's list/retrieve shapes plus Faro details;
 * `default` retrieves the model it stands for. With x-portkey-provider the list is that provider's.
 */
import { FaroError, modelNotFound } from "../../errors";
import { DEFAULT_MODEL_ALIAS, type Gateway } from "../../gateway/gateway";
import { routingHints } from "../../gateway/routing/headers";
import { providerId } from "../../gateway/targets";
import { merged } from "../../objects";
import { msSince, sendJson } from "../respond";
import type { Route } from "../router";

export function modelRoutes(gateway: Gateway, faroApiKey: string | null): Route[] {
  return [
    {
      method: "GET",
      path: "/v1/models",
      handler: async ({ req, res, record, signal, baseHeaders }) => {
        // x-portkey-provider: that provider's list, as Portkey proxies it.
        const hints = routingHints(req.headers, gateway.routing.configs, faroApiKey);
        if (hints.provider) record.provider = providerId(hints.provider.name);
        const data = hints.provider ? await gateway.providerModels(hints, { signal, requestId: record.id, priority: null }) : await gateway.listModels();
        sendJson(res, 200, { object: "list", data }, merged(baseHeaders, { "x-faro-overhead-ms": msSince(record.startedAt) }));
      },
    },
    {
      method: "GET",
      path: "/v1/models/*id",
      handler: async ({ res, record, params, baseHeaders }) => {
        const asked = params.id ?? "";
        // `default` works as a model in requests, so it is answered too: as the model it stands
        // for, under that model's own id, so that the client learns which model it is.
        const id = asked === DEFAULT_MODEL_ALIAS ? await gateway.defaultModelId() : asked;
        const model = id === null ? undefined : (await gateway.listModels()).find((m) => m.id === id);
        if (!model) throw asked === DEFAULT_MODEL_ALIAS && id !== null ? cloudDefault(id) : modelNotFound(asked);
        record.model = model.id;
        sendJson(res, 200, model, merged(baseHeaders, { "x-faro-overhead-ms": msSince(record.startedAt) }));
      },
    },
  ];
}

/** The default is a cloud model (chosen with Select Model): not one of the local models listed here. */
const cloudDefault = (id: string) =>
  new FaroError(`'${DEFAULT_MODEL_ALIAS}' stands for the cloud model '${id}'; GET /v1/models lists only the local models Faro serves.`, {
    status: 404,
    type: "invalid_request_error",
    code: "model_not_found",
    param: "model",
  });
