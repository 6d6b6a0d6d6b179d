import { deepClone } from "fast-json-patch";
import { describe, expect, it } from "vitest";
import type { ImageEntrypoint } from "../../webhook/src/mutation/entrypoint.js";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import { podPatch } from "../../webhook/src/mutation/pod-patch.js";
import type { Container, Pod } from "../../webhook/src/mutation/pod-types.js";
import { deepFreeze, patched } from "./helpers/pods.js";
import { seededRandom, type Random } from "./helpers/prng.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

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

/** What the mutation may edit: the status annotation, our volume and init container, wrapped containers' argv and mounts. */
const EDITED_PATH =
  /^\/(metadata(\/annotations(\/podinit\.dev~1status)?)?|spec\/volumes(\/[0-9]+)?|spec\/initContainers(\/0)?|spec\/(initContainers|containers)\/[0-9]+\/(command|args|volumeMounts)(\/[0-9]+)?)$/;

/**
 * The patch's walk stops at identical references, so it sees only what the mutation copied: a
 * container left alone, and every member of a wrapped one but argv and mounts, must be the
 * original object itself.
 */
function expectSharedUnlessEdited(pod: Pod, mutated: Pod, wrappedNames: readonly string[]): void {
  const before = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const after = [...(mutated.spec.initContainers ?? []).slice(1), ...mutated.spec.containers];
  expect(after).toHaveLength(before.length);
  before.forEach((original, i) => {
    const now = after[i] as unknown as Record<string, unknown>;
    if (!wrappedNames.includes(original.name)) {
      expect(now).toBe(original);
      return;
    }
    for (const [key, value] of Object.entries(original)) {
      if (!["command", "args", "volumeMounts"].includes(key)) expect(now[key]).toBe(value);
    }
  });
  const metadata = (pod.metadata ?? {}) as Record<string, unknown>;
  const mutatedMetadata = (mutated.metadata ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(metadata))
    if (key !== "annotations") expect(mutatedMetadata[key]).toBe(value);
}

describe("the mutation's patch", () => {
  it("inserts our init container first, then diffs each original init container at its new index", () => {
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
    const install = result.pod.spec.initContainers?.[0];
    expect(install?.name).toBe("podinit-install");
    expect(result.patch[0]).toEqual({ op: "add", path: "/spec/initContainers/0", value: install });
    expect(patched(pod, result.patch)).toEqual(result.pod);
    // Arrays are matched index by index: the original init container is diffed against its
    // wrapped self at its new index, not against ours.
    expect(result.patch.filter(op => op.path.startsWith("/spec/initContainers/0/"))).toEqual([]);
    expect(result.patch.map(op => `${op.op} ${op.path}`).sort()).toEqual(
      [
        "add /metadata/annotations/podinit.dev~1status",
        "add /spec/volumes/1",
        "add /spec/initContainers/0",
        "add /spec/initContainers/1/volumeMounts",
        "replace /spec/initContainers/1/command",
        "add /spec/containers/0/volumeMounts/1",
        "replace /spec/containers/0/command",
        "add /spec/containers/1/command",
        "add /spec/containers/1/volumeMounts",
      ].sort(),
    );
  });

  it("starts with an add of the whole list when the pod has no init containers", () => {
    const pod: Pod = { spec: { containers: [{ name: "app", command: ["/app"] }] } };
    const result = mutatePod(deepFreeze(pod), "apps", TEST_SETTINGS);
    expect(result.patch[0]).toEqual({
      op: "add",
      path: "/spec/initContainers",
      value: result.pod.spec.initContainers,
    });
    expect(result.patch.filter(op => op.path.startsWith("/spec/initContainers"))).toHaveLength(1);
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
      expect(patched(pristine, result.patch)).toEqual(result.pod);
      if (result.pod === pod) expect(result.patch).toEqual([]);
      for (const op of result.patch) expect(op.path).toMatch(EDITED_PATH);
      if (result.decision === "injected") expectSharedUnlessEdited(pod, result.pod, result.wrapped);
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

describe("the patch between two pods that share what did not change", () => {
  const shared = { name: "data", emptyDir: {} };
  const before = {
    metadata: { annotations: { "a/b": "1", "x~y": "2" }, labels: { app: "a" } },
    spec: {
      volumes: [shared],
      containers: [{ name: "app", command: ["/app", "-v"], args: ["x"], ports: [{ p: 1 }] }],
    },
  } as unknown as Pod;

  it.each([
    ["a member removed", { ...before, metadata: { annotations: { "a/b": "1" } } }],
    [
      "a member set to undefined",
      { ...before, metadata: { ...before.metadata, labels: undefined } },
    ],
    [
      "keys that need escaping",
      { ...before, metadata: { annotations: { "a/b": "2", "x~y": "3" } } },
    ],
    ["an array that shrank", { ...before, spec: { ...before.spec, volumes: [] } }],
    [
      "an array that grew",
      { ...before, spec: { ...before.spec, volumes: [shared, { name: "b" }] } },
    ],
    ["a member of another type", { ...before, spec: { ...before.spec, volumes: { name: "v" } } }],
  ])("applies to give the second exactly: %s", (_, after) => {
    const patch = podPatch(before, after as Pod);
    expect(patch.length).toBeGreaterThan(0);
    expect(patched(before, patch)).toEqual(JSON.parse(JSON.stringify(after)));
  });

  it("is empty for the same pod and never names a shared subtree", () => {
    expect(podPatch(before, before)).toEqual([]);
    const container = before.spec.containers[0] as Container;
    const wrapped = { ...container, command: ["/w", "--", "/app", "-v"] };
    const after = { ...before, spec: { ...before.spec, containers: [wrapped] } } as Pod;
    expect(podPatch(before, after)).toEqual([
      { op: "replace", path: "/spec/containers/0/command", value: wrapped.command },
    ]);
  });
});
