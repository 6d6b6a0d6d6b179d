// Hostile image strings and registries, through the resolver the admission route uses: each ends at once as a failure with its own code, and the pod's warning names the problem and nothing more.

import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { isLookupFailure, type LookupFailure } from "../../webhook/src/registry/lookup-failure.js";
import type { LookupEvent } from "../../webhook/src/registry/entrypoint-resolver.js";
import { startCountingProxy } from "../support/registry/counting-proxy.js";
import { testPod, testResolver, testTransport } from "./lookup-fixtures.js";
import {
  buildImage,
  digestOf,
  OCI_INDEX,
  OCI_MANIFEST,
  pushImage,
  type TestImage,
} from "../support/registry/oci-images.js";
import { freePort } from "../support/registry/registry-process.js";
import { IMAGES, proxiedRegistry } from "../support/registry/test-registries.js";

const env = proxiedRegistry();

/** Runs `work` and collects the unhandled rejections it leaves (a throw inside async code does). */
async function withRejections<T>(
  work: () => T | Promise<T>,
): Promise<{ result: T; rejections: unknown[] }> {
  const rejections: unknown[] = [];
  const listener = (reason: unknown): void => {
    rejections.push(reason);
  };
  process.on("unhandledRejection", listener);
  try {
    const result = await work();
    // Node reports an unhandled rejection once the microtasks after it have run.
    await new Promise(resolve => setImmediate(resolve));
    return { result, rejections };
  } finally {
    process.off("unhandledRejection", listener);
  }
}

describe("malformed references and redirects", () => {
  it("an image whose registry no URL can hold is ERR_REFERENCE_INVALID, named in the warning, and no registry is asked", async () => {
    // The reference grammar lets each through; the API server validates no image string.
    const images = ["[abc]:5000/x", "[::::]/x", "registry.test:99999/x:1", "1.2.3.999:5000/x"];
    const events: LookupEvent[] = [];
    const resolver = await testResolver({}, { onLookup: event => events.push(event) });
    const containers = images.map((image, i) => ({ name: `c${i}`, image }));
    const { result, rejections } = await withRejections(() =>
      resolver.resolve(testPod(containers), "apps"),
    );
    expect(rejections).toEqual([]);
    expect(result.warnings).toEqual(
      images.map(
        (image, i) =>
          `container c${i}: no podinit, its image's entrypoint is unknown (ERR_REFERENCE_INVALID: ` +
          `image '${image}' is not a valid reference: '${image.split("/")[0] ?? ""}' is not a registry host)`,
      ),
    );
    expect(events.map(e => [e.code, e.registry])).toEqual(
      images.map(() => ["ERR_REFERENCE_INVALID", null]),
    );
  });

  it.each(["manifests", "blobs"])(
    "a %s redirect to a Location that is no URL is ERR_REDIRECT_INVALID at once, named in the warning",
    async kind => {
      env.proxy.setFault(r => r.method === "GET" && r.path.includes(`/${kind}/sha256:`), {
        kind: "status",
        status: 307,
        headers: { location: "http://[/" },
      });
      const resolver = await testResolver();
      const image = `${env.proxy.host}/apps/entry-only:1`;
      const { result, rejections } = await withRejections(() =>
        resolver.resolve(testPod([{ name: "app", image }]), "apps"),
      );
      expect(rejections).toEqual([]);
      expect(result.failures.get("app")?.code).toBe("ERR_REDIRECT_INVALID");
      expect(result.warnings).toEqual([
        expect.stringMatching(
          new RegExp(
            `^container app: .*\\(ERR_REDIRECT_INVALID: ${env.proxy.host} redirected the request for ` +
              `/v2/apps/entry-only/${kind}/sha256:[0-9a-f]{64} to a Location that is not a URL\\)$`,
          ),
        ),
      ]);
      expect(env.proxy.count("GET", `/${kind}/`)).toBe(1);
    },
  );

  it("a token that cannot be sent in a header is ERR_TOKEN_FAILED at once", async () => {
    const tokens = await startCountingProxy(env.registries.open.host);
    try {
      tokens.setFault(() => true, {
        kind: "body",
        body: JSON.stringify({ token: "line\nbreak" }),
        headers: { "content-type": "application/json" },
      });
      env.proxy.setFault(r => r.authorization === null, {
        kind: "status",
        status: 401,
        headers: { "www-authenticate": `Bearer realm="http://${tokens.host}/token",service="x"` },
      });
      const resolver = await testResolver();
      const image = `${env.proxy.host}/apps/entry-only:1`;
      const { result, rejections } = await withRejections(() =>
        resolver.resolve(testPod([{ name: "app", image }]), "apps"),
      );
      expect(rejections).toEqual([]);
      expect(result.failures.get("app")).toMatchObject({
        code: "ERR_TOKEN_FAILED",
        message: `the token service of ${env.proxy.host} (${tokens.host}) answered 200 without a usable token`,
      });
      expect(tokens.count("GET", "/token")).toBe(1);
    } finally {
      await tokens.stop();
    }
  });
});

