/**
 * The custom `faro/...` methods between the extension (and, through it, the webview) and the
 * backend: the single place their names, params and results are typed. The types live by area
 * in server/protocol/*.ts; this index re-exports them and joins each area's methods into
 * FaroRequests and FaroNotifications. Other sides import this file type-only, so it and the
 * area files must stay free of runtime code.
 */
import type { CompareNotifications, CompareRequests } from "./protocol/compare";
import type { EndpointNotifications, EndpointRequests } from "./protocol/endpoint";
import type { KeyRequests } from "./protocol/keys";
import type { LogRequests } from "./protocol/logs";
import type { ModelNotifications, ModelRequests } from "./protocol/models";
import type { PromptNotifications, PromptRequests } from "./protocol/prompts";
import type { ProviderRequests } from "./protocol/providers";
import type { QueueNotifications, QueueRequests } from "./protocol/queue";

export type * from "./protocol/initialization";
export type * from "./protocol/models";
export type * from "./protocol/endpoint";
export type * from "./protocol/queue";
export type * from "./protocol/providers";
export type * from "./protocol/prompts";
export type * from "./protocol/compare";
export type * from "./protocol/logs";
export type * from "./protocol/keys";

/** Requests the extension sends to the backend: method -> params and result. */
export interface FaroRequests
  extends ModelRequests,
    EndpointRequests,
    QueueRequests,
    ProviderRequests,
    PromptRequests,
    CompareRequests,
    LogRequests,
    KeyRequests {}

/** Notifications the backend sends to the extension: method -> params. */
export interface FaroNotifications
  extends ModelNotifications,
    EndpointNotifications,
    QueueNotifications,
    PromptNotifications,
    CompareNotifications {}

export type FaroRequestMethod = keyof FaroRequests;
export type FaroNotificationMethod = keyof FaroNotifications;
export type ParamsOf<M extends FaroRequestMethod> = FaroRequests[M]["params"];
export type ResultOf<M extends FaroRequestMethod> = FaroRequests[M]["result"];
