// GHCR, quay.io, registry.k8s.io, Artifact Registry, ECR and ACR as they behave, stood in for on loopback.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  parseDockerConfigJson,
  type RegistryCredential,
} from "../../webhook/src/registry/docker-config.js";
import { budget, reference, testClient, testTransport } from "./lookup-fixtures.js";
import { buildImage, pushImage } from "../support/registry/oci-images.js";
import { startPublicHosts, type PublicHosts } from "./public-hosts.js";
import {
  startRegistry,
  type RegistryAuthConfig,
  type RunningRegistry,
} from "../support/registry/registry-process.js";
import { startTestRegistries, type TestRegistries } from "../support/registry/test-registries.js";
import {
  decodeBasic,
  startTokenServer,
  type TokenServer,
} from "../support/registry/token-server.js";

const APP = buildImage({ entrypoint: ["/app"], cmd: ["serve"] });
const PAUSE = buildImage({ entrypoint: ["/pause"] });

const GHCR = "ghcr.io";
const QUAY = "quay.io";
const K8S = "registry.k8s.io";
/** registry.k8s.io's regional backend: Artifact Registry, which files its images under a prefix. */
const REGIONAL = "us-west1-docker.pkg.dev";
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const ACR = "acme.azurecr.io";

/** The logins each registry documents for pull secrets. */
const LOGINS = {
  github: { username: "octocat", password: "ghp_test-personal-access-token" },
  quay: { username: "acme+robot", password: "quay-robot-token" },
  googleToken: { username: "oauth2accesstoken", password: "ya29.test-access-token" },
  googleKey: {
    username: "_json_key",
    password: JSON.stringify({
      type: "service_account",
      private_key_id: "k1",
      client_email: "a@b",
    }),
  },
  aws: { username: "AWS", password: "eyJ0ZXN0IjoiZWNyLXRva2VuIn0=" },
  azure: { username: "00000000-0000-0000-0000-000000000000", password: "acr-refresh-token" },
} as const;

let dir: string;
let registries: TestRegistries;
let hosts: PublicHosts;
const tokens: Record<string, TokenServer> = {};
const running: RunningRegistry[] = [];

/** A registry on the shared storage, its auth as `auth` says; returns its local host. */
async function registry(auth: RegistryAuthConfig): Promise<string> {
  const started = await startRegistry(registries.storage, auth);
  running.push(started);
  return started.host;
}

/** A token service and the registry that trusts it, its challenge naming `realm`. */
async function tokenRegistry(
  name: string,
  realm: string,
  service: string,
  users: Readonly<Record<string, string>>,
  publicPrefixes: readonly string[],
): Promise<{ registry: string; token: string }> {
  const server = await startTokenServer(users, { service, publicPrefixes });
  tokens[name] = server;
  const host = await registry({
    kind: "token",
    realm,
    service,
    issuer: server.issuer,
    certFile: server.certFile,
  });
  return { registry: host, token: `127.0.0.1:${server.port}` };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "podinit-public-registries-"));
  registries = await startTestRegistries();
  for (const repository of ["acme/public-app", "acme/private-app", "team/app"])
    await pushImage(registries.open.host, repository, APP, "1");
  await pushImage(registries.open.host, "k8s-artifacts-prod/images/pause", PAUSE, "3.10");
  await pushImage(registries.open.host, "acme-project/private/app", APP, "1");

  const ghcr = await tokenRegistry(
    GHCR,
    `https://${GHCR}/token`,
    GHCR,
    { [LOGINS.github.username]: LOGINS.github.password },
    ["acme/public-"],
  );
  const quay = await tokenRegistry(
    QUAY,
    `https://${QUAY}/v2/auth`,
    QUAY,
    { [LOGINS.quay.username]: LOGINS.quay.password },
    ["acme/public-"],
  );
  const regional = await tokenRegistry(
    REGIONAL,
    `https://${REGIONAL}/v2/token`,
    REGIONAL,
    {
      [LOGINS.googleToken.username]: LOGINS.googleToken.password,
      [LOGINS.googleKey.username]: LOGINS.googleKey.password,
    },
    ["k8s-artifacts-prod/"],
  );
  const acr = await tokenRegistry(
    ACR,
    `https://${ACR}/oauth2/token`,
    ACR,
    { [LOGINS.azure.username]: LOGINS.azure.password },
    [],
  );
  // ECR asks for Basic credentials itself: no token service.
  const ecr = await registry({
    kind: "htpasswd",
    users: { [LOGINS.aws.username]: LOGINS.aws.password },
  });

  const v2 = /^\/v2\//;
  hosts = await startPublicHosts([
    {
      name: GHCR,
      address: "127.5.1.1",
      routes: [
        { path: /^\/token$/, proxyTo: ghcr.token },
        { path: v2, proxyTo: ghcr.registry },
      ],
    },
    {
      name: QUAY,
      address: "127.5.1.2",
      routes: [
        { path: /^\/v2\/auth$/, proxyTo: quay.token },
        { path: v2, proxyTo: quay.registry },
      ],
    },
    {
      // As archeio does: every registry API request goes on to the regional backend, under its prefix.
      name: K8S,
      address: "127.5.1.3",
      routes: [
        {
          path: /^\/v2\/.+/,
          redirectTo: path =>
            `https://${REGIONAL}/v2/k8s-artifacts-prod/images/${path.slice("/v2/".length)}`,
        },
      ],
    },
    {
      name: REGIONAL,
      address: "127.5.1.4",
      routes: [
        { path: /^\/v2\/token$/, proxyTo: regional.token },
        { path: v2, proxyTo: regional.registry },
      ],
    },
    { name: ECR, address: "127.5.1.5", routes: [{ path: v2, proxyTo: ecr }] },
    {
      name: ACR,
      address: "127.5.1.6",
      routes: [
        { path: /^\/oauth2\/token$/, proxyTo: acr.token },
        { path: v2, proxyTo: acr.registry },
      ],
    },
  ]);
}, 120_000);