describe("port state", () => {
  it("a closed port and one that does not answer TLS read the same in the pod's warning; the operator's event tells them apart", async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const plain = env.registries.open.host;
    const events: LookupEvent[] = [];
    const resolver = await testResolver(
      { "registry-insecure": "" },
      { onLookup: event => events.push(event) },
    );
    const result = await resolver.resolve(
      testPod([
        { name: "closed", image: `${closed}/apps/entry-only:1` },
        { name: "plain", image: `${plain}/apps/entry-only:1` },
      ]),
      "apps",
    );
    const warning = (name: string, host: string): string | undefined =>
      result.warnings
        .find(w => w.startsWith(`container ${name}:`))
        ?.replace(`container ${name}:`, "container NAME:")
        .replace(host, "HOST");
    expect(warning("closed", closed)).toBe(warning("plain", plain));
    expect(warning("closed", closed)).toMatch(
      /ERR_REGISTRY_UNREACHABLE: cannot reach HOST over HTTPS \(no such name, refused, reset or not TLS\);.*registry\.insecure.*registry\.mirrors/,
    );
    expect(events.map(e => e.detail).sort()).toEqual([
      expect.stringMatching(/^ECONNREFUSED/),
      expect.stringMatching(/^EPROTO/),
    ]);
  });
});

describe("large indexes", () => {
  const entry = (image: TestImage) => ({
    mediaType: image.mediaType,
    digest: image.manifest.digest,
    size: image.manifest.bytes.length,
    platform: { os: image.os, architecture: image.architecture },
  });
  /** Made-up entries: repeated and unknown platforms, Windows, none of them pushed. */
  const filler = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      mediaType: OCI_MANIFEST,
      digest: `sha256:${i.toString(16).padStart(64, "0")}`,
      size: 500,
      platform: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64" },
        { os: "linux", architecture: `made-up-${i}` },
        { os: "windows", architecture: "amd64" },
      ][i % 4],
    }));

  /** Serves an index of `entries` for apps/multi by digest: the runnable images it names are pushed there. */
  function serveIndex(entries: unknown[]): string {
    const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries });
    const digest = digestOf(Buffer.from(body));
    env.proxy.setFault(r => r.method === "GET" && r.path.endsWith(`/manifests/${digest}`), {
      kind: "body",
      body,
      headers: { "content-type": OCI_INDEX },
    });
    return `${env.proxy.host}/apps/multi@${digest}`;
  }

  it("only the entries of the node platforms are read: one per architecture, whatever else the index lists", async () => {
    const image = serveIndex([entry(IMAGES.multiAmd), entry(IMAGES.multiArm), ...filler(98)]);
    const resolver = await testResolver();
    const result = await resolver.resolve(testPod([{ name: "app", image }]), "apps");
    expect(result.resolved.get("app")).toEqual({ entrypoint: ["/multi"], cmd: ["x"] });
    // The index, then a manifest and a config for amd64 (chosen) and arm64 (compared).
    expect(env.proxy.seen).toHaveLength(5);
  });

  it("an index of 1,000 entries is refused unread with ERR_INDEX_TOO_LARGE after one request", async () => {
    const image = serveIndex([entry(IMAGES.multiAmd), ...filler(999)]);
    const resolver = await testResolver();
    const result = await resolver.resolve(testPod([{ name: "app", image }]), "apps");
    expect(result.failures.get("app")?.code).toBe("ERR_INDEX_TOO_LARGE");
    expect(result.failures.get("app")?.message).toContain(
      "lists 1000 manifests, more than the 128 a lookup reads",
    );
    expect(env.proxy.seen).toHaveLength(1);
  });
});

