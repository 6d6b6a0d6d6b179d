import { applyPatch, deepClone, type Operation } from "fast-json-patch";
import { describe, expect, it } from "vitest";
import type { ImageEntrypoint } from "../../webhook/src/mutation/entrypoint.js";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import {
  appendOperation,
  escapePointerToken,
  setMember,
} from "../../webhook/src/mutation/patch.js";
import type { Container, Pod } from "../../webhook/src/mutation/pod-types.js";
import { deepFreeze } from "./helpers/pods.js";
import { seededRandom, type Random } from "./helpers/prng.js";
import { TEST_SETTINGS } from "./helpers/settings.js";

function apply(original: unknown, operations: readonly Operation[]): unknown {
  const copy = deepClone(operations) as Operation[];
  return applyPatch(deepClone(original), copy, true, true).newDocument as unknown;
}

describe("escapePointerToken", () => {
  it.each([
    ["podinit.dev/status", "podinit.dev~1status"],
    ["a~b/c", "a~0b~1c"],
    ["~1", "~01"],
    ["plain", "plain"],
  ])("%s → %s", (key, escaped) => {
    expect(escapePointerToken(key)).toBe(escaped);
  });
});

describe("operations", () => {
  it("adds a member the object lacks and replaces one it has, escaping the key", () => {
    expect(setMember({ a: 1 }, "/m", "podinit.dev/status", "x")).toEqual({
      op: "add",
      path: "/m/podinit.dev~1status",
      value: "x",
    });
    expect(setMember({ "podinit.dev/status": "old" }, "/m", "podinit.dev/status", "x")).toEqual({
      op: "replace",
      path: "/m/podinit.dev~1status",
      value: "x",
    });
  });

  it("appends after the last element, or adds the list when there is none", () => {
    expect(appendOperation("/spec/volumes", [{ name: "a" }], { name: "b" })).toEqual({
      op: "add",
      path: "/spec/volumes/1",
      value: { name: "b" },
    });
    expect(appendOperation("/spec/volumes", undefined, { name: "b" })).toEqual({
      op: "add",
      path: "/spec/volumes",
      value: [{ name: "b" }],
    });
  });
});

/** One of `options`, or undefined (the field left out) as often as each of them. */
function maybe<T>(random: Random, options: readonly T[]): T | undefined {
  return options[random.int(options.length + 1)];
}

const NAMES = ["app", "web", "worker", "sidecar", "istio-proxy", "a/b", "x~y"];

function randomContainer(random: Random, name: string, initContainer: boolean): Container {
  const container: Record<string, unknown> = { name, image: `example/${random.int(3)}:1` };
  const command = maybe(random, [
    [],
    ["/app"],
    ["sh", "-c", "exec app $(PORT)"],
    ...(random.next() < 0.05 ? [["/.podinit/podinit", "--", "/app"]] : []),
  ]);
  if (command !== undefined) container["command"] = command;
  const args = maybe(random, [[], ["--port=1"]]);
  if (args !== undefined) container["args"] = args;
  const mounts = maybe(random, [[], [{ name: "data", mountPath: "/data" }]]);
  if (mounts !== undefined) container["volumeMounts"] = mounts;
  if (random.next() < 0.1) container["volumeMounts"] = [{ name: "x", mountPath: "/.podinit" }];
  if (initContainer && random.next() < 0.4) container["restartPolicy"] = "Always";
  if (random.next() < 0.5) container["env"] = [{ name: "A", value: "$(B)" }];
  return container as Container;
}

