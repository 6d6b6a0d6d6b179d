// Every realistic pod in test/fixtures/pods: exact patch, valid Pod, idempotent, PSA kept.

import { deepClone } from "fast-json-patch";
import { Pod as PodModel } from "kubernetes-models/v1/Pod";
import { describe, expect, it } from "vitest";
import { installerUid, patched } from "./helpers/pods.js";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import { podQosClass } from "../../webhook/src/mutation/pod-qos.js";
import type { Pod } from "../../webhook/src/mutation/pod-types.js";
import { readPod } from "../../webhook/src/mutation/read-pod.js";
import { loadPodFixture, podFixtureNames } from "../fixtures/load.js";
import { restrictedViolations } from "./helpers/psa-restricted.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

const NAMES = podFixtureNames();

function mutateFixture(name: string) {
  const raw = loadPodFixture(name);
  const pod = readPod(raw);
  if (pod === null) throw new Error(`${name} is not shaped like a pod`);
  const namespace = pod.metadata?.namespace ?? "apps";
  const pristine = deepClone(raw) as unknown;
  const result = mutatePod(pod, namespace, TEST_SETTINGS);
  return { raw, pristine, namespace, result };
}

/** What a user should see for each pod: decision, wrapped containers, skip reasons. */
const EXPECTED: Record<
  string,
  { decision: string; reason?: string; wrapped?: string[]; skipped?: Record<string, string> }
> = {
  "already-injected": { decision: "reinvoked", wrapped: [] },
  "argo-workflow-step": {
    decision: "injected",
    wrapped: ["wait", "main"],
    skipped: { init: "init-container" },
  },
  "batch-job": { decision: "injected", wrapped: ["migrate"] },
  "celery-worker": { decision: "injected", wrapped: ["worker"] },
  "cronjob-backup": { decision: "injected", wrapped: ["backup"] },
  elasticsearch: {
    decision: "skipped",
    reason: "no-eligible-containers",
    skipped: { sysctl: "init-container", elasticsearch: "no-command" },
  },
  "existing-podinit-volume": { decision: "injected", wrapped: ["tools"] },
  "gitlab-runner-root-job": {
    decision: "injected",
    wrapped: ["build", "helper"],
    skipped: { "init-permissions": "init-container" },
  },
  "init-containers-default": {
    decision: "injected",
    wrapped: ["keycloak"],
    skipped: { "theme-provider": "init-container" },
  },
  "init-containers-opt-in": {
    decision: "injected",
    wrapped: ["wait-for-db", "gateway"],
    skipped: { "render-config": "no-command" },
  },
  "istio-native-sidecar": {
    decision: "injected",
    wrapped: ["reviews"],
    skipped: { "istio-init": "init-container", "istio-proxy": "injector-container" },
  },
  "kafka-strimzi": { decision: "injected", wrapped: ["kafka"] },
  "kube-system-coredns": { decision: "skipped", reason: "namespace-excluded" },
  "limit-range-defaulted": { decision: "injected", wrapped: ["api"] },
  "linkerd-injected": {
    decision: "injected",
    wrapped: ["web-svc"],
    skipped: { "linkerd-init": "init-container", "linkerd-proxy": "injector-container" },
  },
  "multi-container-jvm": {
    decision: "injected",
    wrapped: ["inventory"],
    skipped: { "fluent-bit": "no-command", "jmx-exporter": "excluded" },
  },
  mysql: { decision: "injected", wrapped: ["mysql"] },
  "native-sidecar-vector": { decision: "injected", wrapped: ["vector", "ingest"] },
  "nginx-chart-no-command": {
    decision: "skipped",
    reason: "no-eligible-containers",
    skipped: { controller: "no-command" },
  },
  "nginx-deployment": { decision: "injected", wrapped: ["nginx"] },
  "no-metadata": { decision: "injected", wrapped: ["pause"] },
  "node-express-minimal": { decision: "injected", wrapped: ["hello"] },
  "opted-out": { decision: "skipped", reason: "opted-out" },
  "per-container-annotations": {
    decision: "injected",
    wrapped: ["nginx", "php-fpm"],
    skipped: { exporter: "opted-out", debug: "not-selected" },
  },
  "postgres-statefulset": {
    decision: "injected",
    wrapped: ["postgresql"],
    skipped: { "init-chmod-data": "init-container" },
  },
  "psa-restricted": { decision: "injected", wrapped: ["api"] },
  "psa-restricted-openshift": { decision: "injected", wrapped: ["catalog"] },
  "python-gunicorn": { decision: "injected", wrapped: ["web"] },
  redis: { decision: "injected", wrapped: ["redis", "metrics"] },
  "s6-overlay": {
    decision: "skipped",
    reason: "no-eligible-containers",
    skipped: { jellyfin: "must-be-pid-1", "systemd-test": "must-be-pid-1" },
  },
  "sidecar-fluent-bit": {
    decision: "injected",
    wrapped: ["app"],
    skipped: { "fluent-bit": "no-command" },
  },
  "spring-boot-jvm": { decision: "injected", wrapped: ["orders-api"] },
  "vault-agent": {
    decision: "injected",
    wrapped: ["payments"],
    skipped: { "vault-agent-init": "init-container", "vault-agent": "injector-container" },
  },
  "windows-affinity": { decision: "skipped", reason: "windows" },
  "windows-hostprocess": { decision: "skipped", reason: "windows" },
  "windows-iis": { decision: "skipped", reason: "windows" },
  "invalid-annotations": { decision: "injected", wrapped: ["web", "worker"] },
};