describe("oversized answers", () => {
  it("a challenge of more than 4,096 characters is ERR_REGISTRY_RESPONSE at once, and none is remembered", async () => {
    // Node reads up to 16 KB of headers: 256 remembered 12 KB realms held 95 MB, as V8 kept them.
    env.proxy.setFault(r => r.method === "GET", {
      kind: "status",
      status: 401,
      headers: { "www-authenticate": `Basic realm="${"r".repeat(12 * 1024)}"` },
    });
    const resolver = await testResolver();
    const image = `${env.proxy.host}/apps/entry-only:1`;
    for (let i = 0; i < 2; i++) {
      const result = await resolver.resolve(testPod([{ name: "app", image }]), "apps");
      const failure = result.failures.get("app");
      expect(failure?.code).toBe("ERR_REGISTRY_RESPONSE");
      expect(failure?.message).toContain(
        `${env.proxy.host} sent a WWW-Authenticate challenge of 12302 characters; more than 4096 is refused`,
      );
    }
    // Had the challenge been remembered, the second lookup would have sent no request unasked.
    expect(env.proxy.count("GET", "/manifests/")).toBe(2);
  });

  it("the registry answers read at once stay within the budget: one past it is ERR_LOOKUPS_BUSY, and the bytes come back once the first is read", async () => {
    const held: ServerResponse[] = [];
    const server = createServer((request, response) => {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.write(Buffer.alloc(6000));
      if (request.url === "/slow") held.push(response);
      else response.end();
    }).listen(0, "127.0.0.1");
    await once(server, "listening");
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const transport = testTransport({ bodyBudgetBytes: 10_000 });
    const get = (path: string) =>
      transport({
        method: "GET",
        url: new URL(base + path),
        headers: {},
        signal: AbortSignal.timeout(5000),
        maxBytes: 8000,
      });
    try {
      expect(await get("/fast")).toMatchObject({ status: 200, body: Buffer.alloc(6000) });
      const slow = get("/slow");
      // Alone each would fit: once the slow answer's 6,000 bytes are counted, the next is refused.
      let next = await get("/fast");
      for (let i = 0; i < 100 && !isLookupFailure(next); i++) next = await get("/fast");
      const busy = next as LookupFailure;
      expect(busy.code).toBe("ERR_LOOKUPS_BUSY");
      expect(busy.message).toContain("would pass 10000 bytes with this one from 127.0.0.1:");
      expect(busy.message).toMatch(/registry\.bodyBudget \(--registry-body-budget\)$/);
      held[0]?.end();
      expect(await slow).toMatchObject({ status: 200 });
      expect(await get("/fast")).toMatchObject({ status: 200, body: Buffer.alloc(6000) });
    } finally {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("oversized commands", () => {
  it("an Entrypoint of megabytes is ERR_COMMAND_TOO_LARGE: never copied into the pod", async () => {
    const huge = buildImage({ entrypoint: ["/bin/app", "x".repeat(7_900_000)] });
    await pushImage(env.registries.open.host, "apps/huge", huge, null);
    const image = `${env.proxy.host}/apps/huge@${huge.manifest.digest}`;
    const resolver = await testResolver();
    const result = await resolver.resolve(testPod([{ name: "app", image }]), "apps");
    expect(result.failures.get("app")?.code).toBe("ERR_COMMAND_TOO_LARGE");
    expect(result.failures.get("app")?.message).toContain(
      "has an Entrypoint and Cmd of 7900008 characters, more than the 65536",
    );
    expect(result.resolved.size).toBe(0);
  });
});
