// The webhook's Deployment, PDB, Service and ServiceAccount: availability, probes and a restricted pod.

import { describe, expect, it } from "vitest";

import { findObject, NAMESPACE, RELEASE, renderChart, type KubeObject } from "./helm-chart.js";
import { COMBINATIONS } from "./value-combinations.js";

interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string; scheme: string } };
  livenessProbe: { httpGet: { path: string; port: string; scheme: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  env: { name: string; value: string }[];
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  enableServiceLinks: boolean;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string } }[];
  topologySpreadConstraints: {
    topologyKey: string;
    maxSkew: number;
    labelSelector: { matchLabels: Record<string, string> };
  }[];
}

interface Deployment extends KubeObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    strategy: { rollingUpdate: { maxUnavailable: number } };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

async function deployment(values = {}) {
  const objects = await renderChart(values);
  const found = findObject<Deployment>(objects, "Deployment", RELEASE);
  const container = found.spec.template.spec.containers[0];
  if (container === undefined) throw new Error("the Deployment has no container");
  return { objects, deployment: found, pod: found.spec.template.spec, container };
}

describe("the webhook Deployment", () => {
  it("runs 2 replicas and replaces them one at a time without dropping below 2", async () => {
    const { deployment: d } = await deployment();
    expect(d.metadata.namespace).toBe(NAMESPACE);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it("probes /readyz and /healthz over HTTPS on the serving port", async () => {
    const { container } = await deployment();
    expect(container.ports).toEqual([{ name: "https", containerPort: 8443, protocol: "TCP" }]);
    expect(container.readinessProbe.httpGet).toEqual({
      path: "/readyz",
      port: "https",
      scheme: "HTTPS",
    });
    expect(container.livenessProbe.httpGet).toEqual({
      path: "/healthz",
      port: "https",
      scheme: "HTTPS",
    });
  });

  it("passes Pod Security Admission restricted without a fixed UID", async () => {
    const { pod, container } = await deployment();
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(JSON.stringify(pod)).not.toContain("runAsUser");
  });

  it("requests CPU and memory and limits memory only, with V8's heap bounded well below the limit", async () => {
    const { container } = await deployment();
    expect(container.resources.requests).toEqual({ cpu: "50m", memory: "96Mi" });
    expect(container.resources.limits).toEqual({ memory: "384Mi" });
    expect(container.env).toContainEqual({
      name: "NODE_OPTIONS",
      value: "--max-old-space-size=128",
    });
  });

  it("spreads replicas over nodes and zones, selecting its own pods", async () => {
    const { deployment: d, pod } = await deployment();
    expect(pod.topologySpreadConstraints.map(c => c.topologyKey)).toEqual([
      "kubernetes.io/hostname",
      "topology.kubernetes.io/zone",
    ]);
    for (const constraint of pod.topologySpreadConstraints) {
      expect(constraint.labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    }
  });

  it("labels its own pods out of injection and turns service links off", async () => {
    const { deployment: d, pod } = await deployment();
    expect(d.spec.template.metadata.labels["podinit.dev/inject"]).toBe("false");
    expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    expect(pod.enableServiceLinks).toBe(false);
  });

  it("mounts the TLS secret read-only where the webhook reads its key pair", async () => {
    const { pod, container } = await deployment();
    expect(pod.volumes.find(v => v.name === "tls")?.secret?.secretName).toBe(`${RELEASE}-tls`);
    expect(container.volumeMounts).toContainEqual({
      name: "tls",
      mountPath: "/tls",
      readOnly: true,
    });
  });

  it("uses the appVersion as the default image tag and a digest when one is given", async () => {
    expect((await deployment()).container.image).toBe("podinit/webhook:0.1.0");
    const digest = `sha256:${"b".repeat(64)}`;
    expect(
      (await deployment({ image: { repository: "example/webhook", digest } })).container.image,
    ).toBe(`example/webhook@${digest}`);
  });

  it("mounts an API token, for the LimitRange watch, with or without the pull-secret lookup", async () => {
    expect((await deployment()).pod.automountServiceAccountToken).toBe(true);
    const off = await deployment(COMBINATIONS["pull-secret lookup off"]);
    expect(off.pod.automountServiceAccountToken).toBe(true);
    expect(findObject(off.objects, "ServiceAccount")["automountServiceAccountToken"]).toBe(true);
  });
});

describe("around the Deployment", () => {
  it("a PodDisruptionBudget lets one replica go at a time, selecting the same pods", async () => {
    const { objects, deployment: d } = await deployment();
    const pdb = findObject(objects, "PodDisruptionBudget");
    expect(pdb["spec"]).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: d.spec.selector.matchLabels },
    });
    const without = await renderChart(COMBINATIONS["single replica without PDB"]);
    expect(without.some(o => o.kind === "PodDisruptionBudget")).toBe(false);
  });

  it("the Service forwards 443 to the container's https port for the same pods", async () => {
    const { objects, deployment: d } = await deployment();
    const service = findObject(objects, "Service", RELEASE);
    expect(service["spec"]).toEqual({
      type: "ClusterIP",
      selector: d.spec.selector.matchLabels,
      ports: [{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }],
    });
  });

  it("the pod runs as the chart's ServiceAccount", async () => {
    const { objects, pod } = await deployment();
    expect(findObject(objects, "ServiceAccount").metadata.name).toBe(pod.serviceAccountName);
  });
});
