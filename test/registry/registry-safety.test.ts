// Where credentials may go and which addresses may be contacted: secrets stay with their host, metadata endpoints are never reached.

import type { LookupAddress } from "node:dns";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AddressResolver } from "../../webhook/src/registry/registry-transport.js";
import { parseImageReference } from "../../webhook/src/registry/image-reference.js";
import { isLookupFailure } from "../../webhook/src/registry/lookup-failure.js";
import { startCountingProxy, type CountingProxy } from "../support/registry/counting-proxy.js";
import { budget, credential, reference, testClient, testTransport } from "./lookup-fixtures.js";
import { startRegistry, type RunningRegistry } from "../support/registry/registry-process.js";
import {
  IMAGES,
  PASSWORD,
  USER,
  startTestRegistries,
  type TestRegistries,
} from "../support/registry/test-registries.js";

let registries: TestRegistries;
let basicProxy: CountingProxy;
let openProxy: CountingProxy;
let blobStore: CountingProxy;
let foreignRealmRegistry: RunningRegistry;

/** Test names: `*.test` → loopback, `metadata.test` → the cloud metadata address. */
const testResolver: AddressResolver = (hostname, callback) => {
  const table: Record<string, LookupAddress[]> = {
    "metadata.test": [{ address: "169.254.169.254", family: 4 }],
    "rebound.test": [
      { address: "127.0.0.1", family: 4 },
      { address: "fd00:ec2::254", family: 6 },
    ],
    "alibaba.test": [{ address: "100.100.100.200", family: 4 }],
    "nat64.test": [{ address: "64:ff9b::a9fe:a9fe", family: 6 }],
    "compatible.test": [{ address: "::169.254.169.254", family: 6 }],
  };
  callback(null, table[hostname] ?? [{ address: "127.0.0.1", family: 4 }]);
};
const transport = testTransport({ resolve: testResolver });
const insecure = [
  "127.0.0.1",
  "localhost",
  "tokens.test",
  "blobs.test",
  "metadata.test",
  "rebound.test",
  "169.254.169.254",
  "[fd00:ec2::254]",
];
const client = () => testClient({ transport, insecureRegistries: insecure });

beforeAll(async () => {
  registries = await startTestRegistries({ basic: true, token: true });
  basicProxy = await startCountingProxy(registries.basic?.host ?? "");
  openProxy = await startCountingProxy(registries.open.host);
  blobStore = await startCountingProxy(registries.open.host);
  const tokens = registries.tokenServer;
  if (tokens === null) throw new Error("no token server");
  // Same storage and key, but its realm names another host than the registry's.
  foreignRealmRegistry = await startRegistry(registries.storage, {
    kind: "token",
    realm: tokens.realmOn("tokens.test"),
    service: tokens.service,
    issuer: tokens.issuer,
    certFile: tokens.certFile,
  });
});
afterAll(async () => {
  await foreignRealmRegistry?.stop();
  for (const proxy of [basicProxy, openProxy, blobStore]) await proxy?.stop();
  await registries?.stop();
});
beforeEach(() => {
  for (const proxy of [basicProxy, openProxy, blobStore]) proxy.reset();
});

