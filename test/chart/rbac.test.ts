// RBAC: list and watch on limitranges and namespaces, on nodes and the probes' pods for auto only, and `get` on secrets and serviceaccounts for the pull-secret lookup only.

import { describe, expect, it } from "vitest";

import { findObject, NAMESPACE, renderChart, type KubeObject } from "./helm-chart.js";
import { COMBINATIONS } from "./value-combinations.js";

const RBAC_KINDS = ["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"];

describe("RBAC", () => {
  it("with registry.pullSecrets (the default): watch LimitRanges and namespaces, get secrets and serviceaccounts", async () => {
    const objects = await renderChart();
    const role = findObject<KubeObject & { rules: unknown[] }>(objects, "ClusterRole");
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["limitranges", "namespaces"], verbs: ["list", "watch"] },
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

  it("without the pull-secret lookup the only grant is the LimitRange and namespace watch", async () => {
    const objects = await renderChart(COMBINATIONS["pull-secret lookup off"]);
    const role = findObject<KubeObject & { rules: unknown[] }>(objects, "ClusterRole");
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["limitranges", "namespaces"], verbs: ["list", "watch"] },
    ]);
  });

  it("auto also watches nodes, and the node probes' pods in the release namespace only", async () => {
    const objects = await renderChart(COMBINATIONS["auto mode"], undefined, "1.37.2");
    const role = findObject<KubeObject & { rules: unknown[] }>(objects, "ClusterRole");
    expect(role.rules).toContainEqual({
      apiGroups: [""],
      resources: ["nodes"],
      verbs: ["list", "watch"],
    });
    const probes = findObject<KubeObject & { rules: unknown[] }>(objects, "Role");
    expect(probes.metadata.namespace).toBe(NAMESPACE);
    expect(probes.rules).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
    ]);
    const binding = findObject<KubeObject & { roleRef: { name: string }; subjects: unknown[] }>(
      objects,
      "RoleBinding",
    );
    expect(binding.roleRef.name).toBe(probes.metadata.name);
    expect(binding.subjects).toEqual([
      {
        kind: "ServiceAccount",
        name: findObject(objects, "ServiceAccount").metadata.name,
        namespace: NAMESPACE,
      },
    ]);
  });
});
