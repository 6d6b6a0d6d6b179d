// A container without command: the webhook reads ENTRYPOINT/CMD from a local docker-registry, and the pod runs them under podinit.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { expandAll } from "../test/support/registry/kubelet-expansion.js";
import { startRegistry, type RunningRegistry } from "../test/support/registry/registry-process.js";
import { admit } from "../test/support/e2e/admission-client.js";
import { busyboxImage } from "../test/support/e2e/busybox-image.js";
import { buildFromContainerfile } from "../test/support/e2e/image-store.js";
import { stopLikeKubelet } from "../test/support/e2e/kubelet-stop.js";
import type { ContainerManifest, PodManifest } from "../test/support/e2e/pod-manifest.js";
import {
  containerLogs,
  removeAllPods,
  runPod,
  type RunningPod,
} from "../test/support/e2e/pod-run.js";
import { podinitImage } from "../test/support/e2e/podinit-image.js";
import { podman, podmanResult } from "../test/support/e2e/podman.js";
import { simplePod } from "../test/support/e2e/simple-pod.js";
import { startWebhook, type WebhookServer } from "../test/support/e2e/webhook-server.js";

/**
 * The app prints its own argv from /proc (one word a line, so spaces and `$` show as they are),
 * then waits for SIGTERM. `$$` and `$HOME` are image strings: the webhook must escape them so
 * Kubernetes' `$(VAR)` expansion hands them to the app unchanged.
 */
const SCRIPT =
  "tr '\\0' '\\n' < /proc/$$/cmdline | sed 's/^/argv: /'; " +
  "trap 'echo got TERM; exit 0' TERM; echo ready; sleep 1000 & wait";
const ENTRYPOINT = ["sh", "-c", SCRIPT, "app"];
const CMD = ["one", "two words", "$(HOME)", "$1"];

let storage = "";
let registry: RunningRegistry | undefined;
let webhook: WebhookServer | undefined;
let appImage = "";

beforeAll(async () => {
  const [busybox, podinit] = await Promise.all([busyboxImage(), podinitImage()]);
  storage = mkdtempSync(join(tmpdir(), "podinit-e2e-registry-"));
  registry = await startRegistry(storage);
  // Named after the registry, so kube play finds it in the harness's storage under the exact
  // name the webhook looks up, and pushed there for the webhook to read.
  appImage = `${registry.host}/podinit-e2e/entrypoint-app:1`;
  await buildFromContainerfile(
    appImage,
    [
      `FROM ${busybox}`,
      `ENTRYPOINT ${JSON.stringify(ENTRYPOINT)}`,
      `CMD ${JSON.stringify(CMD)}`,
      "",
    ].join("\n"),
    new Map(),
  );
  await podman(["push", "--quiet", "--tls-verify=false", appImage]);
  webhook = await startWebhook({
    initImage: podinit,
    args: ["--registry-insecure", registry.host, "--pull-secrets=false"],
  });
});

afterEach(removeAllPods);

afterAll(async () => {
  await webhook?.stop();
  await registry?.stop();
  if (appImage !== "") await podmanResult(["rmi", "--force", appImage]);
  if (storage !== "") rmSync(storage, { recursive: true, force: true });
});

async function argvOf(pod: RunningPod): Promise<string[]> {
  return (await containerLogs(pod)).lines
    .map(line => line.text)
    .filter(text => text.startsWith("argv: "))
    .map(text => text.slice("argv: ".length));
}

/**
 * podman 4.3 passes command and args on without the kubelet's `$(VAR)` expansion (`$$` stays
 * `$$`), so both pods get it here, with each container's literal env, before kube play.
 */
function asKubeletRuns(pod: PodManifest): PodManifest {
  const expand = (c: ContainerManifest): ContainerManifest => {
    const env = Object.fromEntries(
      ((c["env"] ?? []) as { name: string; value?: string }[]).map(e => [e.name, e.value ?? ""]),
    );
    return {
      ...c,
      ...(c.command === undefined ? {} : { command: expandAll(c.command, env) }),
      ...(c.args === undefined ? {} : { args: expandAll(c.args, env) }),
    };
  };
  return {
    ...pod,
    spec: {
      ...pod.spec,
      containers: pod.spec.containers.map(expand),
      ...(pod.spec.initContainers === undefined
        ? {}
        : { initContainers: pod.spec.initContainers.map(expand) }),
    },
  };
}

function statusOf(pod: PodManifest): Record<string, unknown> {
  const annotations = pod.metadata["annotations"] as Record<string, string> | undefined;
  return JSON.parse(annotations?.["podinit.dev/status"] ?? "{}") as Record<string, unknown>;
}

describe("a container without command, entrypoint from the registry", () => {
  it("runs under podinit exactly the argv the unmutated pod runs, and stops fast on SIGTERM", async () => {
    const pod = simplePod("registry-entrypoint", { image: appImage, graceSeconds: 10 });
    const admission = await admit(webhook as WebhookServer, pod);
    const status = statusOf(admission.pod);
    expect(admission.warnings).toEqual([]);
    expect(status).toMatchObject({ decision: "injected", wrapped: ["app"] });
    expect(admission.pod.spec.containers[0]?.command?.[0]).toBe("/.podinit/podinit");

    const ready = { waitForLog: { pattern: "ready" } };
    const plain = await runPod(asKubeletRuns(pod), ready);
    const renamed = { ...admission.pod.metadata, name: "registry-entrypoint-webhook" };
    const injected = await runPod(asKubeletRuns({ ...admission.pod, metadata: renamed }), ready);
    const plainArgv = await argvOf(plain);
    expect(plainArgv).toEqual(["sh", "-c", SCRIPT, "app", ...CMD]);
    expect(await argvOf(injected)).toEqual(plainArgv);

    const stopped = await stopLikeKubelet(injected);
    expect(stopped.killed).toBe(false);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.logs.lines.map(l => l.text)).toContain("got TERM");
  });

  it("admits the pod unwrapped with image-lookup-failed when the image is not in the registry", async () => {
    const missing = appImage.replace("entrypoint-app:1", "not-pushed:1");
    const admission = await admit(
      webhook as WebhookServer,
      simplePod("registry-missing", { image: missing }),
    );
    const status = statusOf(admission.pod);
    expect(status).toMatchObject({ decision: "skipped", skipped: { app: "image-lookup-failed" } });
    expect(admission.pod.spec.containers).toEqual([{ name: "app", image: missing }]);
    expect(admission.warnings.join("\n")).toMatch(/ERR_IMAGE_NOT_FOUND/);
  });
});