describe("fixture corpus", () => {
  it("has at least 25 pods, each with an expected outcome", () => {
    expect(NAMES.length).toBeGreaterThanOrEqual(25);
    expect(Object.keys(EXPECTED).sort()).toEqual(NAMES);
  });

  it.each(NAMES)("%s: decision, wrapped containers and skip reasons", name => {
    const { result } = mutateFixture(name);
    const expected = EXPECTED[name];
    expect(result.decision).toBe(expected?.decision);
    if (expected?.reason !== undefined) expect(result.reason).toBe(expected.reason);
    expect(result.wrapped).toEqual(expected?.wrapped ?? []);
    expect(result.skippedContainers).toEqual(expected?.skipped ?? {});
  });

  it.each(NAMES)("%s: the patch applied to the original gives exactly the mutated pod", name => {
    const { raw, pristine, result } = mutateFixture(name);
    expect(patched(pristine, result.patch)).toEqual(result.pod);
    expect(raw).toEqual(pristine);
  });

  it.each(NAMES)("%s: the mutated pod validates against the Kubernetes Pod schema", name => {
    const { result } = mutateFixture(name);
    expect(() => new PodModel(deepClone(result.pod) as never).validate()).not.toThrow();
  });

  it.each(NAMES)("%s: mutating the mutated pod changes nothing", name => {
    const { namespace, result } = mutateFixture(name);
    const again = mutatePod(result.pod, namespace, TEST_SETTINGS);
    expect(again.patch).toEqual([]);
    expect(again.pod).toEqual(result.pod);
  });

  const RESTRICTED = NAMES.filter(n => restrictedViolations(loadPodFixture(n)).length === 0);

  it.each(RESTRICTED)("%s: a pod that passed PSA restricted still passes", name => {
    expect(restrictedViolations(mutateFixture(name).result.pod)).toEqual([]);
  });

  // Over the injected ones: a skipped pod is unchanged and has no installer to look at.
  const INJECTED = NAMES.filter(n => EXPECTED[n]?.decision === "injected");

  it.each(INJECTED)("%s: the QoS class stays, and the installer never runs as root", name => {
    const { pristine, result } = mutateFixture(name);
    expect(podQosClass(result.pod)).toBe(podQosClass(pristine as Pod));
    expect(installerUid(result.pod)).not.toBe(0);
  });

  it("has PSA-restricted pods among the fixtures, so the PSA check is not vacuous", () => {
    expect(RESTRICTED).toEqual(
      expect.arrayContaining(["psa-restricted", "psa-restricted-openshift", "multi-container-jvm"]),
    );
  });
});
