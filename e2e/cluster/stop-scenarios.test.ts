// The shared stop scenarios (e2e/stop-scenarios.ts) on a real kubelet: each pod deleted bare and injected by the chart's webhook.
import { beforeAll, describe, expect, inject, it } from "vitest";

import { STOP_SCENARIOS } from "../stop-scenarios.js";
import { isInjected, withNamespace } from "./cluster-pods.js";
import { stopOnCluster } from "./cluster-stop.js";
import { createSuiteNamespaces, INJECTED, UNLABELLED } from "./cluster-scenario.js";

const cluster = inject("cluster");
const images = inject("images");

beforeAll(createSuiteNamespaces);

describe(`Kubernetes ${cluster.release.key}: the stop scenarios, bare and injected`, () => {
  for (const scenario of STOP_SCENARIOS) {
    it(scenario.title, async () => {
      const pod = scenario.pod(images);
      // Side by side, as two pods of a cluster run: the plain one mostly waits out its grace.
      const [plain, injected] = await Promise.all([
        stopOnCluster(cluster, withNamespace(pod, UNLABELLED), scenario.ready),
        stopOnCluster(cluster, withNamespace(pod, INJECTED), scenario.ready),
      ]);
      // Otherwise a scenario whose checks hold for a bare pod would pass without podinit.
      expect(isInjected(plain.pod)).toBe(false);
      expect(isInjected(injected.pod)).toBe(true);
      scenario.check(plain, injected);
    });
  }
});
