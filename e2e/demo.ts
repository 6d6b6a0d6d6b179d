// `make demo`: one pod through the real webhook, run beside the same pod without podinit, deleted like Kubernetes, compared in a table.

import { admit } from "./harness/admission-client.js";
import { busyboxImage } from "./harness/busybox-image.js";
import { countZombies } from "./harness/container-processes.js";
import { HarnessError } from "./harness/harness-error.js";
import { stopLikeKubelet, type ContainerStop } from "./harness/kubelet-stop.js";
import type { PodManifest } from "./harness/pod-manifest.js";
import { containerProcesses, removeAllPods, runPod, waitForLog } from "./harness/pod-run.js";
import { requireHost } from "./harness/podman.js";
import { podinitImage } from "./harness/podinit-image.js";
import { startWebhook, type WebhookServer } from "./harness/webhook-server.js";

const GRACE_SECONDS = 10;
const HELPERS = 3;

/**
 * Two containers as many pods have them: a web server behind the usual `sh -c` wrapper, and a
 * worker that starts helpers and execs the app, which never reaps what it did not start.
 */
function demoPod(image: string): PodManifest {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "demo" },
    spec: {
      terminationGracePeriodSeconds: GRACE_SECONDS,
      containers: [
        {
          name: "web",
          image,
          command: ["sh", "-c", 'signal-app --linger-ms 200; echo "web: app exited"'],
        },
        {
          name: "worker",
          image,
          command: [
            "sh",
            "-c",
            `for i in $(seq ${HELPERS}); do (sleep 0.2 &); done; exec signal-app`,
          ],
        },
      ],
    },
  };
}

interface Row {
  readonly container: string;
  readonly variant: string;
  readonly stop: ContainerStop;
  readonly zombies: number;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
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

function receivedSignal(stop: ContainerStop): string {
  const signals = [...stop.logs.text.matchAll(/received (SIG[A-Z0-9]+)/g)].map(m => m[1]);
  return signals.length === 0 ? "nothing" : signals.join(", ");
}

function printTable(rows: readonly Row[]): void {
  const header = ["container", "pod", "stop time", "app received", "zombies", "exit code"];
  const cells = rows.map(row => [
    row.container,
    row.variant,
    `${(row.stop.stopMs / 1000).toFixed(2)} s${row.stop.killed ? " (SIGKILLed)" : ""}`,
    receivedSignal(row.stop),
    String(row.zombies),
    String(row.stop.exitCode),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map(line => (line[i] ?? "").length)),
  );
  const format = (line: readonly string[]): string =>
    line
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  say("");
  say(format(header));
  say(format(widths.map(width => "-".repeat(width))));
  for (const line of cells) say(format(line));
  say("");
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
    const rows = [...plain, ...withPodinit].sort((a, b) => a.container.localeCompare(b.container));
    printTable(rows);
    say("web:    `sh -c` as PID 1 ignores SIGTERM, so the app never hears it and is SIGKILLed;");
    say(
      "        podinit forwards SIGTERM to the whole group and the app shuts down cleanly (0.2 s).",
    );
    say("worker: the app is PID 1 and never reaps the helpers it inherited; podinit does.");
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
