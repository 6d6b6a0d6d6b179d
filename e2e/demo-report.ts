// The demo's pod and its before/after table, shared by `make demo` on podman and on a real cluster.

import type { PodManifest } from "../test/support/e2e/pod-manifest.js";

export const GRACE_SECONDS = 10;
const HELPERS = 3;

/**
 * Two containers as many pods have them: a web server behind the usual `sh -c` wrapper, and a
 * worker that starts helpers and execs the app, which never reaps what it did not start.
 */
export function demoPod(image: string): PodManifest {
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

export interface DemoRow {
  readonly container: string;
  readonly variant: string;
  /** How long the stop took, as the table shows it. */
  readonly stopTime: string;
  /** The container's log, where signal-app says which signals it received. */
  readonly logs: string;
  readonly zombies: number;
  readonly exitCode: string;
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function receivedSignal(logs: string): string {
  const signals = [...logs.matchAll(/received (SIG[A-Z0-9]+)/g)].map(m => m[1]);
  return signals.length === 0 ? "nothing" : signals.join(", ");
}

export function printTable(rows: readonly DemoRow[], stopTitle: string): void {
  const header = ["container", "pod", stopTitle, "app received", "zombies", "exit code"];
  const cells = [...rows]
    .sort((a, b) => a.container.localeCompare(b.container))
    .map(row => [
      row.container,
      row.variant,
      row.stopTime,
      receivedSignal(row.logs),
      String(row.zombies),
      row.exitCode,
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
  say("web:    `sh -c` as PID 1 ignores SIGTERM, so the app never hears it and is SIGKILLed;");
  say(
    "        podinit forwards SIGTERM to the whole group and the app shuts down cleanly (0.2 s).",
  );
  say("worker: the app is PID 1 and never reaps the helpers it inherited; podinit does.");
}
