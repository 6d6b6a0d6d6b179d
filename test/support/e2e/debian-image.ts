// podinit-e2e/debian: a minbase Debian (bash, procps) from apt's own mirror, for scenarios that need a real distro.

import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

import { findAptMirror } from "./apt-mirror.js";
import { contentHash } from "./content-hash.js";
import { cachedImage, imageReference, importRootfsTar } from "./image-store.js";
import { runProcessOrThrow } from "./process-run.js";
import { E2E_CACHE } from "./project-paths.js";
import { ROOTFS_PATH_ENV } from "./busybox-image.js";
import { packRootfs } from "./rootfs-tar.js";

const EXTRA_PACKAGES = ["procps"];
const RECIPE = "debootstrap minbase v1";
const CHANGES = [`ENV ${ROOTFS_PATH_ENV}`, 'CMD ["/bin/bash"]'];
const DEBOOTSTRAP_TIMEOUT_MS = 20 * 60_000;

/** Slow (about a minute, network-bound), so the tarball is kept in .cache/e2e for later runs and machines' caches. */
async function debootstrapTarball(suite: string, uri: string, key: string): Promise<string> {
  const tarPath = join(E2E_CACHE, `debian-${suite}-${key}.tar`);
  if (existsSync(tarPath)) return tarPath;
  const work = join(E2E_CACHE, `debootstrap-${key}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const root = join(work, "rootfs");
    await runProcessOrThrow(
      "debootstrap",
      ["--variant=minbase", `--include=${EXTRA_PACKAGES.join(",")}`, suite, root, uri],
      { timeoutMs: DEBOOTSTRAP_TIMEOUT_MS },
    );
    // Downloaded .debs and package lists are half the size and no scenario needs them.
    for (const dir of [
      ["var", "cache", "apt", "archives"],
      ["var", "lib", "apt", "lists"],
    ]) {
      rmSync(join(root, ...dir), { recursive: true, force: true });
      mkdirSync(join(root, ...dir, "partial"), { recursive: true });
    }
    await packRootfs(root, `${tarPath}.tmp`);
    renameSync(`${tarPath}.tmp`, tarPath);
    return tarPath;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function debianImage(): Promise<string> {
  const mirror = findAptMirror();
  const key = contentHash([
    { text: RECIPE },
    { text: mirror.suite },
    { text: EXTRA_PACKAGES.join(",") },
    { text: CHANGES.join("\n") },
  ]);
  return cachedImage(imageReference("debian", key), async reference => {
    const tarPath = await debootstrapTarball(mirror.suite, mirror.uri, key);
    await importRootfsTar(tarPath, reference, CHANGES);
  });
}
