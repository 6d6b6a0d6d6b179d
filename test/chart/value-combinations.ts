// The value sets the chart is rendered and linted with: defaults and the alternatives an operator picks.

import type { Values } from "./helm-chart.js";

export const TEST_CA_PEM = [
  "-----BEGIN CERTIFICATE-----",
  "MIIBdzCCAR2gAwIBAgIUQ2hhcnQgdGVzdCBDQSBub3QgdXNlZDAKBggqhkjOPQQD",
  "-----END CERTIFICATE-----",
].join("\n");

export const COMBINATIONS: Readonly<Record<string, Values>> = {
  defaults: {},
  "cert-manager with the chart's own CA": { tls: { mode: "certManager" } },
  "cert-manager with a ClusterIssuer": {
    tls: {
      mode: "certManager",
      certManager: { issuerRef: { name: "corp-ca", kind: "ClusterIssuer" } },
    },
  },
  "existing secret": {
    tls: { mode: "secret", secret: { name: "my-webhook-tls", caBundle: TEST_CA_PEM } },
  },
  "failurePolicy Fail": { webhook: { failurePolicy: "Fail", timeoutSeconds: 10 } },
  "pull-secret lookup off": { registry: { pullSecrets: false } },
  "auto mode": { injection: { mode: "auto" } },
  "everything optional on": {
    metrics: { serviceMonitor: { enabled: true, labels: { release: "prometheus" } } },
    networkPolicy: {
      enabled: true,
      from: [
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
      ],
    },
    registry: {
      insecure: ["registry.internal:5000"],
      caConfigMap: { name: "registry-ca" },
    },
    initImage: { digest: `sha256:${"a".repeat(64)}`, pullPolicy: "IfNotPresent" },
    injection: {
      injectorContainers: ["my-proxy"],
      pid1Entrypoints: ["/sbin/tini"],
      excludeNamespaces: ["legacy"],
    },
    imagePullSecrets: [{ name: "pull" }],
    priorityClassName: "system-cluster-critical",
  },
  "single replica without PDB": { replicaCount: 1, podDisruptionBudget: { enabled: false } },
};
