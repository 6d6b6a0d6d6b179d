// The MutatingWebhookConfiguration: which pods reach the webhook, and how the API server calls it.

import { describe, expect, it } from "vitest";

import { findObject, NAMESPACE, RELEASE, renderChart, type KubeObject } from "./helm-chart.js";

interface Expression {
  key: string;
  operator: string;
  values: string[];
}

interface MutatingWebhook {
  name: string;
  admissionReviewVersions: string[];
  sideEffects: string;
  failurePolicy: string;
  timeoutSeconds: number;
  matchPolicy: string;
  reinvocationPolicy: string;
  clientConfig: { service: Record<string, unknown>; caBundle?: string };
  rules: Record<string, unknown>[];
  namespaceSelector: { matchExpressions: Expression[]; matchLabels?: unknown };
  objectSelector: { matchExpressions: Expression[]; matchLabels?: unknown };
  matchConditions?: { name: string; expression: string }[];
}

async function webhook(values = {}): Promise<MutatingWebhook> {
  const config = findObject<KubeObject & { webhooks: MutatingWebhook[] }>(
    await renderChart(values),
    "MutatingWebhookConfiguration",
  );
  expect(config.webhooks).toHaveLength(1);
  return config.webhooks[0] as MutatingWebhook;
}

/** Evaluates a label selector's matchExpressions the way the API server does. */
function selects(
  selector: { matchExpressions: Expression[] },
  labels: Record<string, string>,
): boolean {
  return selector.matchExpressions.every(({ key, operator, values }) => {
    const value = labels[key];
    if (operator === "In") return value !== undefined && values.includes(value);
    if (operator === "NotIn") return value === undefined || !values.includes(value);
    throw new Error(`operator ${operator} not modelled`);
  });
}

const namespaceLabels = (name: string, extra: Record<string, string> = {}) => ({
  "kubernetes.io/metadata.name": name,
  ...extra,
});

describe("the MutatingWebhookConfiguration", () => {
  it("speaks AdmissionReview v1, has no side effects, matches equivalent versions and reinvokes", async () => {
    const w = await webhook();
    expect(w.admissionReviewVersions).toEqual(["v1"]);
    expect(w.sideEffects).toBe("None");
    expect(w.matchPolicy).toBe("Equivalent");
    expect(w.reinvocationPolicy).toBe("IfNeeded");
  });

  it("is called for pod CREATE, and UPDATE of the pods it injected", async () => {
    const w = await webhook();
    expect(w.rules).toEqual([
      {
        apiGroups: [""],
        apiVersions: ["v1"],
        resources: ["pods"],
        operations: ["CREATE", "UPDATE"],
        scope: "Namespaced",
      },
    ]);
    // The API server evaluates the expression; the real clusters' suites show it selects right.
    expect(w.matchConditions?.map(c => c.name)).toEqual(["creates-and-updates-of-injected-pods"]);
  });

  it("calls the chart's Service on /mutate", async () => {
    expect((await webhook()).clientConfig.service).toEqual({
      name: RELEASE,
      namespace: NAMESPACE,
      path: "/mutate",
      port: 443,
    });
  });

  it("defaults to failurePolicy Ignore with a 5 s timeout; both are values", async () => {
    const defaults = await webhook();
    expect([defaults.failurePolicy, defaults.timeoutSeconds]).toEqual(["Ignore", 5]);
    const strict = await webhook({ webhook: { failurePolicy: "Fail", timeoutSeconds: 12 } });
    expect([strict.failurePolicy, strict.timeoutSeconds]).toEqual(["Fail", 12]);
  });

  it("selects only namespaces labelled podinit.dev/inject=enabled", async () => {
    const { namespaceSelector } = await webhook();
    expect(namespaceSelector.matchLabels).toBeUndefined();
    expect(
      selects(namespaceSelector, namespaceLabels("shop", { "podinit.dev/inject": "enabled" })),
    ).toBe(true);
    expect(selects(namespaceSelector, namespaceLabels("shop"))).toBe(false);
    expect(
      selects(namespaceSelector, namespaceLabels("shop", { "podinit.dev/inject": "disabled" })),
    ).toBe(false);
  });

  it.each(["kube-system", "kube-public", "kube-node-lease", NAMESPACE])(
    "never selects %s, even when it is labelled",
    async name => {
      const { namespaceSelector } = await webhook();
      expect(
        selects(namespaceSelector, namespaceLabels(name, { "podinit.dev/inject": "enabled" })),
      ).toBe(false);
    },
  );

  it("excludes the namespaces listed in injection.excludeNamespaces as well", async () => {
    const { namespaceSelector } = await webhook({ injection: { excludeNamespaces: ["legacy"] } });
    expect(
      selects(namespaceSelector, namespaceLabels("legacy", { "podinit.dev/inject": "enabled" })),
    ).toBe(false);
    expect(
      selects(namespaceSelector, namespaceLabels("shop", { "podinit.dev/inject": "enabled" })),
    ).toBe(true);
  });

  it("a pod labelled podinit.dev/inject=false is not sent; other pods are", async () => {
    const { objectSelector } = await webhook();
    expect(selects(objectSelector, { "podinit.dev/inject": "false", app: "web" })).toBe(false);
    expect(selects(objectSelector, { app: "web" })).toBe(true);
    expect(selects(objectSelector, {})).toBe(true);
  });
});
