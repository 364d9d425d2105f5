/** GET /health: liveness plus what the engine is doing. Needs no API key. */
import type { Engine } from "../../engine/engine";
import { sendJson } from "../respond";
import type { Route } from "../router";

export function healthRoutes(engine: Engine, version: string): Route[] {
  return [
    {
      method: "GET",
      path: "/health",
      public: true,
      handler: async ({ res, baseHeaders }) => {
        sendJson(res, 200, { status: "ok", version, engine: engine.stats() }, baseHeaders);
      },
    },
  ];
}
