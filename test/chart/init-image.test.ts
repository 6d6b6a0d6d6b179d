// images/podinit built with podman from dist/podinit: FROM scratch, one layer with only the binary, USER 65532, installs itself.

import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import { podman, requireHost } from "../support/e2e/podman.js";
import {
  buildPodinitImage,
  imageConfig,
  layerContents,
  PODINIT_BINARY,
} from "../support/e2e/project-images.js";

let image = "";

beforeAll(async () => {
  await requireHost();
  image = await buildPodinitImage();
}, 600_000);

describe("images/podinit", () => {
  it("runs as the numeric user 65532 and installs itself by default", async () => {
    const config = await imageConfig(image);
    expect(config.User).toBe("65532");
    expect(config.Cmd).toEqual(["/podinit", "install", "/.podinit/podinit"]);
    expect(config.Entrypoint ?? null).toBeNull();
  });

  it("is a single layer holding only the binary", async () => {
    expect(await layerContents(image)).toEqual([["podinit"]]);
  });

  it("its default command copies the binary into a volume, as the injected init container does", async () => {
    const volume = mkdtempSync(join(tmpdir(), "podinit-install-"));
    try {
      // The image's user is not root: the volume must be writable by 65532, like an emptyDir.
      chmodSync(volume, 0o777);
      await podman(["run", "--rm", "--network", "none", "--volume", `${volume}:/.podinit`, image], {
        timeoutMs: 120_000,
      });
      const installed = join(volume, "podinit");
      expect(readFileSync(installed).equals(readFileSync(PODINIT_BINARY))).toBe(true);
      expect(statSync(installed).mode & 0o111).not.toBe(0);
    } finally {
      rmSync(volume, { recursive: true, force: true });
    }
  });
});
