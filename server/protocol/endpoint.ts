/**
 * Protocol: the OpenAI-compatible HTTP endpoint (server/http/endpoint.ts): start, stop, status.
 * Types only; re-exported by server/protocol.ts.
 */

export interface EndpointStatus {
  running: boolean;
  /** Base URL for OpenAI clients, e.g. http://127.0.0.1:4891/v1 */
  url: string | null;
  host: string;
  port: number | null;
  apiKeyRequired: boolean;
}

export interface EndpointRequests {
  "faro/endpoint/start": {
    params: { host?: string; port?: number };
    result: EndpointStatus;
  };
  "faro/endpoint/stop": { params: Record<string, never>; result: EndpointStatus };
  "faro/endpoint/status": { params: Record<string, never>; result: EndpointStatus };
}

export interface EndpointNotifications {
  "faro/endpoint/changed": EndpointStatus;
}
