// Request counts at the registry (through a counting proxy): tag TTL, digest cache, LRU bound, single flight.

import { describe, expect, it } from "vitest";
import { buildImage, pushImage } from "../support/registry/oci-images.js";
import { budget, reference, testClient } from "./lookup-fixtures.js";
import { IMAGES, proxiedRegistry } from "../support/registry/test-registries.js";

const env = proxiedRegistry();

const manifestHeads = (): number => env.proxy.count("HEAD", "/manifests/");
const manifestGets = (): number => env.proxy.count("GET", "/manifests/");
const blobGets = (): number => env.proxy.count("GET", "/blobs/");

describe("caching", () => {
  it("resolves a tag with HEAD (never a manifest GET by tag) and reuses it for the TTL", async () => {
    let now = 0;
    const client = testClient({ now: () => now, tagTtlMs: 60_000 });
    const ref = reference(`${env.proxy.host}/apps/entry-and-cmd:1`);
    expect(await client.lookup(ref, [], budget())).toMatchObject({ ok: true });
    expect(
      env.proxy.seen.filter(r => r.method === "GET" && r.path.endsWith("/manifests/1")),
    ).toEqual([]);
    expect([manifestHeads(), manifestGets(), blobGets()]).toEqual([1, 1, 1]);
    now += 59_000;
    expect(await client.lookup(ref, [], budget())).toMatchObject({ ok: true });
    expect([manifestHeads(), manifestGets(), blobGets()]).toEqual([1, 1, 1]);
    now += 2_000; // TTL over: HEAD again, but the digest is cached
    expect(await client.lookup(ref, [], budget())).toMatchObject({ ok: true });
    expect([manifestHeads(), manifestGets(), blobGets()]).toEqual([2, 1, 1]);
  });

  it("sees a re-pushed tag once the TTL is over", async () => {
    let now = 0;
    const client = testClient({ now: () => now, tagTtlMs: 1_000 });
    const ref = reference(`${env.proxy.host}/apps/moving:1`);
    await pushImage(
      env.registries.open.host,
      "apps/moving",
      buildImage({ entrypoint: ["/v1"] }),
      "1",
    );
    expect(await client.lookup(ref, [], budget())).toMatchObject({ ok: true, entrypoint: ["/v1"] });
    await pushImage(
      env.registries.open.host,
      "apps/moving",
      buildImage({ entrypoint: ["/v2"] }),
      "1",
    );
    expect(await client.lookup(ref, [], budget())).toMatchObject({ ok: true, entrypoint: ["/v1"] });
    now += 1_001;
    expect(await client.lookup(ref, [], budget())).toMatchObject({ ok: true, entrypoint: ["/v2"] });
  });

  it("needs no HEAD for a digest reference and serves the second lookup from the digest cache", async () => {
    const client = testClient();
    const ref = reference(`${env.proxy.host}/apps/entry-only@${IMAGES.entryOnly.manifest.digest}`);
    await client.lookup(ref, [], budget());
    await client.lookup(ref, [], budget());
    expect([manifestHeads(), manifestGets(), blobGets()]).toEqual([0, 1, 1]);
  });

  it.each([
    ["registry-cache-size", { digestCacheSize: 1 }],
    // Room for one of these two small results, not for both.
    ["registry-cache-bytes", { cacheBytes: 600 }],
  ])("keeps no more results than %s holds (least recently used goes first)", async (_, bound) => {
    const client = testClient(bound);
    const a = reference(`${env.proxy.host}/apps/entry-only@${IMAGES.entryOnly.manifest.digest}`);
    const b = reference(`${env.proxy.host}/apps/cmd-only@${IMAGES.cmdOnly.manifest.digest}`);
    await client.lookup(a, [], budget());
    await client.lookup(a, [], budget());
    expect(manifestGets()).toBe(1);
    await client.lookup(b, [], budget());
    await client.lookup(a, [], budget());
    expect(manifestGets()).toBe(3);
  });

  it("makes 1,000 concurrent lookups of one uncached image share one HEAD and one manifest GET", async () => {
    const client = testClient();
    const ref = reference(`${env.proxy.host}/apps/multi:1`);
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => client.lookup(ref, [], budget())),
    );
    expect(results.every(r => r.ok)).toBe(true);
    expect(env.proxy.count("HEAD", "/apps/multi/manifests/1")).toBe(1);
    expect(env.proxy.count("GET", `/apps/multi/manifests/${env.registries.multiIndexDigest}`)).toBe(
      1,
    );
    // One index, two platform manifests (the second to compare ENTRYPOINT/CMD), two configs.
    expect([manifestHeads(), manifestGets(), blobGets()]).toEqual([1, 3, 2]);
  });

  it("gives a review that joins a shared lookup late its own whole budget, not the first review's", async () => {
    // Budgets of 3 s; the registry answers after 3.75 s; the second review joins 1.5 s after the
    // first. The first must give up at its deadline; the shared lookup goes on for the second,
    // whose deadline is later than the answer (0.75 s of slack each way for a loaded machine).
    const client = testClient({ lookupTimeoutMs: 3_000 });
    const ref = reference(`${env.proxy.host}/apps/entry-only:1`);
    env.proxy.setFault(r => r.method === "HEAD", { kind: "delay", ms: 3_750 });
    const first = client.lookup(ref, [], budget(3_000));
    await new Promise(resolve => setTimeout(resolve, 1_500));
    const second = client.lookup(ref, [], budget(3_000));
    expect(await first).toMatchObject({ ok: false, code: "ERR_LOOKUP_TIMEOUT" });
    expect(await second).toMatchObject({ ok: true, entrypoint: ["/docker-entrypoint.sh"] });
    expect(manifestHeads()).toBe(1);
    env.proxy.setFault(null);
  });

  it("does not cache failures: the next lookup asks again", async () => {
    const client = testClient();
    const ref = reference(`${env.proxy.host}/apps/not-yet:1`);
    expect(await client.lookup(ref, [], budget())).toMatchObject({
      ok: false,
      code: "ERR_IMAGE_NOT_FOUND",
    });
    await pushImage(env.registries.open.host, "apps/not-yet", IMAGES.entryOnly, "1");
    expect(await client.lookup(ref, [], budget())).toMatchObject({ ok: true });
    expect(manifestHeads()).toBe(2);
  });
});
