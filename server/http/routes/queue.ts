/**
 * GET /v1/queue and DELETE /v1/queue/{id}: the local inference queue, inspectable and cancellable.
 * Both are operator routes: the queue holds every key's requests, and a virtual key must not
 * cancel a teammate's (an app stops its own request by closing the connection).
 */
import { notFound } from "../../errors";
import type { Engine } from "../../engine/engine";
import { sendJson } from "../respond";
import type { Route } from "../router";

export function queueRoutes(engine: Engine): Route[] {
  return [
    {
      method: "GET",
      path: "/v1/queue",
      operator: true,
      handler: async ({ res, baseHeaders }) => {
        sendJson(res, 200, { object: "list", data: engine.queue(), models: engine.residents() }, baseHeaders);
      },
    },
    {
      method: "DELETE",
      path: "/v1/queue/:id",
      operator: true,
      handler: async ({ res, params, baseHeaders }) => {
        const id = params.id ?? "";
        if (!engine.cancel(id)) throw notFound(`No queued or running request has the id '${id}'.`, "request_not_found", "id");
        sendJson(res, 200, { id, object: "queue.request", cancelled: true }, baseHeaders);
      },
    },
  ];
}
