// Docker Hub as container runtimes reach it: its API on registry-1.docker.io, tokens from auth.docker.io; both stood in for on loopback.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseDockerConfigJson } from "../../webhook/src/registry/docker-config.js";
import { type AddressResolver } from "../../webhook/src/registry/registry-transport.js";
import { makeTestPki, type TestPki } from "../support/webhook/pki.js";
import { startCountingProxy, type CountingProxy } from "../support/registry/counting-proxy.js";
import { loopbackResolver } from "./public-hosts.js";
import { budget, reference, testClient, testTransport } from "./lookup-fixtures.js";
import { buildImage, pushImage } from "../support/registry/oci-images.js";
import { startRegistry, type RunningRegistry } from "../support/registry/registry-process.js";
import {
  PASSWORD,
  USER,
  startTestRegistries,
  type TestRegistries,
} from "../support/registry/test-registries.js";
import { startTokenServer, type TokenServer } from "../support/registry/token-server.js";

/**
 * Docker Hub's two hosts, each on a loopback address of its own at port 443 (the ports the real
 * ones use, so URLs carry none), with a certificate for its name from a CA only this test trusts.
 * Every other name fails to resolve: no test ever reaches the network.
 */
const HUB = { host: "registry-1.docker.io", address: "127.5.0.1" };
const AUTH = { host: "auth.docker.io", address: "127.5.0.2" };
const hubResolver = loopbackResolver(
  new Map([
    [HUB.host, HUB.address],
    [AUTH.host, AUTH.address],
  ]),
);
const NO_NETWORK: AddressResolver = (hostname, callback) =>
  callback(
    Object.assign(new Error(`getaddrinfo EAI_AGAIN ${hostname}`), { code: "EAI_AGAIN" }),
    [],
  );

const APP = buildImage({
  entrypoint: ["/docker-entrypoint.sh"],
  cmd: ["nginx", "-g", "daemon off;"],
});

let dir: string;
let pki: TestPki;
let ca: string;
let registries: TestRegistries;
let tokens: TokenServer;
let hub: RunningRegistry;
let emptyMirror: RunningRegistry;
let mirror: CountingProxy;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "podinit-docker-hub-"));
  // Docker Hub's two names on one certificate, from a CA only this test trusts.
  pki = makeTestPki([`DNS:${HUB.host}`, `DNS:${AUTH.host}`]);
  const certificate = { certFile: join(dir, "hub.pem"), keyFile: join(dir, "hub.key") };
  pki.issue(certificate.certFile, certificate.keyFile, 1);
  ca = pki.caPem.toString();
  registries = await startTestRegistries();
  await pushImage(registries.open.host, "library/nginx", APP, "1.27");
  await pushImage(registries.open.host, "acme/private-app", APP, "2");
  // As Docker Hub: official images are public, the rest needs the owner's credentials.
  tokens = await startTokenServer(
    { [USER]: PASSWORD },
    {
      publicPrefixes: ["library/"],
      service: "registry.docker.io",
      tls: { ...certificate, listen: `${AUTH.address}:443` },
    },
  );
  hub = await startRegistry(
    registries.storage,
    {
      kind: "token",
      realm: tokens.realmOn(AUTH.host),
      service: tokens.service,
      issuer: tokens.issuer,
      certFile: tokens.certFile,
    },
    certificate,
    `${HUB.address}:443`,
  );
  // A pull-through cache in front of an empty registry: the lookup goes on to Docker Hub.
  const emptyStorage = mkdtempSync(join(dir, "empty-"));
  emptyMirror = await startRegistry(emptyStorage);
  mirror = await startCountingProxy(emptyMirror.host);
}, 60_000);
afterAll(async () => {
  await mirror?.stop();
  await emptyMirror?.stop();
  await hub?.stop();
  await tokens?.stop();
  await registries?.stop();
  rmSync(dir, { recursive: true, force: true });
  if (pki !== undefined) rmSync(pki.dir, { recursive: true, force: true });
});
beforeEach(() => {
  tokens.requests.length = 0;
  mirror.reset();
});

