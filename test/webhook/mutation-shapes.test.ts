import { setFlagsFromString } from "node:v8";
import { runInThisContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import type { Pod } from "../../webhook/src/mutation/pod-types.js";
import { loadPodFixture, podFixtureNames } from "../fixtures/load.js";
import { TEST_SETTINGS } from "./helpers/settings.js";

// V8's own test for "same hidden class", compiled after the flag that allows it.
setFlagsFromString("--allow-natives-syntax");
const haveSameMap = runInThisContext("(a, b) => %HaveSameMap(a, b)") as (
  a: object,
  b: object,
) => boolean;

/** Every container without a command gets its image's entrypoint, so every one can be wrapped. */
const RESOLVED = new Map(
  ["fluent-bit", "app", "web", "worker", "sidecar"].map(name => [
    name,
    { entrypoint: ["/entry"], cmd: ["--serve"] },
  ]),
);

function objectsOf(value: unknown, into = new Set<object>()): Set<object> {
  if (typeof value === "object" && value !== null && !into.has(value)) {
    into.add(value);
    for (const member of Object.values(value)) objectsOf(member, into);
  }
  return into;
}

/** Paths of the objects the mutation made whose hidden class differs between two reviews. */
function freshShapes(
  original: ReadonlySet<object>,
  first: unknown,
  second: unknown,
  path = "",
): string[] {
  if (typeof first !== "object" || first === null || typeof second !== "object" || second === null)
    return [];
  const own = original.has(first) || haveSameMap(first, second) ? [] : [path || "/"];
  return own.concat(
    Object.keys(first).flatMap(key =>
      freshShapes(
        original,
        (first as Record<string, unknown>)[key],
        (second as Record<string, unknown>)[key],
        `${path}/${key}`,
      ),
    ),
  );
}

/**
 * A review's objects must die young. On Node 20 a spread copy that gains a member its source
 * lacks got a hidden class of its own per review, allocated in the old generation; reclaimed
 * only by mark-compact pauses, every few seconds at 1,000 reviews/s, it set the webhook's p99.
 */
describe("the objects a mutation makes", () => {
  it.each(podFixtureNames())("share their hidden classes from one review to the next: %s", name => {
    const text = JSON.stringify(loadPodFixture(name));
    const review = (): { pod: Pod; mutated: Pod } => {
      const pod = JSON.parse(text) as Pod;
      return { pod, mutated: mutatePod(pod, "apps", TEST_SETTINGS, RESOLVED).pod };
    };
    // The first reviews leave the transitions and inline caches that later ones follow.
    for (let i = 0; i < 50; i++) review();
    const a = review();
    const b = review();
    expect(freshShapes(objectsOf(a.pod), a.mutated, b.mutated)).toEqual([]);
  });
});
