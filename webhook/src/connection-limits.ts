// Time bounds on each phase of a connection, and a cap on how many are open, set on the Node server.

import type { Server as HttpsServer } from "node:https";

export interface ConnectionLimits {
  /** From a connection's start, or a later request's first byte, until the headers are in. */
  readonly headersTimeoutMs: number;
  /** From a request's first byte until its whole body is in. */
  readonly requestTimeoutMs: number;
  /** How long a kept-alive connection may sit idle between two requests. */
  readonly keepAliveTimeoutMs: number;
  /** Connections open at once; one more is closed as soon as it is accepted. */
  readonly maxConnections: number;
}

/**
 * Node looks for requests past their headers or request timeout on a timer, every 30 s by
 * default: a 10 s bound would then hold for up to 40 s. A second is cheap (it walks only the
 * connections that are receiving a request) and keeps every bound within a second of its value.
 */
const MAX_CHECK_INTERVAL_MS = 1000;

/**
 * Sets the bounds on the server Fastify made. Fastify sets none of these after creating it
 * (its own requestTimeout, 0, and keepAliveTimeout, 72 s, are set once, at creation), so the
 * values set here hold. Must run before listen(): Node starts its timeout checks then.
 */
export function applyConnectionLimits(server: HttpsServer, limits: ConnectionLimits): void {
  if (server.listening) throw new Error("connection limits must be set before the server listens");
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
}

/** How often Node looks for requests past their bounds: the server option connectionsCheckingInterval. */
export function connectionsCheckingIntervalMs(limits: ConnectionLimits): number {
  return Math.min(MAX_CHECK_INTERVAL_MS, Math.ceil(limits.headersTimeoutMs / 4));
}
