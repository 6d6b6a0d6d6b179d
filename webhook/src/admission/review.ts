// Builds AdmissionReview answers: always allowed, with a patch only when there is something to do.

import type { Operation } from "fast-json-patch";
import {
  REVIEW_API_VERSION,
  REVIEW_KIND,
  type AdmissionResponse,
  type AdmissionReviewResponse,
} from "./types.js";

/** kubectl prints warnings bare; the prefix tells users which webhook is talking. */
const WARNING_PREFIX = "podinit: ";

export function allowResponse(
  uid: string,
  patch: readonly Operation[],
  warnings: readonly string[],
): AdmissionReviewResponse {
  const response: AdmissionResponse = {
    uid,
    allowed: true,
    ...(patch.length === 0
      ? {}
      : {
          patchType: "JSONPatch" as const,
          patch: Buffer.from(JSON.stringify(patch)).toString("base64"),
        }),
    ...(warnings.length === 0 ? {} : { warnings: warnings.map(w => WARNING_PREFIX + w) }),
  };
  return { apiVersion: REVIEW_API_VERSION, kind: REVIEW_KIND, response };
}
