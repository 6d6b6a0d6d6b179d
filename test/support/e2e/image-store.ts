// Turns a rootfs directory or a Containerfile into a tagged local image, skipping the work when the tag exists.

import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { podman, podmanResult } from "./podman.js";

/** An image reference whose tag is the content hash of its inputs. */
export function imageReference(name: string, hash: string): string {
  return `localhost/podinit-e2e/${name}:${hash}`;
}

export async function imageExists(reference: string): Promise<boolean> {
  const result = await podmanResult(["image", "exists", reference]);
  return result.exitCode === 0;
}

/** Builds the image with `build` unless an image with this exact reference is already stored. */
export async function cachedImage(
  reference: string,
  build: (reference: string) => Promise<void>,
): Promise<string> {
  if (!(await imageExists(reference))) await build(reference);
  return reference;
}

/** `podman import` of a tar of a root file system, with Containerfile-style changes (ENV, CMD, USER). */
export async function importRootfsTar(
  tarPath: string,
  reference: string,
  changes: readonly string[],
): Promise<void> {
  const changeArgs = changes.flatMap(change => ["--change", change]);
  await podman(["import", "--quiet", ...changeArgs, tarPath, reference], { timeoutMs: 600_000 });
}

/** `podman build` of a generated Containerfile in a throwaway context holding `files`. */
export async function buildFromContainerfile(
  reference: string,
  containerfile: string,
  files: ReadonlyMap<string, string>,
): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), "podinit-e2e-build-"));
  try {
    for (const [name, source] of files) {
      // copyFile keeps the mode bits, so executables stay executable in the image.
      copyFileSync(source, join(context, name));
    }
    writeFileSync(join(context, "Containerfile"), containerfile);
    await podman(["build", "--quiet", "--tag", reference, "--file", "Containerfile", context], {
      timeoutMs: 600_000,
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
