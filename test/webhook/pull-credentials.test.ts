// Pull credentials from the cache without waiting: the same answer as reading them, or none at all.

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createEntrypointResolver } from "../../webhook/src/registry/entrypoint-resolver.js";
import {
  cachedPullCredentials,
  cachedPullSecretSource,
  collectPullCredentials,
} from "../../webhook/src/registry/pull-secrets.js";
import { parseRegistrySettings } from "../../webhook/src/registry/registry-settings.js";
import { dockerConfigSecret, fakePullSecrets } from "../registry/fake-pull-secrets.js";
import { startTestRegistries, type TestRegistries } from "../support/registry/test-registries.js";

const TTL = 10_000;

function source(failing: ReadonlySet<string> = new Set()) {
  const fake = fakePullSecrets(
    {
      "apps/own": dockerConfigSecret("one.example", "u1", "p1"),
      "apps/shared": dockerConfigSecret("two.example", "u2", "p2"),
      "apps/broken": { type: "kubernetes.io/dockerconfigjson", data: {} },
    },
    { "apps/builder": ["shared", "own", "gone"] },
    failing,
  );
  let clock = 0;
  const cached = cachedPullSecretSource(fake, TTL, () => clock);
  return { fake, cached, advance: (ms: number) => (clock += ms) };
}

const POD = {
  serviceAccountName: "builder",
  imagePullSecrets: [{ name: "own" }, { name: "broken" }, {}],
};

describe("cachedPullCredentials", () => {
  it("knows nothing before the first read, then answers as the read did, without reading", async () => {
    const { fake, cached } = source();
    expect(cachedPullCredentials(cached, "apps", POD)).toBeUndefined();
    const read = await collectPullCredentials(cached, "apps", POD);
    expect(read.credentials).toHaveLength(2);
    expect(read.warnings).toEqual(["pull secret apps/broken has no docker config key"]);
    const reads = fake.reads.length;
    const known = cachedPullCredentials(cached, "apps", POD);
    expect(known).toEqual(read);
    expect(fake.reads).toHaveLength(reads);
    // The same credential objects each time: nothing is parsed again.
    expect(known?.credentials[0]).toBe(read.credentials[0]);
  });

  it("does not keep failed reads: the next review reads and warns again", async () => {
    const { cached } = source(new Set(["apps/shared"]));
    const read = await collectPullCredentials(cached, "apps", POD);
    expect(read.warnings).toContain(
      "cannot read pull secret apps/shared: forbidden (does the webhook's RBAC allow get on secrets and serviceaccounts?)",
    );
    expect(cachedPullCredentials(cached, "apps", POD)).toBeUndefined();
  });

  it("forgets what it read once the TTL is over", async () => {
    const { cached, advance } = source();
    await collectPullCredentials(cached, "apps", POD);
    advance(TTL + 1);
    expect(cachedPullCredentials(cached, "apps", POD)).toBeUndefined();
  });
});

describe("a review whose image and pull secrets are cached", () => {
  let registries: TestRegistries;
  beforeAll(async () => {
    registries = await startTestRegistries();
  });
  afterAll(async () => {
    await registries?.stop();
  });

  it("is answered at once: no promise, no deadline timer, nothing read", async () => {
    const settings = parseRegistrySettings({ "registry-insecure": "127.0.0.1" });
    if (!settings.ok) throw new Error(settings.errors.join("; "));
    const fake = fakePullSecrets(
      { "apps/pull": dockerConfigSecret(registries.open.host, "u", "p") },
      { "apps/default": ["pull"] },
    );
    const created = await createEntrypointResolver(settings.settings, { pullSecrets: fake });
    if (!created.ok) throw new Error(created.message);
    const pod = {
      metadata: { name: "p" },
      spec: { containers: [{ name: "app", image: `${registries.open.host}/apps/entry-only:1` }] },
    };
    const first = await created.resolver.resolve(pod, "apps");
    expect(first.resolved.get("app")?.entrypoint).toEqual(["/docker-entrypoint.sh"]);
    const reads = fake.reads.length;
    const timeout = vi.spyOn(AbortSignal, "timeout");
    try {
      const again = created.resolver.resolve(pod, "apps");
      expect(again).not.toBeInstanceOf(Promise);
      expect(again).toEqual(first);
      expect(timeout).not.toHaveBeenCalled();
      expect(fake.reads).toHaveLength(reads);
    } finally {
      timeout.mockRestore();
    }
  });
});
