// `make cluster-up [K8S=…]` and `make cluster-down`: one test node started for a person to use, and stopped again.

import { HarnessError } from "../../test/support/e2e/harness-error.js";
import { kubeconfigPath } from "./node-config.js";
import { enterArgs } from "./node-namespace.js";
import { newestRelease, RELEASES, releaseByKey } from "./components.js";
import { startCluster, stopCluster } from "./cluster.js";

async function main(argv: readonly string[]): Promise<number> {
  const [command, key] = argv;
  if (command === "up") {
    const release = key === undefined || key === "" ? newestRelease() : releaseByKey(key);
    const cluster = await startCluster(release);
    const kubectl = `${cluster.binaries.kubernetes}/kubectl`;
    console.log(
      `Kubernetes ${release.kubernetes.replace("kubernetes-", "")} is up in ${cluster.dir}`,
    );
    console.log("Its network is a namespace of its own; run kubectl inside it:");
    console.log(
      `  nsenter ${enterArgs(cluster.namespace, false).join(" ")} ${kubectl} --kubeconfig ${kubeconfigPath(cluster.dir, "admin")} get nodes`,
    );
    console.log(`Stop it with: make cluster-down K8S=${release.key}`);
    return 0;
  }
  if (command === "down") {
    const releases = key === undefined || key === "" ? RELEASES : [releaseByKey(key)];
    for (const release of releases) await stopCluster(release);
    return 0;
  }
  console.error(`usage: cli.ts up|down [K8S], K8S one of ${RELEASES.map(r => r.key).join(", ")}`);
  return 2;
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof HarnessError ? `${error.code}: ${error.message}` : error);
    process.exit(1);
  },
);
