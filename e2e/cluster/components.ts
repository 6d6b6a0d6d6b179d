// Which release each test cluster runs, and where its binaries are: built once from the Go module proxy into a cache outside the clone.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { HarnessError } from "../../test/support/e2e/harness-error.js";
import { runProcess } from "../../test/support/e2e/process-run.js";
import type { ContainerdFlavour } from "./node-config.js";

/** A test cluster: a Kubernetes release on a container runtime. */
export interface ClusterRelease {
  /** What `make cluster-up K8S=…` and the suites call it. */
  readonly key: string;
  /** A folder of e2e/cluster/build: kubernetes-vX.Y.Z. */
  readonly kubernetes: string;
  /** A folder of e2e/cluster/build, or Debian's containerd 1.x package. */
  readonly containerd: "debian" | `containerd-${string}`;
  /** Whether pods can run podinit from an image volume here: what `auto` must find out by itself. */
  readonly imageVolumes: boolean;
}

export const RELEASES: readonly ClusterRelease[] = [
  // Debian's containerd 1.6 cannot mount image volumes: this pair is the copy-mode baseline.
  { key: "1.34", kubernetes: "kubernetes-v1.34.2", containerd: "debian", imageVolumes: false },
  {
    key: "1.37",
    kubernetes: "kubernetes-v1.37.2",
    containerd: "containerd-v2.2.9",
    imageVolumes: true,
  },
  // The newest Kubernetes on a runtime that cannot mount image volumes: every version says yes,
  // only the node can say no. Not one of the releases `make test` loops over (its key is not a
  // bare version); the auto-mode run uses it.
  {
    key: "1.37-containerd1.6",
    kubernetes: "kubernetes-v1.37.2",
    containerd: "debian",
    imageVolumes: false,
  },
];

/**
 * The oldest and the newest release podinit supports, each on its usual runtime (keys that are
 * bare versions): what the default-mode suites, the demo and the benchmarks run on.
 */
export const SUPPORTED_RELEASES: readonly ClusterRelease[] = RELEASES.filter(release =>
  /^[0-9.]+$/.test(release.key),
);

/** The newest supported release: the default of `make cluster-up` and `make demo`. */
export function newestRelease(): ClusterRelease {
  const newest = SUPPORTED_RELEASES[SUPPORTED_RELEASES.length - 1];
  if (newest === undefined) throw new HarnessError("ERR_INPUT_MISSING", "no supported release");
  return newest;
}

export const ETCD = "etcd-v3.6.17";
export const HELM = "helm-v4.3.2";

const BUILD_SCRIPT = fileURLToPath(new URL("build/build.sh", import.meta.url));
/** A cold build of Kubernetes' five commands takes about 4 minutes on 2 cores. */
const BUILD_TIMEOUT_MS = 30 * 60_000;

/** Debian's packages the node uses as they are: runc, the CNI plugins, containerd 1.x. */
export const DEBIAN_TOOLS = {
  runc: "/usr/sbin/runc",
  cniBinDir: "/usr/lib/cni",
  containerdBinDir: "/usr/bin",
} as const;

export function releaseByKey(key: string): ClusterRelease {
  const release = RELEASES.find(r => r.key === key);
  if (release === undefined) {
    throw new HarnessError(
      "ERR_INPUT_MISSING",
      `no test cluster for Kubernetes ${key}: choose one of ${RELEASES.map(r => r.key).join(", ")}`,
    );
  }
  return release;
}

/** The folder holding a pinned component's binaries; builds them the first time. */
export async function componentBinDir(component: string): Promise<string> {
  const result = await runProcess("bash", [BUILD_SCRIPT, component], {
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) {
    throw new HarnessError(
      "ERR_COMMAND_FAILED",
      `building ${component} failed: ${result.stderr.trim().split("\n").slice(-15).join("\n")}`,
    );
  }
  const lines = result.stdout.trim().split("\n");
  return join(lines[lines.length - 1] ?? "", "bin");
}

export interface NodeBinaries {
  readonly kubernetes: string;
  readonly etcd: string;
  readonly containerd: string;
  readonly helm: string;
}

function requireDebianTool(path: string, pkg: string): void {
  if (!existsSync(path)) {
    throw new HarnessError(
      "ERR_TOOL_MISSING",
      `${path} is missing: install Debian's ${pkg} (\`make deps\` as root)`,
    );
  }
}

export async function nodeBinaries(release: ClusterRelease): Promise<NodeBinaries> {
  requireDebianTool(DEBIAN_TOOLS.runc, "runc");
  requireDebianTool(join(DEBIAN_TOOLS.cniBinDir, "bridge"), "containernetworking-plugins");
  requireDebianTool("/usr/bin/catatonit", "catatonit");
  if (release.containerd === "debian")
    requireDebianTool(join(DEBIAN_TOOLS.containerdBinDir, "containerd"), "containerd");
  // One at a time: each build uses both cores.
  const kubernetes = await componentBinDir(release.kubernetes);
  const etcd = await componentBinDir(ETCD);
  const containerd =
    release.containerd === "debian"
      ? DEBIAN_TOOLS.containerdBinDir
      : await componentBinDir(release.containerd);
  const helm = await componentBinDir(HELM);
  return { kubernetes, etcd, containerd, helm };
}

export function containerdFlavour(release: ClusterRelease): ContainerdFlavour {
  return release.containerd === "debian" ? "v1" : "v2";
}
