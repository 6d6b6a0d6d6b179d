// AdmissionReview admission.k8s.io/v1, the fields the webhook reads and writes.

export const REVIEW_API_VERSION = "admission.k8s.io/v1";
export const REVIEW_KIND = "AdmissionReview";

export interface GroupVersionKind {
  readonly group?: string;
  readonly version?: string;
  readonly kind: string;
}

export interface AdmissionRequest {
  /** Echoed in the response; the API server matches answers to requests by it. */
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly subResource?: string;
  readonly operation: string;
  readonly namespace?: string;
  readonly name?: string;
  /** The object being admitted, raw JSON exactly as the API server sent it. */
  readonly object?: unknown;
  /** On UPDATE: the pod as it is stored now. */
  readonly oldObject?: unknown;
  readonly dryRun?: boolean;
}

export interface AdmissionReviewRequest {
  readonly apiVersion: typeof REVIEW_API_VERSION;
  readonly kind: typeof REVIEW_KIND;
  readonly request: AdmissionRequest;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: true;
  readonly patchType?: "JSONPatch";
  /** base64 of the JSON Patch document. */
  readonly patch?: string;
  /** Shown by kubectl as "Warning: …". */
  readonly warnings?: readonly string[];
}

export interface AdmissionReviewResponse {
  readonly apiVersion: typeof REVIEW_API_VERSION;
  readonly kind: typeof REVIEW_KIND;
  readonly response: AdmissionResponse;
}
