// Starts the real webhook (webhook/src/main.ts) as a child process and follows its JSON logs.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

const ROOT = new URL("../../../", import.meta.url).pathname;
const MAIN = `${ROOT}webhook/src/main.ts`;
const BUNDLE = `${ROOT}dist/webhook/main.js`;

export interface WebhookProcess {
  readonly child: ChildProcess;
  readonly logs: Record<string, unknown>[];
  readonly stderr: () => string;
  /** Resolves with the first log line whose msg is `msg` (waiting for it if needed). */
  waitForLog(msg: string, after?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/**
 * `built`: run the bundle the image runs (dist/webhook/main.js, brought up to date by its make
 * rule first) rather than the sources through tsx, whose loader takes memory of its own.
 */
export function startWebhook(
  args: string[],
  env: Record<string, string> = {},
  { built = false }: { built?: boolean } = {},
): WebhookProcess {
  if (built) execFileSync("make", ["--no-print-directory", "-s", "webhook"], { cwd: ROOT });
  const entry = built ? [BUNDLE] : ["--import", "tsx", MAIN];
  const child = spawn(process.execPath, [...entry, ...args], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let errText = "";
  child.stderr?.on("data", (chunk: Buffer) => (errText += chunk.toString()));
  if (child.stdout !== null) {
    createInterface({ input: child.stdout }).on("line", line => {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: "non-json", line });
      }
      for (const wake of waiters.splice(0)) wake();
    });
  }
  const exited = once(child, "exit").then(([code]) => code as number | null);
  void exited.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    child,
    logs,
    stderr: () => errText,
    exited,
    async waitForLog(msg, after = 0) {
      for (;;) {
        const found = logs.slice(after).find(l => l["msg"] === msg);
        if (found !== undefined) return found;
        if (child.exitCode !== null)
          throw new Error(`webhook exited before logging '${msg}': ${errText}`);
        await new Promise<void>(resolve => waiters.push(resolve));
      }
    },
  };
}
