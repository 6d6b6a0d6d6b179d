// Reviews a hostile tenant can send: prototype-named keys, annotations as large as the review, thousands of warnings; each is answered, and nothing leaks or grows without bound.

import { afterEach, describe, expect, it } from "vitest";
import type { Operation } from "fast-json-patch";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import type { Container } from "../../webhook/src/mutation/pod-types.js";
import { decodeAnswer, reviewOf, testApp, type TestApp } from "../support/webhook/app.js";
import { app, patched, podWith } from "./helpers/pods.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

const BIN = "/.podinit/podinit";

let current: TestApp | null = null;
afterEach(async () => {
  await current?.app.close();
  current = null;
});

/** Posts `review` as the API server would: JSON text, so own `__proto__` keys are sent as keys. */
async function post(review: unknown, bodyLimitBytes = 1024 * 1024) {
  current = await testApp({ bodyLimitBytes });
  const res = await current.app.inject({
    method: "POST",
    url: "/mutate",
    payload: JSON.stringify(review),
    headers: { "content-type": "application/json" },
  });
  expect(res.statusCode).toBe(200);
  const { answer, patch } = decodeAnswer(res.body);
  expect(answer.response.allowed).toBe(true);
  return { warnings: answer.response.warnings ?? [], patch: (patch ?? []) as Operation[] };
}

/** `target` with an own, enumerable member named `key`, as JSON.parse makes it. */
function withOwn<T extends object>(target: T, key: string, value: unknown): T {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return target;
}

interface PodView {
  metadata: { labels?: Record<string, unknown>; annotations: Record<string, string> };
  spec: { containers: Container[] };
}

/** The pod as the API server stores it: the review's object with the answer's patch applied. */
function admitted(review: unknown, patch: readonly Operation[]): PodView {
  const sent = JSON.parse(JSON.stringify(review)) as { request: { object: unknown } };
  return patched(sent.request.object, patch) as PodView;
}

function wrappedNames(pod: PodView): string[] {
  const status = pod.metadata.annotations["podinit.dev/status"] ?? "{}";
  return (JSON.parse(status) as { wrapped?: string[] }).wrapped ?? [];
}

describe("keys named __proto__ and constructor", () => {
  it.each([
    ["a pod label", "labels"],
    ["the pod's only annotation", "annotations"],
  ] as const)(
    // The API server hands such a pod to its webhooks, then its own validation refuses the key:
    // the webhook must answer (with failurePolicy Fail, an error would replace that message).
    "%s named __proto__ gets an answer that injects the pod and leaves the key as it was",
    async (_label, map) => {
      const pod = podWith([app()]) as { metadata: Record<string, unknown> };
      pod.metadata[map] = withOwn({}, "__proto__", "x");
      const review = reviewOf(pod);
      const { patch } = await post(review);
      const stored = admitted(review, patch);
      expect(Object.getOwnPropertyDescriptor(stored.metadata[map], "__proto__")?.value).toBe("x");
      expect(wrappedNames(stored)).toEqual(["app"]);
      expect(stored.spec.containers[0]?.command?.[0]).toBe(BIN);
    },
  );

  it("a userInfo.extra key named __proto__ does not stop the pod from being injected", async () => {
    const review = reviewOf(podWith([app()]), {
      userInfo: { username: "alice", extra: withOwn({}, "__proto__", ["x"]) },
    });
    const { patch } = await post(review);
    expect(wrappedNames(admitted(review, patch))).toEqual(["app"]);
  });

  it("prototype-shaped members anywhere in the review pollute no object and reach no patch", async () => {
    const poison = (): Record<string, unknown> => ({ polluted: "yes", hostPID: true });
    const hostile = <T extends object>(target: T): T =>
      withOwn(withOwn(target, "__proto__", poison()), "constructor", { prototype: poison() });
    const container = hostile(app());
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: hostile({ name: "p", labels: hostile({ app: "web" }) }),
      spec: hostile({ containers: [container] }),
    };
    const review = hostile(
      reviewOf(pod, { userInfo: { username: "alice", extra: hostile({ team: ["a"] }) } }),
    );
    hostile(review["request"] as object);
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype);

    const { patch } = await post(review);

    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(JSON.stringify(patch)).not.toMatch(/polluted|hostPID/);
    expect(wrappedNames(admitted(review, patch))).toEqual(["app"]);
  });
});

