// Builds the real app with a log sink, and AdmissionReviews around pods.

import { buildApp, type AppOptions, type WebhookApp } from "../../../webhook/src/app.js";
import { createLogger } from "../../../webhook/src/logger.js";
import { createWebhookMetrics, type WebhookMetrics } from "../../../webhook/src/metrics.js";
import type { Lifecycle } from "../../../webhook/src/routes/health.js";
import { TEST_SETTINGS } from "./settings.js";

export interface TestApp {
  readonly app: WebhookApp;
  readonly logs: Record<string, unknown>[];
  readonly metrics: WebhookMetrics;
  readonly lifecycle: Lifecycle;
}

export async function testApp(overrides: Partial<AppOptions> = {}): Promise<TestApp> {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger("info", {
    write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>),
  });
  const metrics = createWebhookMetrics("0.1.0-test");
  const lifecycle: Lifecycle = { ready: true };
  const app = await buildApp({
    settings: TEST_SETTINGS,
    bodyLimitBytes: 1024 * 1024,
    bodyBudgetBytes: 32 * 1024 * 1024,
    logger,
    metrics,
    lifecycle,
    ...overrides,
  });
  return { app, logs, metrics, lifecycle };
}

export function reviewOf(
  object: unknown,
  request: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      requestKind: { group: "", version: "v1", kind: "Pod" },
      operation: "CREATE",
      namespace: "apps",
      userInfo: { username: "system:serviceaccount:kube-system:replicaset-controller" },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
      ...request,
    },
  };
}

interface ReviewAnswer {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    patchType?: string;
    patch?: string;
    warnings?: string[];
  };
}

export function decodeAnswer(body: string): { answer: ReviewAnswer; patch: unknown[] | null } {
  const answer = JSON.parse(body) as ReviewAnswer;
  const patch =
    answer.response.patch === undefined
      ? null
      : (JSON.parse(Buffer.from(answer.response.patch, "base64").toString("utf8")) as unknown[]);
  return { answer, patch };
}
