// The installer inside a namespace's LimitRanges: sized to fit, or the pod admitted without podinit, never rejected.
import { describe, expect, it } from "vitest";
import { readLimitRange } from "../../webhook/src/kube/limit-range-watch.js";
import type { LimitRangeItem, NamespaceLimits } from "../../webhook/src/mutation/limit-ranges.js";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import { podQosClass } from "../../webhook/src/mutation/pod-qos.js";
import type { Container, Pod } from "../../webhook/src/mutation/pod-types.js";
import { app, deepFreeze, podWith } from "./helpers/pods.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

const BURSTABLE = {
  requests: { cpu: "100m", memory: "64Mi" },
  limits: { cpu: "200m", memory: "64Mi" },
};
const GUARANTEED = {
  requests: { cpu: "250m", memory: "256Mi" },
  limits: { cpu: "250m", memory: "256Mi" },
};

const podOf = (resources: object): Pod => deepFreeze(podWith([app("app", { resources })]));
const range = (...items: LimitRangeItem[]) => ({ name: "limits", items });

function inject(pod: Pod, limits: NamespaceLimits) {
  return mutatePod(pod, "apps", TEST_SETTINGS, undefined, undefined, limits);
}

function installerOf(pod: Pod): Container | undefined {
  return pod.spec.initContainers?.find(c => c.name === "podinit-install");
}

describe("LimitRanges", () => {
  it.each([
    [
      "raises the installer to a Container min, and its limit with it",
      { min: { cpu: "50m", memory: "20Mi" } },
      { requests: { cpu: "50m", memory: "20Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
    ],
    [
      "lowers the installer's limit to a max, and its request under it",
      { max: { cpu: "5m", memory: "1Gi" } },
      { requests: { cpu: "5m", memory: "16Mi" }, limits: { cpu: "5m", memory: "32Mi" } },
    ],
    [
      "lowers the installer's limit to a maxLimitRequestRatio",
      { maxLimitRequestRatio: { cpu: "4", memory: "1.5" } },
      { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "40m", memory: "24Mi" } },
    ],
  ])("%s", (_, item, sized) => {
    const result = inject(podOf(BURSTABLE), [range({ type: "Container", ...item })]);
    expect(installerOf(result.pod)?.resources).toEqual(sized);
  });

  it("meets the strictest of several LimitRanges, and keeps a Guaranteed pod Guaranteed", () => {
    const limits = [
      range({ type: "Container", min: { cpu: "120m" } }),
      { name: "second", items: [{ type: "Container", max: { cpu: "150m", memory: "24Mi" } }] },
    ];
    const result = inject(podOf(GUARANTEED), limits);
    expect(podQosClass(result.pod)).toBe("Guaranteed");
    expect(installerOf(result.pod)?.resources).toEqual({
      requests: { cpu: "120m", memory: "24Mi" },
      limits: { cpu: "120m", memory: "24Mi" },
    });
  });

  it("admits the pod without podinit, with a warning, when no size fits", () => {
    const limits = [range({ type: "Container", min: { cpu: "150m" }, max: { cpu: "120m" } })];
    const result = inject(podOf(GUARANTEED), limits);
    expect(result).toMatchObject({ decision: "skipped", reason: "limit-range" });
    expect(installerOf(result.pod)).toBeUndefined();
    expect(result.warnings).toEqual([
      "podinit-install would break LimitRange limits: minimum cpu usage per Container is 150m, but request is 120m; admitted without podinit",
    ]);
  });

  it("lets LimitRanger's defaults fill what the installer leaves out, and checks them", () => {
    const storage = {
      type: "Container",
      min: { "ephemeral-storage": "1Gi" },
      defaultRequest: { "ephemeral-storage": "1Gi" },
    };
    expect(inject(podOf(BURSTABLE), [range(storage)]).decision).toBe("injected");
    const noDefault = { type: "Container", min: { "nvidia.com/gpu": "1" } };
    expect(inject(podOf(BURSTABLE), [range(noDefault)]).reason).toBe("limit-range");
  });

  it("keeps a Pod max the pod keeps, counting the installer as the init container it is", () => {
    const small = {
      requests: { cpu: "20m", memory: "20Mi" },
      limits: { cpu: "20m", memory: "20Mi" },
    };
    const result = inject(podOf(small), [
      range({ type: "Pod", max: { cpu: "30m", memory: "30Mi" } }),
    ]);
    expect(result.decision).toBe("injected");
    const installer = installerOf(result.pod);
    expect(installer?.resources).toEqual({
      requests: { cpu: "20m", memory: "20Mi" },
      limits: { cpu: "20m", memory: "20Mi" },
    });
  });

  it("fails open, with reason limit-range, before the namespace's LimitRanges are known", () => {
    const result = inject(podOf(BURSTABLE), "unknown");
    expect(result.reason).toBe("limit-range");
    expect(result.warnings).toEqual([
      expect.stringMatching(/LimitRanges are not known yet.*admitted without podinit/),
    ]);
  });

  it("fails open on a quantity it cannot read, naming it", () => {
    const result = inject(podOf(BURSTABLE), [range({ type: "Container", min: { cpu: "fifty" } })]);
    expect(result.reason).toBe("limit-range");
    expect(result.warnings).toEqual([
      expect.stringContaining("cpu 'fifty' is not a quantity the webhook can read"),
    ]);
  });
});

describe("readLimitRange", () => {
  const stored = (item: object) => ({
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "cpu", namespace: "team-a", resourceVersion: "7" },
    spec: { limits: [item] },
  });

  it("reads a LimitRange from the watch (JSON) and from the list (the client's typed objects)", () => {
    const fromWatch = readLimitRange(
      stored({ type: "Container", default: { cpu: "1" }, min: { cpu: "50m" } }),
    );
    const fromList = readLimitRange(
      stored({ type: "Container", _default: { cpu: "1" }, min: { cpu: "50m" } }),
    );
    expect(fromWatch).toEqual({
      namespace: "team-a",
      range: {
        name: "cpu",
        items: [{ type: "Container", default: { cpu: "1" }, min: { cpu: "50m" } }],
      },
    });
    expect(fromList).toEqual(fromWatch);
  });

  it.each([
    null,
    "x",
    { metadata: { name: "a" }, spec: {} },
    { metadata: {}, spec: { limits: [] } },
  ])("ignores %j, which is no LimitRange", object => {
    expect(readLimitRange(object)).toBeNull();
  });
});

