// The one way a review fails open: the pod is allowed unchanged, with a warning for its author, an error log line and the metrics.

import type { FastifyReply, FastifyRequest } from "fastify";
import type { WebhookMetrics } from "../metrics.js";
import { allowResponseJson, REVIEW_ANSWERED, REVIEW_CONTENT_TYPE } from "./review.js";
import type { ReviewIdentity } from "./review-identity.js";

const BUG_WARNING =
  "the webhook failed on this pod and admitted it without podinit; see the webhook's logs";

/** A pod the review carries that is not shaped like one: the webhook cannot wrap it, but must not block it. */
export class PodUnreadable extends Error {
  readonly code = "ERR_POD_MALFORMED";
  readonly warning = "the pod in the review could not be read; admitted without podinit";
  constructor() {
    super("request.object is not shaped like a Pod");
    this.name = "PodUnreadable";
  }
}

/** What the pod's author and the metrics are told: the pod was unreadable, or the webhook has a bug. */
function failOpenCode(thrown: unknown): "ERR_POD_MALFORMED" | "ERR_INTERNAL" {
  return thrown instanceof PodUnreadable ? thrown.code : "ERR_INTERNAL";
}

export function failOpen(
  thrown: unknown,
  review: ReviewIdentity & { readonly uid: string },
  request: FastifyRequest,
  reply: FastifyReply,
  metrics: WebhookMetrics,
): FastifyReply {
  const code = failOpenCode(thrown);
  metrics.errors.inc({ code });
  metrics.failOpen.inc();
  metrics.reviews.inc({ decision: "failed-open" });
  metrics.requests.inc(REVIEW_ANSWERED);
  request.log.error({ ...review, err: thrown, code }, "review failed open");
  const warning = thrown instanceof PodUnreadable ? thrown.warning : BUG_WARNING;
  return reply
    .code(200)
    .header("content-type", REVIEW_CONTENT_TYPE)
    .send(allowResponseJson(review.uid, [], [warning]));
}
