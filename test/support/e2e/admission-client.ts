// Sends a pod to the webhook as a real AdmissionReview over HTTPS and applies the JSON Patch it answers with.

import { randomUUID } from "node:crypto";
import { request } from "node:https";

// The default import: Node's ESM loader sees no named exports in this CommonJS package.
import jsonPatch, { type Operation } from "fast-json-patch";

import { HarnessError } from "./harness-error.js";
import type { PodManifest } from "./pod-manifest.js";
import type { WebhookServer } from "./webhook-server.js";

export interface Admission {
  readonly allowed: boolean;
  readonly patch: readonly Operation[];
  readonly warnings: readonly string[];
  /** The pod as the API server would store it: the original with the patch applied. */
  readonly pod: PodManifest;
}

interface ReviewResponse {
  readonly response?: {
    readonly uid?: string;
    readonly allowed?: boolean;
    readonly patch?: string;
    readonly warnings?: readonly string[];
  };
}

function post(server: WebhookServer, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}/mutate`,
      {
        method: "POST",
        ca: server.caPem,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      res => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A Pod CREATE in `namespace`, the only operation the webhook mutates. */
export async function admit(
  server: WebhookServer,
  pod: PodManifest,
  namespace = "e2e",
): Promise<Admission> {
  const uid = randomUUID();
  const review = {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid,
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      operation: "CREATE",
      namespace,
      name: pod.metadata.name,
      object: pod,
    },
  };
  const { status, text } = await post(server, JSON.stringify(review));
  const response = (JSON.parse(text) as ReviewResponse).response;
  if (status !== 200 || response?.uid !== uid) {
    throw new HarnessError(
      "ERR_COMMAND_FAILED",
      `the webhook answered ${status} without this review's uid: ${text}`,
    );
  }
  const patch =
    response.patch === undefined
      ? []
      : (JSON.parse(Buffer.from(response.patch, "base64").toString("utf8")) as Operation[]);
  const patched = jsonPatch.applyPatch(jsonPatch.deepClone(pod), patch, true, false)
    .newDocument as PodManifest;
  return {
    allowed: response.allowed === true,
    patch,
    warnings: response.warnings ?? [],
    pod: patched,
  };
}
