// Reference normalisation as the runtimes do it (distribution/reference's ParseNormalizedNamed).

import { describe, expect, it } from "vitest";
import { parseImageReference } from "../../webhook/src/registry/image-reference.js";

const D = `sha256:${"ab".repeat(32)}`;

describe("parseImageReference", () => {
  it.each([
    ["nginx", "docker.io", "library/nginx", "latest", null],
    ["nginx:1.27", "docker.io", "library/nginx", "1.27", null],
    ["bitnami/redis", "docker.io", "bitnami/redis", "latest", null],
    ["docker.io/nginx", "docker.io", "library/nginx", "latest", null],
    ["index.docker.io/library/nginx:1", "docker.io", "library/nginx", "1", null],
    ["localhost/app", "localhost", "app", "latest", null],
    ["localhost:5000/team/app:v2", "localhost:5000", "team/app", "v2", null],
    ["127.0.0.1:5000/app", "127.0.0.1:5000", "app", "latest", null],
    ["[::1]:5000/app:1", "[::1]:5000", "app", "1", null],
    ["registry.test/a/b/c:tag", "registry.test", "a/b/c", "tag", null],
    // Host names are case-blind: one registry however a pod spells it.
    ["Registry.Test/app", "registry.test", "app", "latest", null],
    ["UPPER/app", "upper", "app", "latest", null],
    [`nginx@${D}`, "docker.io", "library/nginx", null, D],
    [`nginx:1.27@${D}`, "docker.io", "library/nginx", "1.27", D],
    [`registry.test:443/app:1@${D}`, "registry.test:443", "app", "1", D],
    ["a__b/c-d/e.f_g:x", "docker.io", "a__b/c-d/e.f_g", "x", null],
  ])("%s", (text, registry, repository, tag, digest) => {
    expect(parseImageReference(text)).toMatchObject({ registry, repository, tag, digest });
  });

  it("writes the canonical form", () => {
    expect(parseImageReference("nginx")).toMatchObject({
      canonical: "docker.io/library/nginx:latest",
    });
    expect(parseImageReference(`app@${D}`)).toMatchObject({
      canonical: `docker.io/library/app@${D}`,
    });
    expect(parseImageReference(`host:1/app:t@${D}`)).toMatchObject({
      canonical: `host:1/app:t@${D}`,
    });
  });

  it.each([
    "",
    "team/UPPER",
    "app:",
    "app:-bad",
    "app:" + "t".repeat(129),
    "app@sha256:abc",
    `app@sha256:${"AB".repeat(32)}`,
    "app@md5",
    "ab".repeat(32),
    "a//b",
    "-app",
    "app/",
    "host:port/app",
    `${"a".repeat(256)}`,
    // A URL would read these as 10.0.0.1 and 127.0.0.1; the runtimes look the names up instead.
    "10.1:5000/app",
    "0x7f.1:5000/app",
  ])("rejects %j with ERR_REFERENCE_INVALID", text => {
    expect(parseImageReference(text)).toMatchObject({ ok: false, code: "ERR_REFERENCE_INVALID" });
  });

  it("refuses an image string longer than any reference at once, quoting 64 characters of it", () => {
    // The API server takes any string as an image; the pod's warning must stay small.
    const text = `registry.test/app:${"x".repeat(200_000)}`;
    expect(parseImageReference(text)).toEqual({
      ok: false,
      code: "ERR_REFERENCE_INVALID",
      message: `image '${text.slice(0, 64)}…' is not a valid reference: it is 200018 characters, more than any valid one (1024)`,
    });
  });
});
