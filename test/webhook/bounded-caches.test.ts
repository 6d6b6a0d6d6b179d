import { describe, expect, it } from "vitest";
import { BoundedLru, ExpiringLru, SingleFlight } from "../../webhook/src/bounded-caches.js";

describe("BoundedLru", () => {
  it("evicts the least recently used key, however often the newest one is read", () => {
    const lru = new BoundedLru<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1);
    expect(lru.get("a")).toBe(1);
    lru.set("c", 3);
    expect(lru.get("b")).toBeUndefined();
    expect([lru.get("a"), lru.get("c")]).toEqual([1, 3]);
    expect(lru.get("c")).toBe(3);
    lru.set("d", 4);
    expect(lru.get("a")).toBeUndefined();
    expect(lru.size).toBe(2);
  });
});

describe("a weighed LRU (lookups by bytes, tokens by bytes)", () => {
  it("evicts the least recently used entries until the rest weigh no more than the bound; one heavier than it is not kept and evicts nothing", () => {
    const lru = new BoundedLru<string, string>(100, { of: value => value.length, max: 10 });
    lru.set("a", "xxxx");
    lru.set("b", "xxxx");
    expect(lru.get("a")).toBe("xxxx");
    lru.set("c", "xxxx");
    expect([lru.get("a"), lru.get("b"), lru.get("c")]).toEqual(["xxxx", undefined, "xxxx"]);
    // A lighter value for a key frees what the old one weighed: 1 + 4 + 4 now fit.
    lru.set("a", "x");
    lru.set("d", "xxxx");
    expect([lru.get("a"), lru.get("c"), lru.get("d")]).toEqual(["x", "xxxx", "xxxx"]);
    lru.set("huge", "x".repeat(11));
    expect([lru.get("huge"), lru.get("a"), lru.get("c"), lru.get("d")]).toEqual([
      undefined,
      "x",
      "xxxx",
      "xxxx",
    ]);
  });

  it("bounds expiring entries (tokens) the same way", () => {
    const tokens = new ExpiringLru<string, string>(100, () => 0, { of: t => t.length, max: 10 });
    for (const scope of ["a", "b", "c"]) tokens.set(scope, "tttt", 60_000);
    expect(["a", "b", "c"].map(scope => tokens.get(scope))).toEqual([undefined, "tttt", "tttt"]);
  });
});

describe("SingleFlight with a budget", () => {
  it("shares work with callers who join within one budget, and starts it afresh after", () => {
    let clock = 0;
    const flights = new SingleFlight<string, string>(100, () => clock);
    const signals: AbortSignal[] = [];
    // A registry that never answers.
    const hung = (signal: AbortSignal) => {
      signals.push(signal);
      return new Promise<string>(() => undefined);
    };
    const first = flights.run("image", hung);
    clock = 60;
    expect(flights.run("image", hung)).toBe(first);
    clock = 99;
    expect(flights.run("image", hung)).toBe(first);
    // Reviews keep coming: without a fresh start the first attempt would be kept alive for ever.
    clock = 100;
    const fresh = flights.run("image", hung);
    expect(fresh).not.toBe(first);
    expect(signals).toHaveLength(2);
    expect(flights.run("image", hung)).toBe(fresh);
  });
});
