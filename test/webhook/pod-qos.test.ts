// The QoS class as the API server computes it, over the shapes Kubernetes' own ComputePodQOS test uses.
import { describe, expect, it } from "vitest";
import { podQosClass } from "../../webhook/src/mutation/pod-qos.js";
import type { Container, Pod } from "../../webhook/src/mutation/pod-types.js";
import { parseQuantity } from "../../webhook/src/mutation/quantity.js";
import { app, podWith } from "./helpers/pods.js";

const cpuMemory = (cpu: string, memory: string) => ({ cpu, memory });

// ephemeral-storage never counts, not even when it alone differs.
const GUARANTEED = {
  requests: { ...cpuMemory("100m", "100Mi"), "ephemeral-storage": "10Gi" },
  limits: cpuMemory("100m", "100Mi"),
};
const BEST_EFFORT = [
  {},
  { requests: cpuMemory("0", "0") },
  { requests: cpuMemory("0", "0"), limits: cpuMemory("0", "0") },
  { requests: { "ephemeral-storage": "10Gi" } },
  { requests: { "ephemeral-storage": "10Gi" }, limits: { "ephemeral-storage": "10Gi" } },
];
const BURSTABLE = [
  { requests: cpuMemory("100m", "100Mi"), limits: cpuMemory("200m", "200Mi") },
  { requests: cpuMemory("100m", "100Mi"), limits: cpuMemory("100m", "200Mi") },
  { requests: cpuMemory("100m", "100Mi"), limits: cpuMemory("200m", "100Mi") },
  { requests: cpuMemory("100m", "100Mi") },
  { requests: cpuMemory("100m", "100Mi"), limits: { cpu: "100m" } },
];

const container = (name: string, resources: object): Container => app(name, { resources });
const podOf = (...resources: object[]): Pod =>
  podWith(resources.map((r, i) => container(`c${i}`, r)));

describe("podQosClass", () => {
  it("one container: Guaranteed, BestEffort and Burstable shapes", () => {
    expect(podQosClass(podOf(GUARANTEED))).toBe("Guaranteed");
    for (const r of BEST_EFFORT) expect(podQosClass(podOf(r))).toBe("BestEffort");
    for (const r of BURSTABLE) expect(podQosClass(podOf(r))).toBe("Burstable");
  });

  it("two containers: alike keep the class, any mix is Burstable, init containers count", () => {
    const second: [object, object, string][] = [
      [GUARANTEED, GUARANTEED, "Guaranteed"],
      [BEST_EFFORT[0] ?? {}, BEST_EFFORT[1] ?? {}, "BestEffort"],
      [BURSTABLE[0] ?? {}, BURSTABLE[1] ?? {}, "Burstable"],
      [GUARANTEED, BEST_EFFORT[1] ?? {}, "Burstable"],
      [BEST_EFFORT[0] ?? {}, GUARANTEED, "Burstable"],
      [GUARANTEED, BURSTABLE[1] ?? {}, "Burstable"],
      [BURSTABLE[0] ?? {}, BEST_EFFORT[1] ?? {}, "Burstable"],
    ];
    for (const [first, other, expected] of second) {
      expect(podQosClass(podOf(first, other))).toBe(expected);
      const withInit = podWith([container("app", first)], {
        spec: { initContainers: [container("init", other)] },
      });
      expect(podQosClass(withInit)).toBe(expected);
    }
  });

  it("equal quantities in other spellings are equal: 0.1 = 100m, 1Gi = 1024Mi", () => {
    const resources = {
      requests: cpuMemory("0.1", "1Gi"),
      limits: cpuMemory("100m", "1024Mi"),
    };
    expect(podQosClass(podOf(resources))).toBe("Guaranteed");
  });

  it("pod-level resources alone decide, whatever the containers say", () => {
    const guaranteedContainers = podOf(GUARANTEED);
    for (const [resources, expected] of [
      [BURSTABLE[0] ?? {}, "Burstable"],
      [GUARANTEED, "Guaranteed"],
      [{ limits: cpuMemory("1", "1Gi"), requests: cpuMemory("1", "1Gi") }, "Guaranteed"],
    ] as const) {
      const pod = { ...guaranteedContainers, spec: { ...guaranteedContainers.spec, resources } };
      expect(podQosClass(pod)).toBe(expected);
    }
    // Pod-level resources that name neither cpu nor memory are not set, for QoS.
    const storageOnly = { requests: { "ephemeral-storage": "1Gi" } };
    const pod = {
      ...guaranteedContainers,
      spec: { ...guaranteedContainers.spec, resources: storageOnly },
    };
    expect(podQosClass(pod)).toBe("Guaranteed");
  });
});

describe("parseQuantity", () => {
  it.each([
    ["100m", 100_000_000n],
    ["0.1", 100_000_000n],
    ["1", 1_000_000_000n],
    ["1Ki", 1024n * 1_000_000_000n],
    ["16Mi", 16n * 1_048_576n * 1_000_000_000n],
    ["1e3", 1000n * 1_000_000_000n],
    ["1E3", 1000n * 1_000_000_000n],
    ["2E", 2n * 10n ** 18n * 1_000_000_000n],
    ["1k", 1000n * 1_000_000_000n],
    ["1.5G", 1_500_000_000n * 1_000_000_000n],
    ["1n", 1n],
    ["0.1n", 1n],
    [".5", 500_000_000n],
    ["+1", 1_000_000_000n],
    ["-1m", -1_000_000n],
    // The API server keeps the text as written: an exponent with leading zeros is still 10^9.
    ["1e0009", 10n ** 18n],
    ["5e-0003", 5_000_000n],
  ])("%s is %s nanos", (text, nanos) => {
    expect(parseQuantity(text)).toBe(nanos);
  });

  it.each(["", "m", "1.5.5", "1 m", "1mi", "1KB", "one", "1Mi ", "0x10"])(
    "'%s' is not a quantity",
    text => {
      expect(parseQuantity(text)).toBeNull();
    },
  );
});
