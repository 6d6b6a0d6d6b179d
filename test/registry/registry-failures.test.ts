// Registry down, slow, refusing, missing or garbling: every lookup ends as an error value with a code, never a hang.

import { describe, expect, it } from "vitest";
import { sha256Digest } from "../../webhook/src/registry/content-digest.js";
import { startCountingProxy } from "../support/registry/counting-proxy.js";
import { budget, reference, testClient } from "./lookup-fixtures.js";
import { freePort, startRegistry } from "../support/registry/registry-process.js";
import { IMAGES, proxiedRegistry } from "../support/registry/test-registries.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = proxiedRegistry();

const isManifest = (r: { path: string }): boolean => r.path.includes("/manifests/");

describe("failures", () => {
  it("registry down (nothing listens): ERR_REGISTRY_UNREACHABLE", async () => {
    const port = await freePort();
    const result = await testClient().lookup(reference(`127.0.0.1:${port}/apps/x:1`), [], budget());
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNREACHABLE" });
  });

  it("registry stopped after a successful lookup: cached digests still answer, new tags fail cleanly", async () => {
    const storage = mkdtempSync(join(tmpdir(), "podinit-registry-down-"));
    const registry = await startRegistry(storage);
    try {
      const { pushImage, buildImage } = await import("../support/registry/oci-images.js");
      await pushImage(registry.host, "apps/a", buildImage({ entrypoint: ["/a"] }), "1");
      const client = testClient();
      expect(
        await client.lookup(reference(`${registry.host}/apps/a:1`), [], budget()),
      ).toMatchObject({ ok: true });
      await registry.stop();
      expect(
        await client.lookup(reference(`${registry.host}/apps/a:1`), [], budget()),
      ).toMatchObject({ ok: true });
      expect(
        await client.lookup(reference(`${registry.host}/apps/a:2`), [], budget()),
      ).toMatchObject({
        ok: false,
        code: "ERR_REGISTRY_UNREACHABLE",
      });
    } finally {
      await registry.stop();
      rmSync(storage, { recursive: true, force: true });
    }
  });

  it("slow registry beyond the budget: ERR_LOOKUP_TIMEOUT while the registry is still answering", async () => {
    env.proxy.setFault(isManifest, { kind: "hang" });
    const result = await testClient({ lookupTimeoutMs: 10_000 }).lookup(
      reference(`${env.proxy.host}/apps/entry-only:1`),
      [],
      AbortSignal.timeout(300),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_LOOKUP_TIMEOUT" });
    expect(env.proxy.pending()).toBe(1);
  });

  it("a shared lookup is bounded by the lookup timeout even if its caller's budget is longer", async () => {
    env.proxy.setFault(isManifest, { kind: "hang" });
    const result = await testClient({ lookupTimeoutMs: 300 }).lookup(
      reference(`${env.proxy.host}/apps/cmd-only:1`),
      [],
      AbortSignal.timeout(20_000),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_LOOKUP_TIMEOUT" });
  });

  it("401 without a challenge: ERR_REGISTRY_UNAUTHORIZED", async () => {
    env.proxy.setFault(isManifest, { kind: "status", status: 401 });
    const result = await testClient().lookup(
      reference(`${env.proxy.host}/apps/entry-only:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
  });

  it("500: ERR_REGISTRY_RESPONSE", async () => {
    env.proxy.setFault(isManifest, { kind: "status", status: 500 });
    const result = await testClient().lookup(
      reference(`${env.proxy.host}/apps/entry-only:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_RESPONSE" });
  });

  it("a manifest whose bytes do not match the digest: ERR_MANIFEST_INVALID", async () => {
    env.proxy.setFault(r => r.method === "GET" && isManifest(r), {
      kind: "body",
      body: "{}",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
    });
    const result = await testClient().lookup(
      reference(`${env.proxy.host}/apps/entry-only:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_MANIFEST_INVALID" });
    expect(!result.ok && result.message).toContain("does not match digest");
  });

  it.each([
    ["not JSON", "<html>oops</html>", /is not JSON/],
    ["schema 1", JSON.stringify({ schemaVersion: 1, name: "x" }), /schema version 2/],
    [
      "no config",
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json" }),
      /config descriptor/,
    ],
    [
      "a helm chart",
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.cncf.helm.config.v1+json",
          digest: `sha256:${"a".repeat(64)}`,
          size: 1,
        },
      }),
      /not a container image/,
    ],
  ])(
    "a malformed manifest (%s) with a matching digest: ERR_MANIFEST_INVALID",
    async (_name, body, message) => {
      env.proxy.setFault(r => r.method === "GET" && isManifest(r), {
        kind: "body",
        body,
        headers: { "content-type": "application/json" },
      });
      const result = await testClient().lookup(
        reference(`${env.proxy.host}/apps/entry-only@${sha256Digest(Buffer.from(body))}`),
        [],
        budget(),
      );
      expect(result).toMatchObject({ ok: false, code: "ERR_MANIFEST_INVALID" });
      expect(!result.ok && result.message).toMatch(message);
    },
  );

  it("a redirect may not change the manifest: bytes that miss the digest asked for are ERR_MANIFEST_INVALID", async () => {
    const target = await startCountingProxy(env.registries.open.host);
    try {
      // Asked for entry-only by digest, the registry sends the request on to cmd-only's manifest.
      env.proxy.setFault(r => r.method === "GET" && isManifest(r), {
        kind: "status",
        status: 307,
        headers: { location: `http://${target.host}/v2/apps/cmd-only/manifests/1` },
      });
      const result = await testClient().lookup(
        reference(`${env.proxy.host}/apps/entry-only@${IMAGES.entryOnly.manifest.digest}`),
        [],
        budget(),
      );
      expect(result).toMatchObject({ ok: false, code: "ERR_MANIFEST_INVALID" });
      expect(target.count("GET", "/v2/apps/cmd-only/manifests/1")).toBe(1);
    } finally {
      await target.stop();
    }
  });
});

describe("each kind of failure names the setting that fixes it (chart value, then flag)", () => {
  const messageOf = (result: Awaited<ReturnType<ReturnType<typeof testClient>["lookup"]>>) =>
    result.ok ? "" : result.message;

  it("nothing answers: a pull-through cache in registry.mirrors", async () => {
    const port = await freePort();
    const result = await testClient().lookup(reference(`127.0.0.1:${port}/apps/x:1`), [], budget());
    expect(result).toMatchObject({ code: "ERR_REGISTRY_UNREACHABLE" });
    expect(messageOf(result)).toMatch(
      new RegExp(
        `^cannot reach 127\\.0\\.0\\.1:${port} over HTTP \\(no such name, refused or reset\\);.*registry\\.mirrors \\(--registry-mirror\\)$`,
      ),
    );
  });

  // Worded as a closed port is (see the pod's warnings in hostile-lookups.test.ts).
  it("a plain-HTTP registry asked over HTTPS: registry.insecure, and registry.mirrors", async () => {
    const result = await testClient({ insecureRegistries: [] }).lookup(
      reference(`${env.registries.open.host}/apps/entry-only:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ code: "ERR_REGISTRY_UNREACHABLE" });
    expect(messageOf(result)).toMatch(
      /^cannot reach 127\.0\.0\.1:\d+ over HTTPS \(no such name, refused, reset or not TLS\);.*registry\.insecure \(--registry-insecure\).*registry\.mirrors \(--registry-mirror\)$/,
    );
  });

  it("out of time: registry.lookupTimeout", async () => {
    env.proxy.setFault(isManifest, { kind: "hang" });
    const result = await testClient({ lookupTimeoutMs: 300 }).lookup(
      reference(`${env.proxy.host}/apps/cmd-only:1`),
      [],
      AbortSignal.timeout(20_000),
    );
    expect(result).toMatchObject({ code: "ERR_LOOKUP_TIMEOUT" });
    expect(messageOf(result)).toContain("raise registry.lookupTimeout (--lookup-timeout)");
  });

  it.each([
    {
      status: 429,
      code: "ERR_REGISTRY_RESPONSE",
      names: ["imagePullSecret for", "registry.mirrors"],
    },
    {
      status: 401,
      code: "ERR_REGISTRY_UNAUTHORIZED",
      names: ["imagePullSecret for", "registry.pullSecrets", "podinit.dev/entrypoint.<container>"],
    },
  ])("answered $status: $names", async ({ status, code, names }) => {
    env.proxy.setFault(isManifest, { kind: "status", status });
    const result = await testClient().lookup(
      reference(`${env.proxy.host}/apps/cmd-only:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ code });
    for (const name of names) expect(messageOf(result)).toContain(name);
    expect(messageOf(result)).toContain(`imagePullSecret for ${env.proxy.host}`);
  });
});
