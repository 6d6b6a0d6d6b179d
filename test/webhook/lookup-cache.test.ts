import { describe, expect, it } from "vitest";
import { BoundedLru, SingleFlight } from "../../webhook/src/registry/lookup-cache.js";

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
