// One whole single-node Kubernetes from its own components (etcd, API server, controller manager, scheduler, containerd, kubelet), up and down.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { HarnessError } from "../../test/support/e2e/harness-error.js";
import { podman } from "../../test/support/e2e/podman.js";
import type { ProcessResult } from "../../test/support/e2e/process-run.js";
import { REPO_ROOT } from "../../test/support/e2e/project-paths.js";
import {
  containerdFlavour,
  DEBIAN_TOOLS,
  nodeBinaries,
  type ClusterRelease,
  type NodeBinaries,
} from "./components.js";
import { kubectl } from "./kubectl.js";
import { createCgroupRoot, requireCgroupV1 } from "./node-cgroups.js";
import {
  apiServerArgs,
  controllerManagerArgs,
  etcdArgs,
  kubeletArgs,
  schedulerArgs,
} from "./node-command-lines.js";
import {
  API_SERVER_NAMES,
  CLIENT_IDENTITIES,
  cniConfig,
  CONTAINERD_SOCKET,
  containerdConfig,
  kubeconfig,
  kubeconfigPath,
  kubeletConfig,
  kubeProxyConfig,
  layoutPaths,
  NODE_NAME,
  type NodeLayout,
} from "./node-config.js";
import {
  createNodeNamespace,
  destroyNodeNamespace,
  runInNode,
  startInNode,
  type NodeNamespace,
} from "./node-namespace.js";
import { pauseImage } from "./pause-image.js";
import { createPki, issue } from "./pki.js";

export interface Cluster {
  readonly release: ClusterRelease;
  readonly dir: string;
  readonly namespace: NodeNamespace;
  readonly binaries: NodeBinaries;
}

export function clusterDir(release: ClusterRelease): string {
  return join(REPO_ROOT, ".cache", "cluster", `k8s-${release.key}`);
}

/** One cgroup root per cluster folder, so two clones' clusters never share one. */
function cgroupRoot(dir: string): string {
  return `/podinit-test-${createHash("sha256").update(dir).digest("hex").slice(0, 10)}`;
}

function logTail(dir: string, component: string, lines = 20): string {
  const file = join(layoutPaths(dir).logs, `${component}.log`);
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** Polls `ready` until it holds; on time-out the error carries the component's log. */
async function waitFor(
  dir: string,
  component: string,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) {
      throw new HarnessError(
        "ERR_TIMEOUT",
        `${what} within ${timeoutMs / 1000} s failed; ${component}'s log ends:\n${logTail(dir, component)}`,
      );
    }
    await sleep(250);
  }
}

async function writePki(dir: string) {
  const pki = await createPki(join(dir, "pki"));
  await issue(pki, {
    name: "apiserver",
    commonName: "kube-apiserver",
    subjectAltNames: API_SERVER_NAMES,
  });
  for (const identity of CLIENT_IDENTITIES) {
    await issue(pki, {
      name: identity.user,
      commonName: identity.cn,
      ...(identity.o === undefined ? {} : { organization: identity.o }),
    });
  }
  return pki;
}

