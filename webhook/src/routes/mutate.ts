// POST /mutate: AdmissionReview in, AdmissionReview out, one log line and metrics per review.

import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import {
  admitPod,
  type AdmissionOutcome,
  type EntrypointResolver,
  type LimitsOf,
} from "../admission/admit-pod.js";
import { allowResponseJson, REVIEW_ANSWERED, REVIEW_CONTENT_TYPE } from "../admission/review.js";
import { reviewIdentity } from "../admission/review-identity.js";
import { reviewRequestSchema } from "../admission/review-schema.js";
import type { AdmissionRequest, AdmissionReviewRequest } from "../admission/types.js";
import type { WebhookMetrics } from "../metrics.js";
import type { MutationSettings } from "../mutation/settings.js";
import { andThen } from "../value-or-promise.js";

export interface MutateRouteOptions {
  /** The settings for a pod created in this namespace (its mode may differ from the cluster's). */
  readonly settingsFor: (namespace: string) => MutationSettings;
  readonly metrics: WebhookMetrics;
  readonly resolveEntrypoints: EntrypointResolver;
  readonly limitsOf: LimitsOf;
}

export const mutateRoute: FastifyPluginAsync<MutateRouteOptions> = (app, options) => {
  const { settingsFor, metrics, resolveEntrypoints, limitsOf } = options;
  app.post(
    "/mutate",
    // No response schema: measured, fast-json-stringify cost more here than JSON.stringify.
    { schema: { body: reviewRequestSchema } },
    // Not async: most reviews are answered without waiting, and sending at once spares them a
    // promise and a turn of the microtask queue.
    (request, reply) => {
      const started = process.hrtime.bigint();
      const review = (request.body as AdmissionReviewRequest).request;
      const answer = (result: AdmissionOutcome): string => {
        countOutcome(metrics, result);
        metrics.requests.inc(REVIEW_ANSWERED);
        logOutcome(request.log, review, result);
        metrics.reviewSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        void reply.header("content-type", REVIEW_CONTENT_TYPE);
        return allowResponseJson(review.uid, result.patch, result.warnings);
      };
      const settings = settingsFor(review.namespace ?? "");
      const result = admitPod(review, settings, resolveEntrypoints, limitsOf);
      return andThen(result, answer);
    },
  );
  return Promise.resolve();
};

function countOutcome(metrics: WebhookMetrics, result: AdmissionOutcome): void {
  metrics.reviews.inc({ decision: result.decision });
  if (result.warnings.length > 0) metrics.warnings.inc({}, result.warnings.length);
  if (result.decision === "injected") metrics.podsInjected.inc();
  if (result.decision === "skipped" && result.reason !== null) {
    metrics.podsSkipped.inc({ reason: result.reason });
  }
  for (const reason of Object.values(result.mutation?.skippedContainers ?? {})) {
    metrics.containersSkipped.inc({ reason });
  }
}

/** Which pod, and the decision and counts only. */
function logOutcome(
  log: FastifyBaseLogger,
  review: AdmissionRequest,
  result: AdmissionOutcome,
): void {
  const { uid, namespace, pod } = reviewIdentity(review);
  // One literal of one shape: a spread copy that gains members gets a hidden class of its own per
  // review on Node 20 (see bench/mutation-shapes.ts), which cost a fifth of the throughput here.
  log.info(
    {
      uid,
      namespace,
      pod,
      operation: review.operation,
      decision: result.decision,
      reason: result.reason ?? undefined,
      wrapped: result.mutation?.wrapped.length === 0 ? undefined : result.mutation?.wrapped,
      warnings: result.warnings.length === 0 ? undefined : result.warnings.length,
      dryRun: review.dryRun === true ? true : undefined,
    },
    "review",
  );
}
