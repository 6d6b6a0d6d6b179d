// GET /metrics in the Prometheus text format.

import type { FastifyPluginAsync } from "fastify";
import type { WebhookMetrics } from "../metrics.js";

export const metricsRoute: FastifyPluginAsync<{ readonly metrics: WebhookMetrics }> = (
  app,
  options,
) => {
  app.get("/metrics", (_request, reply) =>
    reply.type("text/plain; version=0.0.4; charset=utf-8").send(options.metrics.render()),
  );
  return Promise.resolve();
};