describe("annotations as large as the review", () => {
  const names = (count: number, prefix: string): string[] =>
    Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const containers = (count: number): Container[] => names(count, "c").map(name => app(name));

  it.each([
    ["podinit.dev/exclude-containers", ["c0", ...names(249_999, "g")], 4_999, 249_994],
    ["podinit.dev/containers", [...names(5_000, "c"), ...names(245_000, "g")], 5_000, 244_995],
  ] as const)(
    "%s with 250,000 names on a 5,000-container pod: injected, with one warning for the missing names",
    async (key, listed, wrapped, more) => {
      const pod = podWith(containers(5_000), { annotations: { [key]: listed.join(",") } });
      const review = reviewOf(pod);
      const { warnings, patch } = await post(review, 8 * 1024 * 1024);
      const stored = admitted(review, patch);
      expect(wrappedNames(stored)).toHaveLength(wrapped);
      expect(stored.spec.containers.filter(c => c.command?.[0] === BIN)).toHaveLength(wrapped);
      expect(warnings).toEqual([
        `podinit: podinit.dev annotations name containers 'g0', 'g1', 'g2', 'g3', 'g4' and ${more} more, which this pod does not have`,
      ]);
    },
  );

  it("reads each container's name as often whatever the length of the lists", () => {
    const reads = (excluded: string[]): number[] => {
      const counts = new Array<number>(50).fill(0);
      const counted = containers(50).map((container, i) => {
        const name = container.name;
        return Object.defineProperty({ ...container }, "name", {
          enumerable: true,
          get: () => {
            counts[i] = (counts[i] ?? 0) + 1;
            return name;
          },
        });
      });
      const annotations = { "podinit.dev/exclude-containers": excluded.join(",") };
      const result = mutatePod(podWith(counted, { annotations }), "apps", TEST_SETTINGS);
      expect(result.skippedContainers).toEqual({ c7: "excluded" });
      return counts;
    };
    expect(reads(["c7", ...names(100_000, "g")])).toEqual(reads(["c7", "g0"]));
  });

  it.each(["grace-period", "stop-signal", "stop-delay", "remap-exit", "mode"])(
    "a megabyte podinit.dev/%s is ignored with a short warning, and every container injected",
    async key => {
      const annotations = { [`podinit.dev/${key}`]: "1:0,".repeat(250_000) };
      const review = reviewOf(podWith(containers(20), { annotations }));
      const { warnings, patch } = await post(review, 4 * 1024 * 1024);
      const stored = admitted(review, patch);
      expect(wrappedNames(stored)).toHaveLength(20);
      for (const c of stored.spec.containers)
        expect(c.command).toEqual([BIN, "--grace-period=28s", "--", "/app", "serve"]);
      expect(warnings).toEqual([
        `podinit: annotation podinit.dev/${key}: its value has 1000000 characters, more than the 4096 a setting may have; ignoring it`,
      ]);
    },
  );

  it("a pod earning thousands of warnings gets ten, none longer than 512 characters, the last counting the rest", async () => {
    const annotations: Record<string, string> = { [`podinit.dev/${"y".repeat(10_000)}`]: "1" };
    for (const name of names(100_000, "podinit.dev/typo")) annotations[name] = "1";
    const review = reviewOf(podWith([app()], { annotations }));
    const { warnings, patch } = await post(review, 8 * 1024 * 1024);
    expect(wrappedNames(admitted(review, patch))).toEqual(["app"]);
    expect(warnings).toHaveLength(10);
    expect(warnings[0]).toHaveLength("podinit: ".length + 512);
    expect(warnings[0]).toMatch(/^podinit: annotation podinit.dev\/yyyy+…$/);
    expect(warnings[1]).toBe(
      "podinit: annotation podinit.dev/typo0 is not a podinit setting and is ignored",
    );
    expect(warnings[9]).toBe("podinit: and 99992 more warnings about this pod, not shown");
  });
});
