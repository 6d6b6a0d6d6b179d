// `make demo`: one pod through the real webhook, run beside the same pod without podinit, deleted like Kubernetes, compared in a table.

import { demoPod, GRACE_SECONDS, printTable, say, type DemoRow } from "./demo-report.js";
import { admit } from "../test/support/e2e/admission-client.js";
import { busyboxImage } from "../test/support/e2e/busybox-image.js";
import { countZombies } from "../test/support/e2e/container-processes.js";
import { HarnessError } from "../test/support/e2e/harness-error.js";
import { stopLikeKubelet, type ContainerStop } from "../test/support/e2e/kubelet-stop.js";
import type { PodManifest } from "../test/support/e2e/pod-manifest.js";
import {
  containerProcesses,
  removeAllPods,
  runPod,
  waitForLog,
} from "../test/support/e2e/pod-run.js";
import { requireHost } from "../test/support/e2e/podman.js";
import { podinitImage } from "../test/support/e2e/podinit-image.js";
import { startWebhook, type WebhookServer } from "../test/support/e2e/webhook-server.js";

interface Row {
  readonly container: string;
  readonly variant: string;
  readonly stop: ContainerStop;
  readonly zombies: number;
}

async function runAndDelete(pod: PodManifest, variant: string): Promise<Row[]> {
  const running = await runPod(pod);
  for (const container of running.containers) {
    await waitForLog(running, { container: container.name, pattern: "ready" }, 30_000);
  }
  // Long enough for the helpers to exit and, without an init to reap them, stay zombies.
  await new Promise(resolve => setTimeout(resolve, 1000));
  const zombies = new Map<string, number>();
  for (const container of running.containers) {
    zombies.set(container.name, countZombies(await containerProcesses(running, container.name)));
  }
  const stopped = await stopLikeKubelet(running);
  return stopped.containers.map(stop => ({
    container: stop.container,
    variant,
    stop,
    zombies: zombies.get(stop.container) ?? 0,
  }));
}

function demoRow(row: Row): DemoRow {
  return {
    container: row.container,
    variant: row.variant,
    stopTime: `${(row.stop.stopMs / 1000).toFixed(2)} s${row.stop.killed ? " (SIGKILLed)" : ""}`,
    logs: row.stop.logs.text,
    zombies: row.zombies,
    exitCode: String(row.stop.exitCode),
  };
}

async function main(): Promise<void> {
  await requireHost();
  say("podinit demo: building the images (the first run takes about a minute)…");
  const app = await busyboxImage();
  const init = await podinitImage();
  await removeAllPods();
  let webhook: WebhookServer | undefined;
  try {
    webhook = await startWebhook({ initImage: init });
    say(`webhook listening on ${webhook.url} (TLS)`);
    const original = demoPod(app);
    const admission = await admit(webhook, original);
    say(`the webhook injected podinit: ${admission.patch.length} JSON Patch operations`);
    for (const warning of admission.warnings) say(`  warning: ${warning}`);
    const injected = { ...admission.pod, metadata: { name: "demo-podinit" } };
    say(
      `running both pods, then deleting them like the kubelet: SIGTERM, SIGKILL after ${GRACE_SECONDS} s…`,
    );
    const [plain, withPodinit] = await Promise.all([
      runAndDelete(original, "without podinit"),
      runAndDelete(injected, "with podinit"),
    ]);
    printTable([...plain, ...withPodinit].map(demoRow), "stop time");
  } finally {
    await webhook?.stop();
    await removeAllPods();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof HarnessError ? `${error.code}: ${error.message}` : String(error);
  process.stderr.write(`demo failed: ${message}\n`);
  process.exitCode = 1;
});
