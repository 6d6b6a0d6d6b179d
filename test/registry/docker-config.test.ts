// Pull-secret payloads and the kubelet's matching of their keys to an image.

import { describe, expect, it } from "vitest";
import {
  credentialKeyMatches,
  credentialsForImage,
  normaliseCredentialKey,
  parseDockerCfg,
  parseDockerConfigJson,
} from "../../webhook/src/registry/docker-config.js";
import { credentialsFromSecret } from "../../webhook/src/registry/pull-secrets.js";

const b64 = (text: string): string => Buffer.from(text).toString("base64");

describe("parsing", () => {
  it("reads username/password and the auth field of dockerconfigjson", () => {
    const parsed = parseDockerConfigJson(
      JSON.stringify({
        auths: {
          "https://registry.test:5000/": { username: "u", password: "p" },
          "other.test": { auth: b64("user:pa:ss") },
          "empty.test": {},
        },
      }),
      "ns/s",
    );
    expect(parsed).toEqual({
      ok: true,
      credentials: [
        { key: "registry.test:5000", username: "u", password: "p", source: "ns/s" },
        { key: "other.test", username: "user", password: "pa:ss", source: "ns/s" },
      ],
    });
  });

  it("reads the older dockercfg layout", () => {
    expect(
      parseDockerCfg(JSON.stringify({ "registry.test": { auth: b64("a:b") } }), "ns/s"),
    ).toMatchObject({
      ok: true,
      credentials: [{ key: "registry.test", username: "a", password: "b" }],
    });
  });

  it("reports malformed payloads without their content", () => {
    const result = parseDockerConfigJson('{"auth": "c2VjcmV0"}', "ns/s");
    expect(result).toEqual({
      ok: false,
      message: "secret ns/s: .dockerconfigjson has no 'auths' object",
    });
    expect(parseDockerCfg("not json", "ns/s")).toMatchObject({ ok: false });
  });

  it("decodes secrets of both types and ignores others", () => {
    const json = {
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": b64('{"auths":{"r.test":{"auth":"' + b64("x:y") + '"}}}') },
    };
    expect(credentialsFromSecret(json, "ns/a").credentials).toMatchObject([
      { key: "r.test", username: "x" },
    ]);
    const cfg = {
      type: "kubernetes.io/dockercfg",
      data: { ".dockercfg": b64('{"r.test":{"username":"x","password":"y"}}') },
    };
    expect(credentialsFromSecret(cfg, "ns/b").credentials).toMatchObject([
      { key: "r.test", password: "y" },
    ]);
    const opaque = credentialsFromSecret({ type: "Opaque", data: {} }, "ns/c");
    expect(opaque.credentials).toEqual([]);
    expect(opaque.warning).toContain("Opaque");
  });

  it.each([
    ["https://index.docker.io/v1/", "docker.io"],
    ["index.docker.io", "docker.io"],
    ["docker.io", "docker.io"],
    ["http://Registry.Test:5000/team/", "registry.test:5000/team"],
  ])("normalises the key %s to %s", (raw, key) => {
    expect(normaliseCredentialKey(raw)).toBe(key);
  });
});

describe("matching keys to images (kubelet rules)", () => {
  it.each([
    ["registry.test", "registry.test", "app", true],
    ["registry.test", "registry.test:5000", "app", false],
    ["registry.test:5000", "registry.test", "app", false],
    ["registry.test:5000", "registry.test:5000", "a/b", true],
    ["*.registry.test", "eu.registry.test", "app", true],
    ["*.registry.test", "registry.test", "app", false],
    ["*.registry.test", "a.b.registry.test", "app", false],
    ["registry.test/team", "registry.test", "team/app", true],
    ["registry.test/team", "registry.test", "teamx/app", false],
    ["registry.test/team", "registry.test", "other/app", false],
    ["docker.io", "docker.io", "library/nginx", true],
    ["evil.test", "registry.test", "app", false],
    ["registry.test.evil.test", "registry.test", "app", false],
  ])("key %s for %s/%s: %s", (key, registry, repository, expected) => {
    expect(credentialKeyMatches(key, registry, repository)).toBe(expected);
  });

  it("orders matches most specific first", () => {
    const c = (key: string) => ({ key, username: key, password: "p", source: "s" });
    expect(
      credentialsForImage([c("r.test"), c("r.test/team"), c("x.test")], "r.test", "team/app").map(
        x => x.key,
      ),
    ).toEqual(["r.test/team", "r.test"]);
  });
});
