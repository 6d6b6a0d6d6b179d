// Manifest and index parsing and platform choice, including attestation entries and variants.

import { describe, expect, it } from "vitest";
import { isLookupFailure } from "../../webhook/src/registry/lookup-failure.js";
import { entrypointFromAnnotation } from "../../webhook/src/registry/entrypoint-annotation.js";
import {
  entriesToCompare,
  parseManifest,
  selectPlatformManifest,
  type ImageIndex,
} from "../../webhook/src/registry/manifest.js";
import { parsePlatform } from "../../webhook/src/registry/platform.js";

const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const entry = (
  c: string,
  platform: Record<string, string>,
  annotations?: Record<string, string>,
) => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: digest(c),
  size: 100,
  platform,
  ...(annotations === undefined ? {} : { annotations }),
});

function index(entries: unknown[]): ImageIndex {
  const parsed = parseManifest(
    Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: entries })),
    "application/vnd.oci.image.index.v1+json",
    "x",
  );
  if (isLookupFailure(parsed) || parsed.kind !== "index") throw new Error("not an index");
  return parsed;
}

describe("selectPlatformManifest", () => {
  const multi = index([
    entry("a", { os: "linux", architecture: "amd64" }),
    entry("b", { os: "linux", architecture: "arm64", variant: "v8" }),
    entry("c", { os: "linux", architecture: "arm", variant: "v6" }),
    entry(
      "d",
      { os: "unknown", architecture: "unknown" },
      { "vnd.docker.reference.type": "attestation-manifest" },
    ),
  ]);
  const pick = (text: string) => {
    const platform = parsePlatform(text);
    if (platform === null) throw new Error(text);
    const chosen = selectPlatformManifest(multi, platform, "x");
    return "digest" in chosen ? chosen.digest : chosen.code;
  };

  it.each([
    ["linux/amd64", digest("a")],
    ["linux/arm64", digest("b")],
    ["linux/arm64/v8", digest("b")],
    ["linux/arm/v6", digest("c")],
    ["linux/arm/v7", "ERR_PLATFORM_NOT_FOUND"],
    ["windows/amd64", "ERR_PLATFORM_NOT_FOUND"],
    ["unknown/unknown", "ERR_PLATFORM_NOT_FOUND"],
  ])("%s → %s", (platform, expected) => {
    expect(pick(platform)).toBe(expected);
  });

  it("takes the media type from Content-Type when the document has none", () => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        config: {
          mediaType: "application/vnd.docker.container.image.v1+json",
          digest: digest("e"),
          size: 1,
        },
      }),
    );
    expect(
      parseManifest(
        body,
        "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8",
        "x",
      ),
    ).toMatchObject({ kind: "manifest" });
  });
});

describe("entriesToCompare: the other node platforms whose commands are checked", () => {
  // Alpine's index, in its order: arm/v6 comes before arm/v7, which is what an arm node pulls.
  const alpine = index([
    entry("a", { os: "linux", architecture: "amd64" }),
    entry("b", { os: "linux", architecture: "arm", variant: "v6" }),
    entry("c", { os: "linux", architecture: "arm", variant: "v7" }),
    entry("d", { os: "linux", architecture: "arm64", variant: "v8" }),
    entry("e", { os: "linux", architecture: "386" }),
    entry("f", { os: "linux", architecture: "ppc64le" }),
    entry("g", { os: "linux", architecture: "riscv64" }),
    entry("h", { os: "linux", architecture: "s390x" }),
    entry("i", { os: "windows", architecture: "amd64" }),
    entry(
      "j",
      { os: "unknown", architecture: "unknown" },
      { "vnd.docker.reference.type": "attestation-manifest" },
    ),
  ]);
  const compared = (platform: string) => {
    const wanted = parsePlatform(platform);
    if (wanted === null) throw new Error(platform);
    const chosen = selectPlatformManifest(alpine, wanted, "x");
    if (isLookupFailure(chosen)) throw new Error(chosen.message);
    return entriesToCompare(alpine, chosen).map(e => e.digest);
  };

  it("from amd64: the entry each other node architecture pulls, arm's default variant v7 included", () => {
    expect(compared("linux/amd64")).toEqual([digest("c"), digest("d"), digest("f"), digest("h")]);
  });

  it("from arm/v6: the amd64 entry and the others, never a second arm entry", () => {
    expect(compared("linux/arm/v6")).toEqual([digest("a"), digest("d"), digest("f"), digest("h")]);
  });
});

describe("podinit.dev/entrypoint.<container>", () => {
  const key = "podinit.dev/entrypoint.web";
  it.each([
    ['["/app", "--x"]', { entrypoint: ["/app", "--x"], cmd: [] }],
    ['{"entrypoint": ["/app"], "cmd": ["run"]}', { entrypoint: ["/app"], cmd: ["run"] }],
    ['{"cmd": ["run"]}', { entrypoint: [], cmd: ["run"] }],
  ])("%s", (text, expected) => {
    expect(entrypointFromAnnotation({ [key]: text }, "web")).toEqual(expected);
  });

  it.each(["[]", "{}", "[1]", '"x"', "not json", '{"entrypoint": "x"}'])("rejects %s", text => {
    expect(entrypointFromAnnotation({ [key]: text }, "web")).toMatchObject({
      code: "ERR_ENTRYPOINT_ANNOTATION_INVALID",
    });
  });

  it("is absent for other containers", () => {
    expect(entrypointFromAnnotation({ [key]: '["/x"]' }, "db")).toBeNull();
    expect(entrypointFromAnnotation(undefined, "db")).toBeNull();
  });
});
