// helm lint and helm template for the defaults and each combination; every object passes its OpenAPI schema.

import { describe, expect, it } from "vitest";

import { kindsOf, lintChart, renderChart } from "./helm-chart.js";
import { validateObject } from "./kube-schema.js";
import { COMBINATIONS } from "./value-combinations.js";

const CASES = Object.entries(COMBINATIONS);

describe.each(CASES)("%s", (_name, values) => {
  it("passes helm lint --strict", async () => {
    const outcome = await lintChart(values);
    expect(outcome.stderr + outcome.stdout).toContain("0 chart(s) failed");
    expect(outcome.ok).toBe(true);
  });

  it("renders objects that each validate against the Kubernetes OpenAPI schema", async () => {
    const objects = await renderChart(values);
    expect(objects.length).toBeGreaterThanOrEqual(5);
    for (const object of objects) {
      expect(() => validateObject(object), `${object.kind}/${object.metadata.name}`).not.toThrow();
    }
  });
});

describe("which objects exist", () => {
  it("defaults: the webhook, its TLS secret, the pull-secret RBAC and the PDB; nothing optional", async () => {
    expect(kindsOf(await renderChart())).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "Deployment",
      "MutatingWebhookConfiguration",
      "PodDisruptionBudget",
      "Secret",
      "Service",
      "ServiceAccount",
    ]);
  });

  it("optional objects appear when enabled", async () => {
    const kinds = kindsOf(await renderChart(COMBINATIONS["everything optional on"]));
    expect(kinds).toContain("ServiceMonitor");
    expect(kinds).toContain("NetworkPolicy");
  });

  it("a broken object is caught by the schema check (the check itself can fail)", async () => {
    const [deployment] = (await renderChart()).filter(o => o.kind === "Deployment");
    if (deployment === undefined) throw new Error("no Deployment rendered");
    const broken = { ...deployment, spec: { ...(deployment["spec"] as object), replicas: "two" } };
    expect(() => validateObject(broken)).toThrow(/replicas/);
  });
});
