// Every command the webhook writes is one the real podinit binary accepts, across the API's range.
//
// Pods are generated over what the API server lets through (terminationGracePeriodSeconds up to
// 2^63-1, any annotation text) and each distinct podinit prefix runs through dist/podinit itself:
// a flag the binary refuses makes every wrapped container of the pod fail at start.
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import type { Pod } from "../../webhook/src/mutation/pod-types.js";
import { PODINIT } from "../support/podinit-process.js";
import { app, podWith } from "./helpers/pods.js";
import { seededRandom, type Random } from "./helpers/prng.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

/** null: the pod does not set it. */
const GRACE_SECONDS = [
  null,
  0,
  1,
  2,
  3,
  30,
  86_401,
  86_402,
  86_403,
  2 ** 31 - 1,
  2 ** 53 - 1,
  2 ** 53 + 2,
  // 2^63-1, the API's largest int64, as JSON.parse reads it.
  Number("9223372036854775807"),
];

const ANNOTATION_VALUES: Readonly<Record<string, readonly string[]>> = {
  "grace-period": [
    "10s",
    "1500ms",
    "24h",
    "86400s",
    "86401s",
    "0s",
    "-1s",
    "soon",
    "1m30s",
    "none",
  ],
  "stop-delay": ["5s", "0s", "2m", "24h", "86401s", "later", "1.5s"],
  "stop-signal": ["SIGQUIT", "QUIT", "3", "SIGKILL", "SIGRTMIN+3", "64", "65", "nope"],
  "remap-exit": ["143:0", "143:0,130:0", "256:0", "x:y", "143:0,143:1", ""],
};

function randomPod(random: Random): Pod {
  const annotations: Record<string, string> = {};
  for (const [key, values] of Object.entries(ANNOTATION_VALUES)) {
    if (random.next() < 0.5) annotations[`podinit.dev/${key}`] = random.pick(values);
    if (random.next() < 0.2) annotations[`podinit.dev/${key}.b`] = random.pick(values);
  }
  const seconds = random.pick(GRACE_SECONDS);
  const spec = seconds === null ? {} : { terminationGracePeriodSeconds: seconds };
  return podWith([app("a"), app("b")], { annotations, spec });
}

/** podinit's part of each wrapped command, `[binary, flags…, "--"]`, once per distinct text. */
function distinctPrefixes(pods: readonly Pod[]): string[][] {
  const prefixes = new Map<string, string[]>();
  for (const pod of pods) {
    const result = mutatePod(pod, "apps", TEST_SETTINGS);
    expect(result.decision).toBe("injected");
    for (const container of result.pod.spec.containers) {
      const command = container.command ?? [];
      const end = command.indexOf("--");
      if (end < 0) throw new Error(`container ${container.name}: no '--' in ${command.join(" ")}`);
      const prefix = command.slice(0, end + 1);
      prefixes.set(JSON.stringify(prefix), prefix);
    }
  }
  return [...prefixes.values()];
}

describe("the flags the webhook writes", () => {
  let prefixes: string[][] = [];
  beforeAll(() => {
    const random = seededRandom(0x9ace);
    prefixes = distinctPrefixes(Array.from({ length: 400 }, () => randomPod(random)));
  });

  it("cover the long grace periods and many distinct flag sets", () => {
    expect(prefixes.length).toBeGreaterThan(100);
    expect(prefixes.some(p => !p.some(flag => flag.startsWith("--grace-period")))).toBe(true);
    expect(prefixes.some(p => p.includes("--grace-period=86400s"))).toBe(true);
  });

  it("are all accepted by the real podinit binary", () => {
    const refused = prefixes.flatMap(prefix => {
      const [, ...flags] = prefix;
      const run = spawnSync(PODINIT, [...flags, "true"], { encoding: "utf8" });
      return run.status === 0 ? [] : [`${prefix.join(" ")}: ${run.stderr.trim()}`];
    });
    expect(refused).toEqual([]);
  });
});
