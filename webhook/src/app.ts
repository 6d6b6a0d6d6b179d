// Builds the Fastify app (routes, error handling) without listening, for main.ts and tests.

import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from "fastify";
import type { RawServerDefault } from "fastify";
import type { Server as HttpsServer } from "node:https";
import {
  noEntrypointResolver,
  type EntrypointResolver,
  noLimitRanges,
  type LimitsOf,
} from "./admission/admit-pod.js";
import { requestError } from "./admission/request-errors.js";
import { bodyBudget } from "./body-budget.js";
import { failOpen, PodUnreadable } from "./admission/fail-open.js";
import { reviewIdentity } from "./admission/review-identity.js";
import { httpStatus, webhookError } from "./errors.js";
import type { WebhookMetrics } from "./metrics.js";
import type { MutationSettings } from "./mutation/settings.js";
import { healthRoutes, type Lifecycle } from "./routes/health.js";
import { metricsRoute } from "./routes/metrics.js";
import { mutateRoute } from "./routes/mutate.js";

export interface AppOptions {
  readonly settings: MutationSettings;
  /** Per namespace, when modes are watched (webhook/src/kube/mode-watch.ts); else `settings`. */
  readonly settingsFor?: (namespace: string) => MutationSettings;
  readonly bodyLimitBytes: number;
  /** The most bytes of reviews held at once, over every connection (--body-budget). */
  readonly bodyBudgetBytes: number;
  /**
   * Connections open at once (--max-connections), which sets a connection's share of the budget
   * (body-budget.ts); without it every body is counted as it is read.
   */
  readonly maxConnections?: number;
  readonly logger: FastifyBaseLogger;
  readonly metrics: WebhookMetrics;
  readonly lifecycle: Lifecycle;
  /** PEM key pair; without it the app serves plain HTTP (for fastify.inject in tests). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /**
   * How long a connection may take to finish its TLS handshake. Node's default, 120 s, would let
   * a client that connects and stays silent hold one of --max-connections for two minutes.
   */
  readonly handshakeTimeoutMs?: number;
  /** How often the server looks for requests past their time bounds (connection-limits.ts). */
  readonly connectionsCheckingIntervalMs?: number;
  readonly resolveEntrypoints?: EntrypointResolver;
  /** The namespaces' LimitRanges; by default every namespace has none. */
  readonly limitsOf?: LimitsOf;
}

export type WebhookApp = FastifyInstance<RawServerDefault | HttpsServer>;

export async function buildApp(options: AppOptions): Promise<WebhookApp> {
  const common = {
    loggerInstance: options.logger,
    // One log line per review, written by the route; Fastify's two lines per request would be noise.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    // A uid sent as a number must fail validation, not be coerced into a string.
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false } },
    // A label, annotation or userInfo.extra key may be `__proto__` or `constructor`: the default
    // answer, 400 "not valid JSON", would block the pod. Such keys are deleted from the parsed
    // review instead, so no copy the mutation makes (Object.assign) can take one as its
    // prototype. The API server keeps them: the patch names members by path and never replaces
    // a map the pod had (pod-patch.ts compares maps member by member).
    onProtoPoisoning: "remove",
    onConstructorPoisoning: "remove",
  } as const;
  const app: WebhookApp =
    options.tls === undefined
      ? Fastify(common)
      : Fastify({
          ...common,
          https: {
            key: options.tls.key,
            cert: options.tls.cert,
            ...(options.handshakeTimeoutMs === undefined
              ? {}
              : { handshakeTimeout: options.handshakeTimeoutMs }),
            ...(options.connectionsCheckingIntervalMs === undefined
              ? {}
              : { connectionsCheckingInterval: options.connectionsCheckingIntervalMs }),
          },
        });

  // Fastify reads text/plain bodies as strings, which would then fail as "not an AdmissionReview";
  // the API server only sends JSON, and anything else is ERR_REVIEW_NOT_JSON.
  app.removeContentTypeParser("text/plain");

  const { metrics } = options;
  metrics.reviewBytesHeld.set({}, 0);
  const budget = bodyBudget(options.bodyBudgetBytes, options.maxConnections, bytes =>
    metrics.reviewBytesHeld.set({}, bytes),
  );
  app.addHook("preParsing", (request, reply, payload, done) => {
    // The connection's close too: an answer queued behind a pipelined one never closes itself
    // when the client leaves first.
    const ends = request.raw.socket === null ? [reply.raw] : [reply.raw, request.raw.socket];
    done(null, budget.meter(payload, request.headers, ends));
  });

  app.setErrorHandler((error: FastifyError | PodUnreadable, request, reply) => {
    const problem =
      error instanceof PodUnreadable
        ? webhookError(error.code, error.message)
        : requestError(error, options.bodyLimitBytes, request.body === undefined);
    const failing = problem.code === "ERR_INTERNAL" || problem.code === "ERR_POD_MALFORMED";
    const review = reviewIdentity((request.body as { request?: unknown } | null)?.request);
    const { uid } = review;
    // A pod we cannot read, or a bug of ours, must never block a pod from being created. The
    // route, not the URL: the API server calls /mutate?timeout=5s when timeoutSeconds is set.
    if (failing && request.routeOptions.url === "/mutate" && uid !== undefined)
      return failOpen(error, { ...review, uid }, request, reply, metrics);
    metrics.errors.inc({ code: problem.code });
    metrics.requests.inc({
      route: request.routeOptions.url ?? "unknown",
      status: String(httpStatus(problem)),
    });
    // Fastify closes the connection after any body error, as the client may still be sending.
    // A body refused for the budget is read to its end and dropped (body-budget.ts), so the
    // connection stays usable, and closing it unread would reset the client before it reads this.
    // During the drain the answer was already told to close (drain.ts sets it on the raw
    // response), and must stay so.
    if (problem.code === "ERR_BUSY" && reply.raw.getHeader("connection") === undefined)
      reply.removeHeader("connection");
    if (failing) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: problem.code, reason: problem.message }, "review rejected");
    return reply.code(httpStatus(problem)).send(problem);
  });
  app.setNotFoundHandler((request, reply) => {
    const problem = webhookError(
      "ERR_ROUTE_NOT_FOUND",
      `no route ${request.method} ${request.url}; reviews go to POST /mutate`,
    );
    return reply.code(404).send(problem);
  });

  const { settings } = options;
  await app.register(mutateRoute, {
    settingsFor: options.settingsFor ?? (() => settings),
    metrics,
    resolveEntrypoints: options.resolveEntrypoints ?? noEntrypointResolver,
    limitsOf: options.limitsOf ?? noLimitRanges,
  });
  await app.register(healthRoutes, { lifecycle: options.lifecycle });
  await app.register(metricsRoute, { metrics });
  return app;
}
