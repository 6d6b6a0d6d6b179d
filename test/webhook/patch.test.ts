import { applyPatch, deepClone, type Operation } from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { diffPod, escapePointerToken } from "../../webhook/src/mutation/patch.js";
import { seededRandom, type Random } from "./helpers/prng.js";

function apply(original: unknown, operations: Operation[]): unknown {
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

describe("diffPod", () => {
  it("adds a missing annotations object whole, and escapes keys into an existing one", () => {
    const bare = { metadata: { name: "p" } };
    const withAnnotation = {
      ...bare,
      metadata: { name: "p", annotations: { "podinit.dev/status": "x" } },
    };
    expect(diffPod(bare, withAnnotation)).toEqual([
      { op: "add", path: "/metadata/annotations", value: { "podinit.dev/status": "x" } },
    ]);
    const existing = { metadata: { annotations: { a: "1" } } };
    const added = { metadata: { annotations: { a: "1", "podinit.dev/status": "x" } } };
    expect(diffPod(existing, added)).toEqual([
      { op: "add", path: "/metadata/annotations/podinit.dev~1status", value: "x" },
    ]);
  });

  it("adds missing arrays whole, prepends with add at index 0 and appends at the end", () => {
    const a = { name: "a" };
    const original = { spec: { initContainers: [a], volumes: [a] } };
    const mutated = {
      spec: { initContainers: [{ name: "new" }, a], volumes: [a, { name: "v" }], extra: [1] },
    };
    expect(diffPod(original, mutated)).toEqual([
      { op: "add", path: "/spec/initContainers/0", value: { name: "new" } },
      { op: "add", path: "/spec/volumes/1", value: { name: "v" } },
      { op: "add", path: "/spec/extra", value: [1] },
    ]);
  });

  it("does not look into subtrees shared by identity", () => {
    const shared = {
      get trap(): never {
        throw new Error("read a shared subtree");
      },
    };
    expect(diffPod({ a: shared, b: 1 }, { a: shared, b: 2 })).toEqual([
      { op: "replace", path: "/b", value: 2 },
    ]);
  });

  it("returns no operation for identical documents", () => {
    const doc = { a: [1, { b: 2 }] };
    expect(diffPod(doc, doc)).toEqual([]);
  });

  it("gives exact patches for thousands of random edits (seeded)", () => {
    const random = seededRandom(20_260_323);
    for (let round = 0; round < 3000; round++) {
      const original = randomValue(random, 4);
      const mutated = randomEdit(random, original, 4);
      const patch = diffPod(original, mutated);
      expect(apply(original, patch)).toEqual(mutated);
    }
  });
});

const KEYS = ["name", "a", "b/c", "~d", "spec", "x.y"];

function randomValue(random: Random, depth: number): unknown {
  const kind = depth <= 0 ? random.int(4) : random.int(7);
  switch (kind) {
    case 0:
      return random.int(5);
    case 1:
      return random.pick(["", "s", "t"]);
    case 2:
      return random.pick([null, true, false]);
    case 3:
      return random.pick(KEYS);
    case 4:
    case 5: {
      const out: Record<string, unknown> = {};
      for (let i = random.int(4); i > 0; i--)
        out[random.pick(KEYS)] = randomValue(random, depth - 1);
      return out;
    }
    default:
      return Array.from({ length: random.int(4) }, () =>
        random.next() < 0.5
          ? { name: random.pick(KEYS), v: randomValue(random, depth - 2) }
          : randomValue(random, depth - 1),
      );
  }
}

/** A copy-on-write edit: changed paths are new objects, everything else is shared. */
function randomEdit(random: Random, value: unknown, depth: number): unknown {
  if (random.next() < 0.3) return value;
  if (random.next() < 0.15 || depth <= 0) return randomValue(random, depth);
  if (Array.isArray(value)) {
    const copy = value.map(item => randomEdit(random, item, depth - 1));
    const roll = random.int(5);
    if (roll === 0) copy.unshift(randomValue(random, depth - 1));
    if (roll === 1) copy.push(randomValue(random, depth - 1));
    if (roll === 2) copy.pop();
    return copy;
  }
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (random.next() < 0.1) continue;
      copy[key] = randomEdit(random, child, depth - 1);
    }
    if (random.next() < 0.3) copy[random.pick(KEYS)] = randomValue(random, depth - 1);
    return copy;
  }
  return randomValue(random, depth);
}
