// Liveness and readiness: ready flips to false as soon as shutdown begins.

import type { FastifyPluginAsync } from "fastify";

export interface Lifecycle {
  ready: boolean;
}

export const healthRoutes: FastifyPluginAsync<{ readonly lifecycle: Lifecycle }> = (
  app,
  options,
) => {
  app.get("/healthz", () => ({ status: "ok" }));
  app.get("/readyz", (_request, reply) => {
    if (options.lifecycle.ready) return { status: "ready" };
    return reply.code(503).send({ status: "shutting down" });
  });
  return Promise.resolve();
};
