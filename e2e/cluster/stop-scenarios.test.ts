// The shared stop scenarios (e2e/stop-scenarios.ts) on a real kubelet: each pod deleted bare and injected by the chart's webhook.
import { beforeAll, describe, inject, it } from "vitest";

import { STOP_SCENARIOS } from "../stop-scenarios.js";
import { withNamespace } from "./cluster-pods.js";
import { stopOnCluster } from "./cluster-stop.js";
import { createSuiteNamespaces, INJECTED, UNLABELLED } from "./cluster-scenario.js";

const cluster = inject("cluster");
const images = inject("images");

beforeAll(createSuiteNamespaces);

describe(`Kubernetes ${cluster.release.key}: the stop scenarios, bare and injected`, () => {
  for (const scenario of STOP_SCENARIOS) {
    it(scenario.title, async () => {
      const pod = scenario.pod(images);
      const plain = await stopOnCluster(cluster, withNamespace(pod, UNLABELLED), scenario.ready);
      const injected = await stopOnCluster(cluster, withNamespace(pod, INJECTED), scenario.ready);
      scenario.check(plain, injected);
    });
  }
});