afterAll(async () => {
  await hosts?.stop();
  await Promise.all(running.map(r => r.stop()));
  await Promise.all(Object.values(tokens).map(t => t.stop()));
  await registries?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  hosts.seen.length = 0;
  for (const server of Object.values(tokens)) server.requests.length = 0;
});

const client = () =>
  testClient({ transport: testTransport({ resolve: hosts.resolve, ca: hosts.ca }) });

/** Credentials as the kubelet would read them from a pull secret: through the same parser. */
function pullSecret(
  auths: Readonly<Record<string, { readonly username: string; readonly password: string }>>,
): RegistryCredential[] {
  const entries = Object.fromEntries(
    Object.entries(auths).map(([key, login]) => [
      key,
      { auth: Buffer.from(`${login.username}:${login.password}`).toString("base64") },
    ]),
  );
  const parsed = parseDockerConfigJson(JSON.stringify({ auths: entries }), "apps/registry-login");
  if (!parsed.ok) throw new Error(parsed.message);
  return [...parsed.credentials];
}

/** The users whose Basic credentials each host was sent. */
function basicUsersByHost(): Record<string, string[]> {
  const users: Record<string, string[]> = {};
  for (const request of hosts.seen) {
    const user = decodeBasic(request.authorization)?.name ?? null;
    if (user !== null) (users[request.host] ??= []).push(user);
  }
  for (const list of Object.values(users)) list.splice(0, list.length, ...new Set(list));
  return users;
}

const OK_APP = { ok: true, entrypoint: ["/app"], cmd: ["serve"] };

describe.each([
  { registry: GHCR, realm: "ghcr.io/token", login: LOGINS.github, who: "a GitHub login" },
  { registry: QUAY, realm: "quay.io/v2/auth", login: LOGINS.quay, who: "a robot account's login" },
])("$registry", ({ registry, realm, login, who }) => {
  it(`a public image: an anonymous token from ${realm}, on the registry's own host`, async () => {
    const result = await client().lookup(reference(`${registry}/acme/public-app:1`), [], budget());
    expect(result).toMatchObject(OK_APP);
    expect(tokens[registry]?.requests).toEqual([
      { scope: "repository:acme/public-app:pull", service: registry, user: null },
    ]);
  });

  it(`a private image: ${who} from a pull secret goes to its token realm, and to that host alone`, async () => {
    const creds = pullSecret({ [registry]: login });
    const result = await client().lookup(
      reference(`${registry}/acme/private-app:1`),
      creds,
      budget(),
    );
    expect(result).toMatchObject(OK_APP);
    expect(tokens[registry]?.requests.map(r => r.user)).toContain(login.username);
    expect(basicUsersByHost()).toEqual({ [registry]: [login.username] });
  });
});

