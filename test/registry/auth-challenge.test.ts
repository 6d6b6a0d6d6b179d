// WWW-Authenticate parsing: the forms registries send, quoting, several challenges in one header.

import { describe, expect, it } from "vitest";
import { parseAuthChallenge } from "../../webhook/src/registry/auth-challenge.js";

describe("parseAuthChallenge", () => {
  it("reads a bearer challenge with realm, service and scope", () => {
    expect(
      parseAuthChallenge(
        'Bearer realm="https://auth.test/token",service="registry.test",scope="repository:a/b:pull"',
      ),
    ).toEqual({
      scheme: "bearer",
      realm: "https://auth.test/token",
      service: "registry.test",
      scope: "repository:a/b:pull",
    });
  });

  it("accepts spaces, any order, case-insensitive names and escaped quotes", () => {
    expect(
      parseAuthChallenge('bearer  service="s", REALM="https://a.test/t?x=\\"y\\"" , scope=repo'),
    ).toEqual({
      scheme: "bearer",
      realm: 'https://a.test/t?x="y"',
      service: "s",
      scope: "repo",
    });
  });

  it("reads basic challenges", () => {
    expect(parseAuthChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: "basic",
      realm: "Registry Realm",
    });
    expect(parseAuthChallenge("Basic")).toEqual({ scheme: "basic", realm: null });
  });

  it("skips unknown schemes to find a known one", () => {
    expect(parseAuthChallenge('Negotiate abc, Bearer realm="https://a.test/t"')).toMatchObject({
      scheme: "bearer",
      realm: "https://a.test/t",
    });
  });

  it.each([undefined, "", "Bearer", 'Bearer service="x"', "Digest realm=x", "%%%"])(
    "no usable challenge in %j",
    header => {
      expect(parseAuthChallenge(header)).toBeNull();
    },
  );
});