describe("credentials", () => {
  it("go only to the registry host their secret names", async () => {
    const creds = [
      credential("elsewhere.test", USER, PASSWORD),
      credential(`${basicProxy.host}0`, USER, PASSWORD),
    ];
    const result = await client().lookup(
      reference(`${basicProxy.host}/apps/entry-only:1`),
      creds,
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
    expect(basicProxy.seen.length).toBeGreaterThan(0);
    expect(basicProxy.seen.filter(r => r.authorization !== null)).toEqual([]);
  });

  it("are sent to the host they name", async () => {
    const creds = [credential(basicProxy.host, USER, PASSWORD)];
    const result = await client().lookup(
      reference(`${basicProxy.host}/apps/entry-only:1`),
      creds,
      budget(),
    );
    expect(result).toMatchObject({ ok: true });
    expect(basicProxy.seen.some(r => r.authorization?.startsWith("Basic ") === true)).toBe(true);
  });

  it("are not sent in clear text to a token realm on another host (the token is asked for anonymously)", async () => {
    const tokens = registries.tokenServer;
    const before = tokens?.requests.length ?? 0;
    const host = foreignRealmRegistry.host;
    const result = await client().lookup(
      reference(`${host}/private/app:1`),
      [credential(host, USER, PASSWORD)],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
    const asked = tokens?.requests.slice(before) ?? [];
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every(r => r.user === null)).toBe(true);
    // A public repository still works there with an anonymous token.
    expect(await client().lookup(reference(`${host}/public/tool:1`), [], budget())).toMatchObject({
      ok: true,
    });
  });
});

describe("forbidden addresses", () => {
  it.each([
    "169.254.169.254/apps/x:1",
    "[fd00:ec2::254]:5000/apps/x:1",
    "metadata.test:5000/apps/x:1",
    "rebound.test:5000/apps/x:1",
  ])("%s is refused before connecting", async image => {
    const result = await client().lookup(reference(image), [], budget());
    expect(result).toMatchObject({ ok: false, code: "ERR_ADDRESS_FORBIDDEN" });
  });

  /** Each host with the code its lookup ends with: a failing host shows by name. */
  const codesOf = async (hosts: readonly string[]): Promise<[string, string][]> => {
    const codes: [string, string][] = [];
    for (const host of hosts) {
      const result = await client().lookup(reference(`${host}:5000/apps/x:1`), [], budget());
      codes.push([host, result.ok ? "ok" : result.code]);
    }
    return codes;
  };

  // A URL would turn decimal, hex and octal IPv4 into dotted form: such a host is no reference
  // (the runtimes look it up in DNS), refused before any address. IPv6 forms reach the IPv4
  // address through the host's stack (mapped, compatible) or a NAT64 translator.
  it("169.254.169.254 and 100.100.100.200 are refused in every spelling that reaches them", async () => {
    const rewritten = [
      "2852039166",
      "0xa9fea9fe",
      "0251.0376.0251.0376",
      "169.254.43518",
      "1684301000",
      "0x64.0x64.0x64.0xc8",
    ];
    const spellings = [
      "100.100.100.200",
      "[::ffff:a9fe:a9fe]",
      "[::ffff:0:a9fe:a9fe]",
      "[::a9fe:a9fe]",
      "[64:ff9b::a9fe:a9fe]",
      "[64:ff9b::6464:64c8]",
      "[64:ff9b:1::a9fe:a9fe]",
    ];
    const parsed = rewritten.map(h => {
      const result = parseImageReference(`${h}:5000/apps/x:1`);
      return [h, isLookupFailure(result) ? result.code : "ok"];
    });
    expect(parsed).toEqual(rewritten.map(h => [h, "ERR_REFERENCE_INVALID"]));
    expect(await codesOf(spellings)).toEqual(spellings.map(h => [h, "ERR_ADDRESS_FORBIDDEN"]));
  });

  it("a name that resolves to one of them is refused", async () => {
    const names = ["alibaba.test", "nat64.test", "compatible.test"];
    expect(await codesOf(names)).toEqual(names.map(name => [name, "ERR_ADDRESS_FORBIDDEN"]));
  });

  it("a token realm on a metadata address is refused", async () => {
    openProxy.setFault(r => r.path.includes("/manifests/"), {
      kind: "status",
      status: 401,
      headers: {
        "www-authenticate": 'Bearer realm="http://169.254.169.254/latest/meta-data/",service="x"',
      },
    });
    const result = await client().lookup(
      reference(`${openProxy.host}/apps/entry-only:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_ADDRESS_FORBIDDEN" });
  });
});

describe("redirects", () => {
  const tokensRealm = () => registries.tokenServer?.realmOn("tokens.test") ?? "";
  const redirectBlobsTo = (base: string): void =>
    basicProxy.setFault(r => r.method === "GET" && r.path.includes("/blobs/"), {
      kind: "status",
      status: 307,
      headers: { location: `${base}` },
    });

  it("a blob redirect is followed to plain-HTTP storage without the credentials (an in-cluster registry on MinIO)", async () => {
    // storage.test is not listed as insecure: a registry spoken to in plain HTTP may lead there.
    redirectBlobsTo(
      `http://storage.test:${blobStore.host.split(":")[1]}/v2/apps/entry-only/blobs/${IMAGES.entryOnly.config.digest}`,
    );
    const creds = [credential(basicProxy.host, USER, PASSWORD)];
    const result = await client().lookup(
      reference(`${basicProxy.host}/apps/entry-only:1`),
      creds,
      budget(),
    );
    expect(result).toMatchObject({ ok: true, entrypoint: ["/docker-entrypoint.sh"] });
    expect(blobStore.seen).toHaveLength(1);
    expect(blobStore.seen[0]?.authorization).toBeNull();
    expect(basicProxy.seen.some(r => r.path.includes("/blobs/") && r.authorization !== null)).toBe(
      true,
    );
  });

  it("a refusal from the storage a blob was sent on to names that host, never the registry's pull secret", async () => {
    redirectBlobsTo(
      `http://storage.test:${blobStore.host.split(":")[1]}/v2/apps/entry-only/blobs/${IMAGES.entryOnly.config.digest}`,
    );
    blobStore.setFault(() => true, { kind: "status", status: 403 });
    const result = await client().lookup(
      reference(`${basicProxy.host}/apps/entry-only:1`),
      [credential(basicProxy.host, USER, PASSWORD)],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
    const { message } = result as { message: string };
    expect(message).toContain(
      `${basicProxy.host} sent the request for /v2/apps/entry-only/blobs/${IMAGES.entryOnly.config.digest} on to storage.test:${blobStore.host.split(":")[1]}, which answered 403`,
    );
    expect(message).not.toContain("imagePullSecret for");
  });

  const redirectManifestsTo = (location: string, status = 307): void =>
    basicProxy.setFault(
      r =>
        r.method === "GET" && r.path.includes("/manifests/sha256:") && !r.path.endsWith("?hop=1"),
      {
        kind: "status",
        status,
        headers: { location },
      },
    );
  const privateLookup = () =>
    client().lookup(
      reference(`${basicProxy.host}/apps/entry-only:1`),
      [credential(basicProxy.host, USER, PASSWORD)],
      budget(),
    );

  it.each([
    [301, "relative"],
    [302, "absolute"],
    [303, "relative"],
    [308, "absolute"],
  ] as const)(
    "a manifest redirect (%i, %s Location) to the registry's own host keeps its credentials",
    async (status, form) => {
      // Same host, another path for the same bytes: the registry's credentials still apply there.
      const path = `/v2/apps/entry-only/manifests/${IMAGES.entryOnly.manifest.digest}?hop=1`;
      redirectManifestsTo(form === "relative" ? path : `http://${basicProxy.host}${path}`, status);
      const result = await privateLookup();
      expect(result).toMatchObject({ ok: true, entrypoint: ["/docker-entrypoint.sh"] });
      const hop = basicProxy.seen.filter(r => r.path.endsWith("?hop=1"));
      expect(hop.length).toBeGreaterThan(0);
      expect(hop.every(r => r.authorization !== null)).toBe(true);
    },
  );

  it("a redirect loop ends after three hops with ERR_REDIRECT_INVALID", async () => {
    const loop = `/v2/apps/entry-only/manifests/sha256:${"0".repeat(64)}`;
    redirectManifestsTo(`http://${basicProxy.host}${loop}`);
    const result = await privateLookup();
    expect(result).toMatchObject({ ok: false, code: "ERR_REDIRECT_INVALID" });
    expect(!result.ok && result.message).toContain("more than 3 times");
    expect(basicProxy.count("GET", loop)).toBe(3);
  });

  it("a Location that names no repository (broken escapes) is asked with no login, and no token is made for it", async () => {
    // The hop challenges: were a scope made from its path (or the image's), a token would be asked for.
    blobStore.setFault(() => true, {
      kind: "status",
      status: 401,
      headers: { "www-authenticate": `Bearer realm="${tokensRealm()}",service="x"` },
    });
    const before = registries.tokenServer?.requests.length ?? 0;
    redirectManifestsTo(
      `http://blobs.test:${blobStore.host.split(":")[1]}/v2/a%E0%20b/manifests/1`,
    );
    const result = await privateLookup();
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
    expect(blobStore.seen.map(r => r.authorization)).toEqual([null]);
    expect(registries.tokenServer?.requests.length ?? 0).toBe(before);
  });

  it("a manifest redirect to a metadata address is refused", async () => {
    redirectManifestsTo("http://169.254.169.254/v2/x/manifests/1");
    expect(await privateLookup()).toMatchObject({ ok: false, code: "ERR_ADDRESS_FORBIDDEN" });
  });

  it("a blob redirect to a metadata address is refused", async () => {
    redirectBlobsTo("http://169.254.169.254/latest/meta-data/");
    const creds = [credential(basicProxy.host, USER, PASSWORD)];
    const result = await client().lookup(
      reference(`${basicProxy.host}/apps/cmd-only:1`),
      creds,
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_ADDRESS_FORBIDDEN" });
  });
});