// Found by an independent review that ran our output through Kubernetes' own LimitRanger.
describe("LimitRanges, as LimitRanger rounds and reruns", () => {
  it("lowers a limit for a ratio to whole millicores, which LimitRanger compares rounded up", () => {
    const pod = podOf({
      requests: { cpu: "1", memory: "1Gi" },
      limits: { cpu: "1250m", memory: "1Gi" },
    });
    const result = inject(pod, [
      range({ type: "Container", maxLimitRequestRatio: { cpu: "1.25" } }),
    ]);
    // 10m × 1.25 = 12.5m would be compared as 13m / 10m = 1.3 > 1.25, and rejected.
    expect(installerOf(result.pod)?.resources?.limits).toMatchObject({ cpu: "12m" });
  });

  it("writes LimitRanger's defaults into the installer: its rerun may come before podinit injects", () => {
    const storage = {
      type: "Container",
      min: { "ephemeral-storage": "10Mi" },
      max: { "ephemeral-storage": "2Gi" },
      defaultRequest: { "ephemeral-storage": "10Mi" },
      default: { "ephemeral-storage": "2Gi" },
    };
    const result = inject(podOf(BURSTABLE), [range(storage)]);
    expect(installerOf(result.pod)?.resources).toMatchObject({
      requests: { "ephemeral-storage": "10Mi" },
      limits: { "ephemeral-storage": "2Gi" },
    });
  });

  it("keeps the defaults of a LimitRange out of a pod with pod-level resources where the pod's own fit", () => {
    // As the webhook sees it: LimitRanger already gave the container the 500m / 512Mi defaults.
    const pod = deepFreeze(
      podWith(
        [
          app("app", {
            resources: {
              requests: { cpu: "100m", memory: "64Mi" },
              limits: { cpu: "500m", memory: "512Mi" },
            },
          }),
        ],
        { spec: { resources: { limits: { cpu: "1", memory: "1Gi" } } } },
      ),
    );
    const defaults = { type: "Container", default: { cpu: "500m", memory: "512Mi" } };
    const result = inject(pod, [range(defaults)]);
    expect(installerOf(result.pod)?.resources).toEqual({
      requests: { cpu: "10m", memory: "16Mi" },
      limits: { cpu: "100m", memory: "32Mi" },
    });
  });
});
