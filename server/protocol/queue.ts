/**
 * Protocol: the local inference queue and the resident models (server/engine/): list, cancel,
 * change notifications. Types only; re-exported by server/protocol.ts.
 */
export type { QueueEntry } from "../engine/types";
export type { ResidentView as ResidentModel } from "../engine/modelPool";
import type { QueueEntry } from "../engine/types";
import type { ResidentView } from "../engine/modelPool";

export interface QueueListResult {
  requests: QueueEntry[];
  models: ResidentView[];
}

export interface QueueRequests {
  "faro/queue/list": { params: Record<string, never>; result: QueueListResult };
  /** Cancels a waiting or running local request by its id (the x-request-id). */
  "faro/queue/cancel": { params: { id: string }; result: { cancelled: boolean } };
}

export interface QueueNotifications {
  /** The queue or the resident models changed (throttled). */
  "faro/queue/changed": QueueListResult;
}
