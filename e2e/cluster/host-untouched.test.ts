// The test node lives in namespaces of its own: while it runs and after it is torn down, the host is as it was.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, inject, it } from "vitest";

import { pollUntil } from "../../test/support/e2e/poll.js";
import { hostState } from "./host-state.js";
import { createCgroupRoot } from "./node-cgroups.js";
import { createNodeNamespace, destroyNodeNamespace, startInNode } from "./node-namespace.js";

const cluster = inject("cluster");

describe(`Kubernetes ${cluster.release.key}: the host`, () => {
  it("sees none of the running node but its cgroup root: paths, sysctls, links, routes, mounts, iptables", async () => {
    const before = inject("hostBefore");
    const now = await hostState();
    const { cgroups: cgroupsBefore, ...restBefore } = before;
    const { cgroups: cgroupsNow, ...restNow } = now;
    expect(restNow).toEqual(restBefore);
    const added = cgroupsNow.filter(c => !cgroupsBefore.includes(c));
    const root = cluster.namespace.cgroupRoot.slice(1);
    expect(added.length).toBeGreaterThan(0);
    expect(added.every(c => c.endsWith(`/${root}`))).toBe(true);
    expect(cgroupsBefore.filter(c => !cgroupsNow.includes(c))).toEqual([]);
  });

  it("is as it was after a node is torn down: its processes, mounts, network and cgroups are gone", async () => {
    const before = await hostState();
    const dir = mkdtempSync(join(tmpdir(), "podinit-node-"));
    const root = `/podinit-teardown-test-${process.pid}`;
    try {
      const namespace = await createNodeNamespace(dir, root);
      createCgroupRoot(root);
      // A process inside the node that holds a cgroup busy and a mount of its own.
      startInNode(namespace, "holder", "sh", [
        "-c",
        `mount -t tmpfs held /mnt && echo $$ > /sys/fs/cgroup/pids${root}/cgroup.procs && exec sleep 1000`,
      ]);
      const procs = `/sys/fs/cgroup/pids${root}/cgroup.procs`;
      const holder = await pollUntil(
        () => Promise.resolve(readFileSync(procs, "utf8").trim()),
        pids => pids !== "",
        10_000,
      );
      expect(holder).not.toBe("");
      // Its tmpfs is in the node's mount namespace only.
      expect((await hostState()).mounts).toEqual(before.mounts);
      await destroyNodeNamespace(dir);
      expect(await hostState()).toEqual(before);
    } finally {
      await destroyNodeNamespace(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
