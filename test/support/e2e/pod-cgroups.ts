// Removes the empty cgroup directories podman 4.3 leaves behind in the named "systemd" and unified hierarchies of a hybrid host.

import { readdir, rmdir } from "node:fs/promises";
import { join } from "node:path";

const CGROUP_ROOT = "/sys/fs/cgroup";
const POD_PARENT = "libpod_parent";

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter(entry => entry.isDirectory()).map(entry => join(dir, entry.name));
  } catch {
    return [];
  }
}

/** Deepest first, since a cgroup with children cannot be removed; a busy one is left alone. */
async function removeTree(dir: string): Promise<void> {
  for (const child of await subdirectories(dir)) await removeTree(child);
  await rmdir(dir).catch(() => undefined);
}

/** Only the cgroups of these pods (full ids), never anything else on the machine. */
export async function removeLeftoverPodCgroups(podIds: readonly string[]): Promise<void> {
  for (const hierarchy of await subdirectories(CGROUP_ROOT)) {
    for (const id of podIds) {
      if (/^[0-9a-f]{64}$/.test(id)) await removeTree(join(hierarchy, POD_PARENT, id));
    }
  }
}