function randomAnnotations(random: Random, names: readonly string[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  const name = random.pick(names);
  const choices: [string, string][] = [
    ["podinit.dev/grace-period", random.pick(["10s", "-5s", "1h"])],
    [`podinit.dev/grace-period.${name}`, "12s"],
    ["podinit.dev/stop-signal", random.pick(["QUIT", "NOPE"])],
    [`podinit.dev/stop-delay.${name}`, random.pick(["1s", "40s"])],
    ["podinit.dev/remap-exit", "143:0"],
    ["podinit.dev/containers", names.slice(0, 2).join(",")],
    ["podinit.dev/exclude-containers", name],
    ["podinit.dev/init-containers", random.pick(["true", "false"])],
    [`podinit.dev/inject.${name}`, "false"],
    ["podinit.dev/status", random.pick(["old", "{}"])],
    ["podinit.dev/typo", "1"],
    ["podinit.dev/inject", "false"],
    ["kubernetes.io/config.mirror", "x"],
    ["other/annotation", "kept"],
  ];
  for (const [key, value] of choices) if (random.next() < 0.2) annotations[key] = value;
  return annotations;
}

function randomPod(random: Random): {
  pod: Pod;
  resolved: Map<string, ImageEntrypoint>;
  failed: Set<string>;
} {
  const names = [...NAMES].sort(() => random.next() - 0.5);
  const initCount = random.int(3);
  const initContainers = names.slice(0, initCount).map(n => randomContainer(random, n, true));
  const containers = names
    .slice(initCount, initCount + 1 + random.int(3))
    .map(n => randomContainer(random, n, false));
  const spec: Record<string, unknown> = { containers };
  if (initCount > 0 || random.next() < 0.3) spec["initContainers"] = initContainers;
  const volumes = maybe(random, [[], [{ name: "podinit" }, { name: "podinit-1" }]]);
  if (volumes !== undefined) spec["volumes"] = volumes;
  if (random.next() < 0.5) spec["terminationGracePeriodSeconds"] = random.pick([0, 5, 60]);
  const pod: Record<string, unknown> = { apiVersion: "v1", kind: "Pod", spec };
  const metadataKind = random.int(3);
  if (metadataKind === 1) pod["metadata"] = { generateName: "p-" };
  if (metadataKind === 2)
    pod["metadata"] = { name: "p", annotations: randomAnnotations(random, names) };
  const resolved = new Map<string, ImageEntrypoint>();
  const failed = new Set<string>();
  for (const c of [...initContainers, ...containers]) {
    const roll = random.int(3);
    if (roll === 0) resolved.set(c.name, { entrypoint: ["/entry"], cmd: ["--cmd=$(X)"] });
    if (roll === 1) resolved.set(c.name, { entrypoint: [], cmd: ["serve"] });
    if (roll === 2 && random.next() < 0.5) failed.add(c.name);
  }
  return { pod: pod as Pod, resolved, failed };
}

describe("the mutation's patch", () => {
  it("says what happened, one operation per edit", () => {
    const pod: Pod = {
      metadata: { name: "p", annotations: { team: "a" } },
      spec: {
        volumes: [{ name: "data", emptyDir: {} }],
        initContainers: [{ name: "sidecar", restartPolicy: "Always", command: ["/proxy"] }],
        containers: [
          { name: "app", command: ["/app"], volumeMounts: [{ name: "data", mountPath: "/d" }] },
          { name: "cli", image: "x", args: ["serve"] },
        ],
      },
    };
    const resolved = new Map([["cli", { entrypoint: ["/cli"], cmd: ["help"] }]]);
    const result = mutatePod(deepFreeze(pod), "apps", TEST_SETTINGS, resolved);
    const status = result.pod.metadata?.annotations?.["podinit.dev/status"];
    const mount = { name: "podinit", mountPath: "/.podinit", readOnly: true };
    const prefix = ["/.podinit/podinit", "--grace-period=28s", "--"];
    expect(result.patch).toEqual([
      { op: "add", path: "/metadata/annotations/podinit.dev~1status", value: status },
      {
        op: "add",
        path: "/spec/volumes/1",
        value: { name: "podinit", emptyDir: { sizeLimit: "8Mi" } },
      },
      { op: "add", path: "/spec/initContainers/0", value: result.pod.spec.initContainers?.[0] },
      { op: "add", path: "/spec/initContainers/1/volumeMounts", value: [mount] },
      { op: "replace", path: "/spec/initContainers/1/command", value: [...prefix, "/proxy"] },
      { op: "add", path: "/spec/containers/0/volumeMounts/1", value: mount },
      { op: "replace", path: "/spec/containers/0/command", value: [...prefix, "/app"] },
      { op: "add", path: "/spec/containers/1/volumeMounts", value: [mount] },
      { op: "add", path: "/spec/containers/1/command", value: [...prefix, "/cli"] },
    ]);
  });

  it("applied to the original gives exactly the mutated pod, for thousands of random pods (seeded)", () => {
    const random = seededRandom(20_261_123);
    const decisions = new Map<string, number>();
    for (let round = 0; round < 3000; round++) {
      const { pod, resolved, failed } = randomPod(random);
      const pristine = deepClone(pod) as Pod;
      const result = mutatePod(deepFreeze(pod), "apps", TEST_SETTINGS, resolved, failed);
      const key = `${result.decision}:${result.reason ?? ""}`;
      decisions.set(key, (decisions.get(key) ?? 0) + 1);
      expect(apply(pristine, result.patch)).toEqual(result.pod);
      if (result.pod === pod) expect(result.patch).toEqual([]);
    }
    // The generator must reach every kind of outcome, or it proves less than it claims.
    expect([...decisions.keys()].sort()).toEqual(
      expect.arrayContaining([
        "injected:",
        "skipped:already-injected",
        "skipped:mirror-pod",
        "skipped:opted-out",
        "skipped:no-eligible-containers",
      ]),
    );
    expect(decisions.get("injected:") ?? 0).toBeGreaterThan(1000);
  });
});
