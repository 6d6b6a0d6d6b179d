// RBAC: list and watch on limitranges, and `get` on secrets and serviceaccounts for the pull-secret lookup only.

import { describe, expect, it } from "vitest";

import { findObject, NAMESPACE, renderChart, type KubeObject } from "./helm-chart.js";
import { COMBINATIONS } from "./value-combinations.js";

const RBAC_KINDS = ["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"];

describe("RBAC", () => {
  it("with registry.pullSecrets (the default): watch LimitRanges, get secrets and serviceaccounts", async () => {
    const objects = await renderChart();
    const role = findObject<KubeObject & { rules: unknown[] }>(objects, "ClusterRole");
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["limitranges"], verbs: ["list", "watch"] },
      { apiGroups: [""], resources: ["secrets", "serviceaccounts"], verbs: ["get"] },
    ]);
    expect(
      objects
        .filter(o => RBAC_KINDS.includes(o.kind))
        .map(o => o.kind)
        .sort(),
    ).toEqual(["ClusterRole", "ClusterRoleBinding"]);
  });

  it("binds that role to the webhook's ServiceAccount and nothing else", async () => {
    const objects = await renderChart();
    const binding = findObject<KubeObject & { roleRef: { name: string }; subjects: unknown[] }>(
      objects,
      "ClusterRoleBinding",
    );
    expect(binding.roleRef.name).toBe(findObject(objects, "ClusterRole").metadata.name);
    expect(binding.subjects).toEqual([
      {
        kind: "ServiceAccount",
        name: findObject(objects, "ServiceAccount").metadata.name,
        namespace: NAMESPACE,
      },
    ]);
  });

  it("without the pull-secret lookup the only grant is the LimitRange watch", async () => {
    const objects = await renderChart(COMBINATIONS["pull-secret lookup off"]);
    const role = findObject<KubeObject & { rules: unknown[] }>(objects, "ClusterRole");
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["limitranges"], verbs: ["list", "watch"] },
    ]);
  });
});
