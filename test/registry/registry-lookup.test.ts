// Lookups against a real docker-registry: manifests, indexes, digests and what each image config says.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLookupFailure } from "../../webhook/src/registry/lookup-failure.js";
import { budget, reference, testClient } from "./lookup-fixtures.js";
import {
  IMAGES,
  startTestRegistries,
  type TestRegistries,
} from "../support/registry/test-registries.js";

let registries: TestRegistries;
beforeAll(async () => {
  registries = await startTestRegistries();
});
afterAll(async () => {
  await registries?.stop();
});

describe("lookup against an open registry", () => {
  it("reads ENTRYPOINT and CMD of an OCI image by tag, with the manifest digest", async () => {
    const result = await testClient().lookup(
      reference(`${registries.open.host}/apps/entry-and-cmd:1`),
      [],
      budget(),
    );
    expect(result).toEqual({
      ok: true,
      entrypoint: ["/bin/app", "--home=$(HOME)"],
      cmd: ["serve", "$1"],
      digest: IMAGES.entryAndCmd.manifest.digest,
      warnings: [],
    });
  });

  it.each([
    ["entry-only", ["/docker-entrypoint.sh"], []],
    ["cmd-only", [], ["nginx", "-g", "daemon off;"]],
    ["nothing", [], []],
    ["null-lists", [], []],
    ["docker-format", ["/docker"], ["run"]],
  ])("image %s: entrypoint %j, cmd %j", async (name, entrypoint, cmd) => {
    const result = await testClient().lookup(
      reference(`${registries.open.host}/apps/${name}:1`),
      [],
      budget(),
    );
    expect(
      isLookupFailure(result) ? result : { entrypoint: result.entrypoint, cmd: result.cmd },
    ).toEqual({
      entrypoint,
      cmd,
    });
  });

  it("chooses the configured platform from an index", async () => {
    const ref = reference(`${registries.open.host}/apps/multi:1`);
    const amd = await testClient().lookup(ref, [], budget());
    expect(amd).toMatchObject({
      ok: true,
      entrypoint: ["/multi"],
      digest: registries.multiIndexDigest,
      warnings: [],
    });
    const arm = await testClient({
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    }).lookup(ref, [], budget());
    expect(arm).toMatchObject({ ok: true, entrypoint: ["/multi"], warnings: [] });
  });

  it("warns when the platforms of one index disagree, and uses the configured one", async () => {
    const ref = reference(`${registries.open.host}/apps/disagree:1`);
    const amd = await testClient().lookup(ref, [], budget());
    expect(amd).toMatchObject({ ok: true, entrypoint: ["/amd64-start"] });
    expect(isLookupFailure(amd) ? [] : amd.warnings).toEqual([
      expect.stringMatching(
        /disagree on ENTRYPOINT\/CMD \(linux\/arm64 differ from linux\/amd64\)/,
      ),
    ]);
    const arm = await testClient({
      platform: { os: "linux", architecture: "arm64", variant: null },
    }).lookup(ref, [], budget());
    expect(arm).toMatchObject({ ok: true, entrypoint: ["/arm64-start"] });
  });

  it("fails with ERR_PLATFORM_NOT_FOUND when the index lacks the platform", async () => {
    const result = await testClient().lookup(
      reference(`${registries.open.host}/apps/arm-only:1`),
      [],
      budget(),
    );
    expect(result).toMatchObject({ ok: false, code: "ERR_PLATFORM_NOT_FOUND" });
    expect(isLookupFailure(result) && result.message).toContain("linux/arm64");
    expect(isLookupFailure(result) && result.message).toContain("registry.platform (--platform)");
  });

  it("looks up a digest reference, and a tag + digest reference by its digest alone", async () => {
    const digest = IMAGES.entryOnly.manifest.digest;
    const byDigest = await testClient().lookup(
      reference(`${registries.open.host}/apps/entry-only@${digest}`),
      [],
      budget(),
    );
    expect(byDigest).toMatchObject({ ok: true, entrypoint: ["/docker-entrypoint.sh"], digest });
    // The tag does not exist: the runtime pulls by digest, so must the lookup.
    const tagAndDigest = await testClient().lookup(
      reference(`${registries.open.host}/apps/entry-only:no-such-tag@${digest}`),
      [],
      budget(),
    );
    expect(tagAndDigest).toMatchObject({ ok: true, entrypoint: ["/docker-entrypoint.sh"], digest });
  });

  it("fails with ERR_IMAGE_NOT_FOUND for a missing tag or repository", async () => {
    const client = testClient();
    expect(
      await client.lookup(reference(`${registries.open.host}/apps/entry-only:2`), [], budget()),
    ).toMatchObject({
      ok: false,
      code: "ERR_IMAGE_NOT_FOUND",
    });
    expect(
      await client.lookup(reference(`${registries.open.host}/apps/none:1`), [], budget()),
    ).toMatchObject({
      ok: false,
      code: "ERR_IMAGE_NOT_FOUND",
    });
  });
});
