// `make e2e-kind`: the whole install on a real Kubernetes (kind): helm install, opt-in, pods deleted like users do.
import { execFileSync, spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

import { componentBinDir, HELM } from "../cluster/components.js";
import { RELEASE_NAMESPACE } from "../harness/chart-release.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const CLUSTER = process.env["PODINIT_KIND_CLUSTER"] ?? "podinit-e2e";
const TAG = "e2e";
const APP_IMAGE = process.env["PODINIT_KIND_APP_IMAGE"] ?? "busybox:1.36";
/** The pods' own grace period: what a stop costs without podinit when the app ignores SIGTERM. */
const POD_GRACE_SECONDS = 20;

interface Outcome {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

function run(command: string, args: readonly string[], input?: string): string {
  return execFileSync(command, args, {
    cwd: ROOT,
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "inherit"],
  });
}

function missingTools(): string[] {
  const missing = ["docker", "kind", "kubectl"].filter(
    tool => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0,
  );
  if (missing.length === 0 && spawnSync("docker", ["info"], { stdio: "ignore" }).status !== 0) {
    missing.push("a running Docker engine");
  }
  return missing;
}

function kubectl(args: readonly string[], input?: string): string {
  return run("kubectl", ["--context", `kind-${CLUSTER}`, ...args], input);
}

function createCluster(): void {
  const clusters = run("kind", ["get", "clusters"]).split("\n");
  if (!clusters.includes(CLUSTER))
    run("kind", ["create", "cluster", "--name", CLUSTER, "--wait", "180s"]);
}

function buildAndLoadImages(): void {
  run("make", ["build"]);
  run("docker", [
    "build",
    "-f",
    "images/podinit/Containerfile",
    "-t",
    `podinit/podinit:${TAG}`,
    "dist",
  ]);
  run("docker", [
    "build",
    "-f",
    "images/webhook/Containerfile",
    "-t",
    `podinit/webhook:${TAG}`,
    ".",
  ]);
  run("docker", ["pull", APP_IMAGE]);
  for (const image of [`podinit/podinit:${TAG}`, `podinit/webhook:${TAG}`, APP_IMAGE]) {
    run("kind", ["load", "docker-image", "--name", CLUSTER, image]);
  }
}

function installChart(helm: string): void {
  run(helm, [
    "upgrade",
    "--install",
    "podinit",
    "charts/podinit",
    "--kube-context",
    `kind-${CLUSTER}`,
    "--namespace",
    RELEASE_NAMESPACE,
    "--create-namespace",
    "--set",
    `image.tag=${TAG}`,
    "--set",
    `initImage.tag=${TAG}`,
    "--set",
    "image.pullPolicy=Never",
    "--set",
    "initImage.pullPolicy=Never",
    "--wait",
    "--timeout",
    "180s",
  ]);
}

function makeNamespaces(): void {
  const namespaces = [
    { name: "podinit-e2e-on", labels: { "podinit.dev/inject": "enabled" } },
    { name: "podinit-e2e-off", labels: {} },
    {
      name: "podinit-e2e-restricted",
      labels: {
        "podinit.dev/inject": "enabled",
        "pod-security.kubernetes.io/enforce": "restricted",
      },
    },
  ];
  for (const { name, labels } of namespaces) {
    kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } }),
    );
  }
}

function pod(name: string, namespace: string, script: string, restricted = false): object {
  const securityContext = restricted
    ? {
        runAsNonRoot: true,
        runAsUser: 1000,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      }
    : {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: {
      terminationGracePeriodSeconds: POD_GRACE_SECONDS,
      restartPolicy: "Never",
      containers: [
        {
          name: "app",
          image: APP_IMAGE,
          imagePullPolicy: "Never",
          command: ["sh", "-c", script],
          securityContext,
        },
      ],
    },
  };
}

