// Basic and bearer-token auth against real registries: anonymous, with pull-secret credentials, tokens cached until expiry.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PASSWORD,
  USER,
  startTestRegistries,
  type TestRegistries,
} from "../support/registry/test-registries.js";
import { budget, credential, reference, testClient } from "./lookup-fixtures.js";

let registries: TestRegistries;
beforeAll(async () => {
  registries = await startTestRegistries({ basic: true, token: true });
});
afterAll(async () => {
  await registries?.stop();
});

const basicHost = (): string => registries.basic?.host ?? "";
const tokenHost = (): string => registries.token?.host ?? "";

describe("basic auth (htpasswd)", () => {
  it("refuses an anonymous lookup with ERR_REGISTRY_UNAUTHORIZED", async () => {
    const result = await testClient().lookup(
      reference(`${basicHost()}/apps/entry-only:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
  });

  it("succeeds with the pull secret's credentials for that host", async () => {
    const result = await testClient().lookup(
      reference(`${basicHost()}/apps/entry-and-cmd:1`),
      [credential(basicHost(), USER, PASSWORD)],
      budget(),
    );
    expect(result).toMatchObject({ ok: true, entrypoint: ["/bin/app", "--home=$(HOME)"] });
  });

  it("tries the next matching credential when the first is refused, as the kubelet does", async () => {
    const result = await testClient().lookup(
      reference(`${basicHost()}/apps/entry-only:1`),
      [credential(`${basicHost()}/apps`, USER, "wrong"), credential(basicHost(), USER, PASSWORD)],
      budget(),
    );
    expect(result).toMatchObject({ ok: true, entrypoint: ["/docker-entrypoint.sh"] });
  });

  it("fails with a wrong password, and the message holds no password", async () => {
    const result = await testClient().lookup(
      reference(`${basicHost()}/apps/entry-only:1`),
      [credential(basicHost(), USER, "not-the-password")],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
    expect(JSON.stringify(result)).not.toContain("not-the-password");
  });
});

describe("bearer tokens (docker-registry auth: token)", () => {
  it("gets an anonymous token for a public repository", async () => {
    const result = await testClient().lookup(
      reference(`${tokenHost()}/public/tool:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ ok: true, entrypoint: ["/docker-entrypoint.sh"] });
    expect(registries.tokenServer?.requests.at(-1)).toMatchObject({
      user: null,
      scope: "repository:public/tool:pull",
      service: registries.tokenServer?.service,
    });
  });

  it("is refused anonymously for a private repository", async () => {
    const result = await testClient().lookup(
      reference(`${tokenHost()}/private/app:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_REGISTRY_UNAUTHORIZED" });
  });

  it("sends the credentials to a realm on the registry's own host and caches the token until it expires", async () => {
    let now = 1_000_000;
    const client = testClient({ now: () => now, tagTtlMs: 1 });
    const creds = [credential(tokenHost(), USER, PASSWORD)];
    const server = registries.tokenServer;
    if (server === null) throw new Error("no token server");
    server.expiresInSeconds = 300;
    const before = server.requests.length;
    const first = await client.lookup(reference(`${tokenHost()}/private/app:1`), creds, budget());
    expect(first).toMatchObject({ ok: true, cmd: ["serve", "$1"] });
    expect(server.requests.slice(before)).toEqual([
      { user: USER, scope: "repository:private/app:pull", service: server.service },
    ]);
    now += 10_000; // past the tag TTL, well within the token's life
    expect(
      await client.lookup(reference(`${tokenHost()}/private/app:1`), creds, budget()),
    ).toMatchObject({ ok: true });
    expect(server.requests.length - before).toBe(1);
    now += 300_000; // past the token's life
    expect(
      await client.lookup(reference(`${tokenHost()}/private/app:1`), creds, budget()),
    ).toMatchObject({ ok: true });
    expect(server.requests.length - before).toBe(2);
  });
});
