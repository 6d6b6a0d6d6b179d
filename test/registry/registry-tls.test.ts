// A registry over TLS with a private CA: trusted only through --registry-ca, and blob redirects never downgrade to HTTP.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntrypointResolver } from "../../webhook/src/registry/entrypoint-resolver.js";
import { parseRegistrySettings } from "../../webhook/src/registry/registry-settings.js";
import { startCountingProxy, type CountingProxy } from "../support/registry/counting-proxy.js";
import { budget, reference, testClient, testTransport } from "./lookup-fixtures.js";
import { startRegistry, type RunningRegistry } from "../support/registry/registry-process.js";
import { startTestRegistries, type TestRegistries } from "../support/registry/test-registries.js";
import { selfSigned, type SelfSigned } from "../support/webhook/pki.js";

let dir: string;
let certificate: SelfSigned;
let registries: TestRegistries;
let tlsRegistry: RunningRegistry;
let blobStore: CountingProxy;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "podinit-registry-tls-"));
  // The registry's certificate is its own CA: what --registry-ca is given below.
  certificate = selfSigned(dir, "registry", "/CN=127.0.0.1", { altNames: "IP:127.0.0.1" });
  registries = await startTestRegistries();
  tlsRegistry = await startRegistry(
    registries.storage,
    { kind: "open" },
    {
      certFile: certificate.certFile,
      keyFile: certificate.keyFile,
    },
  );
  blobStore = await startCountingProxy(registries.open.host);
});
afterAll(async () => {
  await blobStore?.stop();
  await tlsRegistry?.stop();
  await registries?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS registries", () => {
  it("are refused without the CA (ERR_REGISTRY_UNREACHABLE names the TLS problem)", async () => {
    const client = testClient({ insecureRegistries: [] });
    const result = await client.lookup(
      reference(`${tlsRegistry.host}/apps/entry-only:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNREACHABLE" });
    expect(!result.ok && result.message).toMatch(/SELF_SIGNED|CERT|certificate/i);
    expect(!result.ok && result.message).toContain("registry.caConfigMap (--registry-ca)");
  });

  it("are trusted through --registry-ca", async () => {
    const settings = parseRegistrySettings({
      "registry-ca": certificate.certFile,
      "pull-secrets": "false",
    });
    if (!settings.ok) throw new Error(settings.errors.join("; "));
    const created = await createEntrypointResolver(settings.settings);
    if (!created.ok) throw new Error(created.message);
    const pod = {
      metadata: { name: "p" },
      spec: { containers: [{ name: "app", image: `${tlsRegistry.host}/apps/entry-and-cmd:1` }] },
    };
    const result = await created.resolver.resolve(pod, "apps");
    expect(result.resolved.get("app")).toEqual({
      entrypoint: ["/bin/app", "--home=$(HOME)"],
      cmd: ["serve", "$1"],
    });
  });

  it("never follow a blob redirect from HTTPS to plain HTTP", async () => {
    const transport = testTransport({ ca: readFileSync(certificate.certFile, "utf8") });
    // The registry answers over TLS; only the blob GET is redirected, by a wrapper around the transport.
    const redirecting: typeof transport = async request => {
      if (request.url.pathname.includes("/blobs/")) {
        return {
          status: 307,
          headers: { location: `http://${blobStore.host}${request.url.pathname}` },
          body: Buffer.alloc(0),
        };
      }
      return transport(request);
    };
    const client = testClient({ transport: redirecting, insecureRegistries: [] });
    const result = await client.lookup(
      reference(`${tlsRegistry.host}/apps/cmd-only:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_REDIRECT_INVALID" });
    expect(blobStore.seen).toEqual([]);
  });
});
