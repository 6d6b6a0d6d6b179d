// Whether the objects one mutation makes share V8 hidden classes with the next one's, over every fixture pod.
// Runs in a process of its own started with --allow-natives-syntax (measureMutationShapes starts it).

import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runInThisContext } from "node:vm";
import { mutatePod } from "../webhook/src/mutation/mutate-pod.js";
import type { Pod } from "../webhook/src/mutation/pod-types.js";
import { loadPodFixture, podFixtureNames } from "../test/fixtures/load.js";
import { TEST_SETTINGS } from "../test/support/webhook/settings.js";

/** One fixture pod: the paths of the objects whose hidden class differed between two reviews. */
export interface FixtureShapes {
  readonly fixture: string;
  readonly fresh: readonly string[];
}

/** Reviews of each fixture before the two compared: they leave the transitions and inline caches later ones follow. */
export const WARM_REVIEWS = 50;

/** Every container without a command gets its image's entrypoint, so every one can be wrapped. */
const RESOLVED = new Map(
  ["fluent-bit", "app", "web", "worker", "sidecar"].map(name => [
    name,
    { entrypoint: ["/entry"], cmd: ["--serve"] },
  ]),
);

type SameMap = (a: object, b: object) => boolean;

function objectsOf(value: unknown, into = new Set<object>()): Set<object> {
  if (typeof value === "object" && value !== null && !into.has(value)) {
    into.add(value);
    for (const member of Object.values(value)) objectsOf(member, into);
  }
  return into;
}

/** Paths of the objects the mutation made whose hidden class differs between two reviews. */
function freshShapes(
  haveSameMap: SameMap,
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
        haveSameMap,
        original,
        (first as Record<string, unknown>)[key],
        (second as Record<string, unknown>)[key],
        `${path}/${key}`,
      ),
    ),
  );
}

/** In this process, which must have been started with --allow-natives-syntax. */
function shapesHere(): FixtureShapes[] {
  // V8's own test for "same hidden class"; compiled here, as TypeScript cannot parse it.
  const haveSameMap = runInThisContext("(a, b) => %HaveSameMap(a, b)") as SameMap;
  return podFixtureNames().map(fixture => {
    const text = JSON.stringify(loadPodFixture(fixture));
    const review = (): { pod: Pod; mutated: Pod } => {
      const pod = JSON.parse(text) as Pod;
      return { pod, mutated: mutatePod(pod, "apps", TEST_SETTINGS, RESOLVED).pod };
    };
    for (let i = 0; i < WARM_REVIEWS; i++) review();
    const a = review();
    const b = review();
    return { fixture, fresh: freshShapes(haveSameMap, objectsOf(a.pod), a.mutated, b.mutated) };
  });
}

/**
 * A fresh Node with --allow-natives-syntax, so that no other work of the bench has shaped its
 * heap, and the flag is on from the start (set later, V8 does not promise to honour it).
 */
export function measureMutationShapes(): FixtureShapes[] {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ["--allow-natives-syntax", "--import", "tsx", self], {
    encoding: "utf8",
  });
  return JSON.parse(out) as FixtureShapes[];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(JSON.stringify(shapesHere()));
}
