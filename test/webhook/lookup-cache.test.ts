import { describe, expect, it } from "vitest";
import { BoundedLru } from "../../webhook/src/registry/lookup-cache.js";

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