function createPod(manifest: object): { name: string; namespace: string } {
  const { metadata } = manifest as { metadata: { name: string; namespace: string } };
  kubectl(["apply", "-f", "-"], JSON.stringify(manifest));
  kubectl([
    "wait",
    "--for=condition=Ready",
    `pod/${metadata.name}`,
    "-n",
    metadata.namespace,
    "--timeout=120s",
  ]);
  return metadata;
}

function isInjected(name: string, namespace: string): boolean {
  const spec = JSON.parse(kubectl(["get", "pod", name, "-n", namespace, "-o", "json"])) as {
    spec: { initContainers?: { name: string }[] };
  };
  return (spec.spec.initContainers ?? []).some(c => c.name === "podinit-install");
}

/** Seconds `kubectl delete pod` takes: the user-visible cost of a stop. */
function deleteSeconds(name: string, namespace: string): number {
  const started = performance.now();
  kubectl(["delete", "pod", name, "-n", namespace, "--wait=true", "--timeout=120s"]);
  return (performance.now() - started) / 1000;
}

function zombies(name: string, namespace: string): number {
  const states = kubectl(["exec", name, "-n", namespace, "--", "ps", "-o", "stat"]);
  return states.split("\n").filter(line => line.trim().startsWith("Z")).length;
}

function scenarios(): Outcome[] {
  const outcomes: Outcome[] = [];
  const wrapper = "echo started; sleep 1000";

  const plain = createPod(pod("sh-wrapper", "podinit-e2e-off", wrapper));
  outcomes.push({
    name: "a namespace without the label is untouched",
    pass: !isInjected(plain.name, plain.namespace),
    detail: "",
  });
  const plainStop = deleteSeconds(plain.name, plain.namespace);

  const wrapped = createPod(pod("sh-wrapper", "podinit-e2e-on", wrapper));
  outcomes.push({
    name: "a pod in an opted-in namespace is injected",
    pass: isInjected(wrapped.name, wrapped.namespace),
    detail: "",
  });
  const wrappedStop = deleteSeconds(wrapped.name, wrapped.namespace);
  outcomes.push({
    name: "`kubectl delete pod` of an `sh -c` pod is fast under podinit",
    pass: wrappedStop < plainStop / 4,
    detail: `${wrappedStop.toFixed(1)} s with podinit, ${plainStop.toFixed(1)} s without`,
  });

  const orphans = createPod(
    pod("orphans", "podinit-e2e-on", "for i in 1 2 3; do (sleep 0.2 &); done; exec sleep 1000"),
  );
  execFileSync("sleep", ["2"]);
  const left = zombies(orphans.name, orphans.namespace);
  outcomes.push({ name: "orphans are reaped", pass: left === 0, detail: `${left} zombies` });
  deleteSeconds(orphans.name, orphans.namespace);

  const restricted = createPod(pod("restricted", "podinit-e2e-restricted", wrapper, true));
  outcomes.push({
    name: "a pod in a PSA-restricted namespace is admitted and injected",
    pass: isInjected(restricted.name, restricted.namespace),
    detail: "",
  });
  deleteSeconds(restricted.name, restricted.namespace);
  return outcomes;
}

async function main(): Promise<number> {
  const missing = missingTools();
  if (missing.length > 0) {
    console.log(
      `e2e-kind: skipped: ${missing.join(", ")} not found (needs Docker, kind and kubectl)`,
    );
    return 0;
  }
  try {
    createCluster();
    buildAndLoadImages();
    installChart(join(await componentBinDir(HELM), "helm"));
    makeNamespaces();
    const outcomes = scenarios();
    for (const o of outcomes)
      console.log(`${o.pass ? "pass" : "FAIL"}  ${o.name}${o.detail ? `: ${o.detail}` : ""}`);
    const failed = outcomes.filter(o => !o.pass).length;
    console.log(`${outcomes.length - failed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    if (process.env["PODINIT_KIND_KEEP"] !== "1")
      spawnSync("kind", ["delete", "cluster", "--name", CLUSTER], { stdio: "inherit" });
  }
}

process.exit(await main());
