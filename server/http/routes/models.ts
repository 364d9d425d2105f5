/** GET /v1/models and GET /v1/models/{id}: OpenAI's list/retrieve shapes plus Faro details. */
import { modelNotFound } from "../../errors";
import type { Gateway } from "../../gateway/gateway";
import { msSince, sendJson } from "../respond";
import type { Route } from "../router";

export function modelRoutes(gateway: Gateway): Route[] {
  return [
    {
      method: "GET",
      path: "/v1/models",
      handler: async ({ res, record, baseHeaders }) => {
        const data = await gateway.listModels();
        sendJson(res, 200, { object: "list", data }, { ...baseHeaders, "x-faro-overhead-ms": msSince(record.startedAt) });
      },
    },
    {
      method: "GET",
      path: "/v1/models/*id",
      handler: async ({ res, record, params, baseHeaders }) => {
        const id = params.id ?? "";
        const model = (await gateway.listModels()).find((m) => m.id === id);
        if (!model) throw modelNotFound(id);
        record.model = model.id;
        sendJson(res, 200, model, { ...baseHeaders, "x-faro-overhead-ms": msSince(record.startedAt) });
      },
    },
  ];
}
