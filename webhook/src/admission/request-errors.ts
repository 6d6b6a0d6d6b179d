// Turns Fastify's body and schema failures into webhook errors that name the problem.

import type { FastifyError } from "fastify";
import { BODY_BUDGET_SPENT } from "../body-budget.js";
import { webhookError, type RequestErrorCode, type WebhookError } from "../errors.js";

interface SchemaIssue {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

function fieldName(instancePath: string): string {
  return instancePath.replace(/^\//, "").replaceAll("/", ".");
}

function describeIssue(issue: SchemaIssue): string {
  const field = fieldName(issue.instancePath);
  const subject = field === "" ? "the review" : field;
  switch (issue.keyword) {
    case "required":
      return `${field === "" ? "" : `${field}.`}${String(issue.params["missingProperty"])} is required`;
    case "const":
      return `${subject} must be ${JSON.stringify(issue.params["allowedValue"])}`;
    case "type":
      return `${subject} must be of type ${String(issue.params["type"])}`;
    default:
      return `${subject} ${issue.message ?? "is invalid"}`;
  }
}

const EMPTY_BODY = "the body is empty; expected an AdmissionReview in JSON";

/**
 * `noBody`: the request had no body to parse, which Fastify leaves to the schema to refuse when
 * it also has no Content-Type.
 */
export function requestError(
  error: FastifyError,
  bodyLimitBytes: number,
  noBody: boolean,
): WebhookError<RequestErrorCode> {
  if (Array.isArray(error.validation) && error.validation.length > 0) {
    if (noBody) return webhookError("ERR_REVIEW_NOT_JSON", EMPTY_BODY);
    const issues = (error.validation as SchemaIssue[]).map(describeIssue);
    return webhookError(
      "ERR_REVIEW_INVALID",
      `not an AdmissionReview admission.k8s.io/v1: ${issues.join("; ")}`,
    );
  }
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return webhookError(
        "ERR_REVIEW_TOO_LARGE",
        `the review is larger than the body limit of ${bodyLimitBytes} bytes (--body-limit)`,
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return webhookError(
        "ERR_REVIEW_NOT_JSON",
        "the body must be JSON with Content-Type: application/json",
      );
    case BODY_BUDGET_SPENT:
      return webhookError("ERR_BUSY", error.message);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return webhookError("ERR_REVIEW_NOT_JSON", EMPTY_BODY);
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return webhookError("ERR_REVIEW_NOT_JSON", "the body is not valid JSON");
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return webhookError("ERR_REVIEW_TOO_LARGE", error.message);
  if (status >= 400 && status < 500) {
    const notJson = error instanceof SyntaxError || /JSON/.test(error.message);
    return webhookError(
      notJson ? "ERR_REVIEW_NOT_JSON" : "ERR_REVIEW_INVALID",
      `the body was rejected: ${error.message}`,
    );
  }
  return webhookError("ERR_INTERNAL", "the webhook failed on this request; see its logs");
}
