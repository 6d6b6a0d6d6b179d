// The kubelet's cgroup root on the host: the one thing of the test node that outlives its namespaces, so the harness makes and removes it.

import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { HarnessError } from "../../test/support/e2e/harness-error.js";

const CGROUP_FS = "/sys/fs/cgroup";

/**
 * The harness creates and removes the kubelet's cgroup root per v1 hierarchy, as this project's
 * machines have them (cgroup v1 with the unified v2 beside it). A host with cgroup v2 alone is
 * told so at once rather than half set up.
 */
export function requireCgroupV1(): void {
  if (existsSync(join(CGROUP_FS, "cgroup.controllers"))) {
    throw new HarnessError(
      "ERR_TOOL_MISSING",
      `${CGROUP_FS} is cgroup v2 alone: the test node's harness (e2e/cluster) supports cgroup v1 and hybrid hosts only`,
    );
  }
}

/**
 * The kubelet wants its cgroup root to exist in every hierarchy already. In cgroup v1 a new
 * cpuset has no CPUs and no memory nodes until given its parent's.
 */
export function createCgroupRoot(root: string): void {
  for (const hierarchy of readdirSync(CGROUP_FS)) {
    const parent = join(CGROUP_FS, hierarchy);
    if (!statSync(parent).isDirectory()) continue;
    const path = join(parent, root);
    mkdirSync(path, { recursive: true });
    for (const setting of ["cpuset.cpus", "cpuset.mems"]) {
      const inherited = join(parent, setting);
      if (existsSync(inherited)) writeFileSync(join(path, setting), readFileSync(inherited));
    }
  }
}

/** Every cgroup folder below `root` in every hierarchy, deepest first. */
function cgroupFolders(root: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(path, entry.name));
    }
    found.push(path);
  };
  for (const hierarchy of readdirSync(CGROUP_FS)) {
    const top = join(CGROUP_FS, hierarchy, root);
    if (existsSync(top) && statSync(top).isDirectory()) walk(top);
  }
  return found;
}

/**
 * Removes `root` in every hierarchy once the node's processes are gone; a cgroup whose last
 * processes are still exiting is busy, so busy ones are retried for a while.
 */
export async function removeCgroupRoot(root: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const left = cgroupFolders(root).filter(path => {
      try {
        rmdirSync(path);
        return false;
      } catch {
        return true;
      }
    });
    if (left.length === 0) break;
    if (Date.now() > deadline)
      throw new HarnessError("ERR_TIMEOUT", `cgroups still busy after 30 s: ${left.join(", ")}`);
    await sleep(100);
  }
}