describe("registry.k8s.io", () => {
  it("follows its redirects to the regional registry, which gives an anonymous token for its own repository", async () => {
    const result = await client().lookup(reference(`${K8S}/pause:3.10`), [], budget());
    expect(result).toMatchObject({ ok: true, entrypoint: ["/pause"] });
    expect(tokens[REGIONAL]?.requests).toEqual([
      {
        scope: "repository:k8s-artifacts-prod/images/pause:pull",
        service: REGIONAL,
        user: null,
      },
    ]);
    // The manifest and the config blob each came by way of registry.k8s.io.
    const asked = hosts.seen.filter(r => r.host === K8S).map(r => `${r.method} ${r.path}`);
    expect(asked).toEqual([
      "HEAD /v2/pause/manifests/3.10",
      expect.stringMatching(/^GET \/v2\/pause\/manifests\/sha256:/),
      expect.stringMatching(/^GET \/v2\/pause\/blobs\/sha256:/),
    ]);
  });

  it("credentials for registry.k8s.io never follow its redirect", async () => {
    const creds = pullSecret({ [K8S]: LOGINS.googleToken });
    const result = await client().lookup(reference(`${K8S}/pause:3.10`), creds, budget());
    expect(result).toMatchObject({ ok: true, entrypoint: ["/pause"] });
    expect(basicUsersByHost()[REGIONAL]).toBeUndefined();
    expect(tokens[REGIONAL]?.requests.map(r => r.user)).toEqual([null]);
  });
});

describe("Artifact Registry (and gcr.io, which it serves)", () => {
  it.each([
    ["an access token (oauth2accesstoken)", LOGINS.googleToken],
    ["a service account key (_json_key)", LOGINS.googleKey],
  ])("a private image with %s from a pull secret", async (_, login) => {
    const creds = pullSecret({ [`https://${REGIONAL}`]: login });
    const result = await client().lookup(
      reference(`${REGIONAL}/acme-project/private/app:1`),
      creds,
      budget(),
    );
    expect(result).toMatchObject(OK_APP);
    expect(tokens[REGIONAL]?.requests).toEqual([
      {
        scope: "repository:acme-project/private/app:pull",
        service: REGIONAL,
        user: login.username,
      },
    ]);
  });
});

describe("ECR", () => {
  it("Basic credentials (AWS and a login token) from a pull secret for the account's registry", async () => {
    const creds = pullSecret({ [`https://${ECR}`]: LOGINS.aws });
    const result = await client().lookup(reference(`${ECR}/team/app:1`), creds, budget());
    expect(result).toMatchObject(OK_APP);
    expect(basicUsersByHost()).toEqual({ [ECR]: [LOGINS.aws.username] });
  });

  it("without them: refused, naming the registry and the pull secret to give", async () => {
    const result = await client().lookup(reference(`${ECR}/team/app:1`), [], budget());
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
    expect(!result.ok && result.message).toContain(`imagePullSecret for ${ECR}`);
  });
});

describe("ACR", () => {
  it("a token login (the all-zero user and a refresh token) goes to the registry's oauth2/token", async () => {
    const creds = pullSecret({ [ACR]: LOGINS.azure });
    const result = await client().lookup(reference(`${ACR}/team/app:1`), creds, budget());
    expect(result).toMatchObject(OK_APP);
    expect(tokens[ACR]?.requests).toEqual([
      { scope: "repository:team/app:pull", service: ACR, user: LOGINS.azure.username },
    ]);
  });
});

describe("credentials stay with their registry", () => {
  it("with one pull secret for all six, each host is sent its own login and no other", async () => {
    const creds = pullSecret({
      [GHCR]: LOGINS.github,
      [QUAY]: LOGINS.quay,
      [K8S]: LOGINS.quay,
      [`https://${REGIONAL}`]: LOGINS.googleToken,
      [`https://${ECR}`]: LOGINS.aws,
      [ACR]: LOGINS.azure,
    });
    const images = [
      `${GHCR}/acme/private-app:1`,
      `${QUAY}/acme/private-app:1`,
      `${K8S}/pause:3.10`,
      `${REGIONAL}/acme-project/private/app:1`,
      `${ECR}/team/app:1`,
      `${ACR}/team/app:1`,
    ];
    const lookup = client();
    for (const image of images)
      expect(await lookup.lookup(reference(image), creds, budget())).toMatchObject({ ok: true });
    expect(basicUsersByHost()).toEqual({
      [GHCR]: [LOGINS.github.username],
      [QUAY]: [LOGINS.quay.username],
      [REGIONAL]: [LOGINS.googleToken.username],
      [ECR]: [LOGINS.aws.username],
      [ACR]: [LOGINS.azure.username],
    });
  });
});