function writeConfiguration(layout: NodeLayout): void {
  const paths = layoutPaths(layout.dir);
  mkdirSync(paths.cniConfDir, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  for (const identity of CLIENT_IDENTITIES)
    writeFileSync(kubeconfigPath(layout.dir, identity.user), kubeconfig(layout.pki, identity.user));
  writeFileSync(paths.containerdConfig, containerdConfig(layout));
  writeFileSync(join(paths.cniConfDir, "10-podinit-test.conflist"), cniConfig());
  writeFileSync(paths.kubeletConfig, kubeletConfig(layout));
  writeFileSync(paths.kubeProxyConfig, kubeProxyConfig(layout.dir));
}

/** Loads locally built images into the node's containerd, under the names podman gave them. */
export async function importImages(cluster: Cluster, references: readonly string[]): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "podinit-cluster-images-"));
  try {
    for (const reference of references) {
      const archive = join(work, "image.tar");
      rmSync(archive, { force: true });
      await podman(
        ["save", "--quiet", "--format", "docker-archive", "--output", archive, reference],
        {
          timeoutMs: 300_000,
        },
      );
      const imported = await runInNode(
        cluster.namespace,
        join(cluster.binaries.containerd, "ctr"),
        ["--address", CONTAINERD_SOCKET, "--namespace", "k8s.io", "images", "import", archive],
        { timeoutMs: 300_000 },
      );
      if (imported.exitCode !== 0) {
        throw new HarnessError(
          "ERR_COMMAND_FAILED",
          `ctr images import of ${reference} failed: ${imported.stderr.trim()}`,
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function succeeds(run: Promise<ProcessResult>): Promise<boolean> {
  return (await run).exitCode === 0;
}

/**
 * Everything a node of the release needs built on the host: its binaries (a first build writes
 * the Go caches) and its sandbox image. Cheap once done; startCluster calls it too.
 */
export async function prepareNode(
  release: ClusterRelease,
): Promise<{ binaries: NodeBinaries; pause: string }> {
  const binaries = await nodeBinaries(release);
  return { binaries, pause: await pauseImage(release.kubernetes) };
}

/**
 * Starts a fresh node for the release (an earlier one in the same folder is torn down first) and
 * resolves once the node is Ready and the default ServiceAccount exists, so pods can be created.
 */
export async function startCluster(release: ClusterRelease): Promise<Cluster> {
  requireCgroupV1();
  const dir = clusterDir(release);
  await destroyNodeNamespace(dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const { binaries, pause } = await prepareNode(release);
  const pki = await writePki(dir);
  const layout: NodeLayout = {
    dir,
    pki,
    cgroupRoot: cgroupRoot(dir),
    containerd: containerdFlavour(release),
    pauseImage: pause,
    cniBinDir: DEBIAN_TOOLS.cniBinDir,
    runcBinary: DEBIAN_TOOLS.runc,
  };
  writeConfiguration(layout);
  const namespace = await createNodeNamespace(dir, layout.cgroupRoot);
  const cluster: Cluster = { release, dir, namespace, binaries };
  try {
    const k8s = (command: string) => join(binaries.kubernetes, command);
    startInNode(namespace, "etcd", join(binaries.etcd, "etcd"), etcdArgs(dir));
    startInNode(namespace, "kube-apiserver", k8s("kube-apiserver"), apiServerArgs(pki));
    await waitFor(
      dir,
      "kube-apiserver",
      "the API server's /readyz",
      () => succeeds(kubectl(cluster, ["get", "--raw", "/readyz"], { timeoutMs: 10_000 })),
      120_000,
    );
    startInNode(
      namespace,
      "kube-controller-manager",
      k8s("kube-controller-manager"),
      controllerManagerArgs(dir, pki),
    );
    startInNode(namespace, "kube-scheduler", k8s("kube-scheduler"), schedulerArgs(dir));
    // The runc shim is found on PATH: the one that came with this containerd.
    const containerdEnv = {
      ...process.env,
      PATH: `${binaries.containerd}:${process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`,
    };
    startInNode(
      namespace,
      "containerd",
      join(binaries.containerd, "containerd"),
      ["--config", layoutPaths(dir).containerdConfig],
      containerdEnv,
    );
    await waitFor(
      dir,
      "containerd",
      "containerd's socket",
      () => succeeds(runInNode(namespace, "test", ["-S", CONTAINERD_SOCKET])),
      60_000,
    );
    await importImages(cluster, [pause]);
    createCgroupRoot(layout.cgroupRoot);
    startInNode(namespace, "kubelet", k8s("kubelet"), kubeletArgs(dir));
    startInNode(namespace, "kube-proxy", k8s("kube-proxy"), [
      `--config=${layoutPaths(dir).kubeProxyConfig}`,
    ]);
    await waitFor(
      dir,
      "kubelet",
      `node ${NODE_NAME} Ready`,
      async () => {
        const result = await kubectl(cluster, [
          "get",
          "node",
          NODE_NAME,
          "-o",
          "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
        ]);
        return result.exitCode === 0 && result.stdout.trim() === "True";
      },
      180_000,
    );
    await waitFor(
      dir,
      "kube-controller-manager",
      "the default ServiceAccount",
      () => succeeds(kubectl(cluster, ["get", "serviceaccount", "default", "-n", "default"])),
      60_000,
    );
    return cluster;
  } catch (error) {
    await destroyNodeNamespace(dir);
    throw error;
  }
}

export async function stopCluster(release: ClusterRelease): Promise<void> {
  await destroyNodeNamespace(clusterDir(release));
}
