// kubectl of a test cluster's release, run as its admin inside the node, the way every suite and tool of the harness talks to the API server.

import { join } from "node:path";

import {
  succeeded,
  type ProcessOptions,
  type ProcessResult,
} from "../../test/support/e2e/process-run.js";
import type { Cluster } from "./cluster.js";
import { kubeconfigPath } from "./node-config.js";
import { runInNode } from "./node-namespace.js";

/** kubectl of the cluster's release as its admin: the program and its arguments, for runInNode. */
export function kubectlCommand(
  cluster: Cluster,
  args: readonly string[],
): [program: string, args: string[]] {
  return [
    join(cluster.binaries.kubernetes, "kubectl"),
    ["--kubeconfig", kubeconfigPath(cluster.dir, "admin"), ...args],
  ];
}

/** kubectl of the cluster's release, as its admin, inside the node's network namespace. */
export function kubectl(
  cluster: Cluster,
  args: readonly string[],
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  return runInNode(cluster.namespace, ...kubectlCommand(cluster, args), options);
}

/** kubectl that must succeed; its stdout. */
export async function kubectlOk(
  cluster: Cluster,
  args: readonly string[],
  options: ProcessOptions = {},
): Promise<string> {
  return succeeded(`kubectl ${args.join(" ")}`, await kubectl(cluster, args, options)).stdout;
}