const hubClient = (options: { mirrors?: ReadonlyMap<string, readonly string[]> } = {}) =>
  testClient({
    transport: testTransport({ resolve: hubResolver, ca }),
    mirrors: options.mirrors ?? new Map(),
  });

describe("Docker Hub", () => {
  it.each(["nginx:1.27", "docker.io/library/nginx:1.27", "index.docker.io/library/nginx:1.27"])(
    "%s is looked up at registry-1.docker.io with an anonymous token from auth.docker.io",
    async image => {
      const result = await hubClient().lookup(reference(image), [], budget());
      expect(result).toMatchObject({
        ok: true,
        entrypoint: ["/docker-entrypoint.sh"],
        cmd: ["nginx", "-g", "daemon off;"],
      });
      expect(tokens.requests).toEqual([
        { scope: "repository:library/nginx:pull", service: "registry.docker.io", user: null },
      ]);
    },
  );

  it.each(["docker.io", "index.docker.io", "https://index.docker.io/v1/", "registry-1.docker.io"])(
    "credentials stored under %s open a private repository, and go to Docker Hub alone",
    async key => {
      // Through the pull secret's own parser, which is where the spellings become one.
      const secret = JSON.stringify({ auths: { [key]: { username: USER, password: PASSWORD } } });
      const parsed = parseDockerConfigJson(secret, "apps/hub-login");
      if (!parsed.ok) throw new Error(parsed.message);
      const creds = parsed.credentials;
      // A cache that asks for a login: it would get Hub's credentials if they went there.
      mirror.setFault(() => true, {
        kind: "status",
        status: 401,
        headers: { "www-authenticate": 'Basic realm="hub-cache"' },
      });
      const client = hubClient({ mirrors: new Map([["docker.io", [mirror.host]]]) });
      const result = await client.lookup(reference("acme/private-app:2"), creds, budget());
      expect(result).toMatchObject({ ok: true, entrypoint: ["/docker-entrypoint.sh"] });
      // The mirror was asked first, and refused: it never saw them.
      expect(mirror.seen.length).toBeGreaterThan(0);
      expect(mirror.seen.filter(r => r.authorization !== null)).toEqual([]);
      // The realm Docker Hub's challenge names got them, for the repository asked for.
      expect(tokens.requests).toEqual([
        { scope: "repository:acme/private-app:pull", service: "registry.docker.io", user: USER },
      ]);
    },
  );

  it("refuses a private repository without credentials, naming registry-1.docker.io and the secret to give", async () => {
    const result = await hubClient().lookup(reference("acme/private-app:2"), [], budget());
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
    // The endpoint that refused, and the name a pull secret must give for it.
    expect((result as { message: string }).message).toMatch(
      /^registry-1\.docker\.io refused access .*; give the pod an imagePullSecret for docker\.io /,
    );
    expect(tokens.requests.map(r => r.user)).toEqual([null]);
  });

  it("a registry reached over plain HTTP cannot send its credentials to an HTTPS realm elsewhere", async () => {
    // Its challenge came in clear text: anyone on the way could have named auth.docker.io.
    const plain = await startRegistry(registries.storage, {
      kind: "token",
      realm: tokens.realmOn(AUTH.host),
      service: tokens.service,
      issuer: tokens.issuer,
      certFile: tokens.certFile,
    });
    try {
      const creds = [
        { key: plain.host, username: USER, password: PASSWORD, source: "apps/plain-login" },
      ];
      const result = await hubClient().lookup(
        reference(`${plain.host}/acme/private-app:2`),
        creds,
        budget(),
      );
      expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
      expect(tokens.requests.map(r => r.user)).toEqual([null]);
    } finally {
      await plain.stop();
    }
  });

  it("with the network cut, the failure names registry-1.docker.io and how to use a mirror", async () => {
    const client = testClient({ transport: testTransport({ resolve: NO_NETWORK }) });
    const result = await client.lookup(reference("nginx:1.27"), [], budget());
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNREACHABLE" });
    const message = (result as { message: string }).message;
    expect(message).toMatch(/^cannot reach registry-1\.docker\.io /);
    expect(message).toContain("registry.mirrors (--registry-mirror)");
  });
});
