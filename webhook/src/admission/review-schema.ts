// JSON schema for POST /mutate: the envelope is checked, the pod itself is read by the mutation.

import { REVIEW_API_VERSION, REVIEW_KIND } from "./types.js";

export const reviewRequestSchema = {
  type: "object",
  required: ["apiVersion", "kind", "request"],
  properties: {
    apiVersion: { const: REVIEW_API_VERSION },
    kind: { const: REVIEW_KIND },
    request: {
      type: "object",
      required: ["uid", "kind", "operation"],
      properties: {
        uid: { type: "string", minLength: 1 },
        kind: {
          type: "object",
          required: ["kind"],
          properties: {
            group: { type: "string" },
            version: { type: "string" },
            kind: { type: "string" },
          },
        },
        subResource: { type: "string" },
        operation: { type: "string" },
        namespace: { type: "string" },
        name: { type: "string" },
        dryRun: { type: "boolean" },
      },
    },
  },
} as const;
