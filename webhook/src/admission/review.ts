// Builds AdmissionReview answers: always allowed, with a patch only when there is something to do.

import type { Operation } from "fast-json-patch";
import { REVIEW_API_VERSION, REVIEW_KIND } from "./types.js";

/** kubectl prints warnings bare; the prefix tells users which webhook is talking. */
const WARNING_PREFIX = "podinit: ";

/** What Fastify would have sent for an object; set by hand, since the answer is sent as text. */
export const REVIEW_CONTENT_TYPE = "application/json; charset=utf-8";

/**
 * http_requests_total's labels for a review answered: allowed, patched or failed open, always 200.
 * Counted where it is answered rather than in an onResponse hook, which would cost every request
 * a hook run.
 */
export const REVIEW_ANSWERED = Object.freeze({ route: "/mutate", status: "200" });

const OPENING = `{"apiVersion":"${REVIEW_API_VERSION}","kind":"${REVIEW_KIND}","response":{"uid":`;

/**
 * The AdmissionReview answer as JSON text: exactly what JSON.stringify gives for the object the
 * types describe. Most of the text is the base64 patch, which has nothing to escape; written in
 * directly, it is not scanned character by character a second time.
 */
export function allowResponseJson(
  uid: string,
  patch: readonly Operation[],
  warnings: readonly string[],
): string {
  let json = `${OPENING}${JSON.stringify(uid)},"allowed":true`;
  if (patch.length > 0) {
    const encoded = Buffer.from(JSON.stringify(patch)).toString("base64");
    json += `,"patchType":"JSONPatch","patch":"${encoded}"`;
  }
  if (warnings.length > 0) {
    json += `,"warnings":${JSON.stringify(warnings.map(w => WARNING_PREFIX + w))}`;
  }
  return `${json}}}`;
}
