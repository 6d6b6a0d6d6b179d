// The servers the webhook bench loads: the webhook and the echo baseline, started on the server CPUs and read from /proc.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { onCpus, type CpuPlacement } from "./cpu-placement.js";
import { freePort, webhookArgs } from "./webhook-server.js";

const ROOT = new URL("..", import.meta.url).pathname;

export interface Server {
  readonly child: ChildProcess;
  readonly url: string;
}

async function waitHealthy(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    // h2load exits 0 even when every request failed, so read its summary.
    const out = execFileSync(
      "h2load",
      ["--h1", "-n", "1", "-c", "1", `https://127.0.0.1:${port}/healthz`],
      { encoding: "utf8" },
    );
    if (/ 1 succeeded/.test(out)) return;
    await sleep(100);
  }
  throw new Error(`server on ${port} never became healthy`);
}

/** The webhook with this key pair, answering /mutate; it may reach registries on loopback over HTTP. */
export async function startWebhook(cpus: CpuPlacement, cert: string, key: string): Promise<Server> {
  const port = await freePort();
  const args = webhookArgs(port, cert, key, [
    "--shutdown-delay",
    "0s",
    "--registry-insecure",
    "127.0.0.1",
  ]);
  // Logs stay on (one line per review, as in production) and go to /dev/null.
  const child = spawn(...onCpus(cpus, cpus.server, process.execPath, args), {
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitHealthy(port);
  return { child, url: `https://127.0.0.1:${port}/mutate` };
}

/** bench/webhook-echo.ts: the same Fastify and TLS, doing no more than parse and echo the body. */
export async function startEcho(cpus: CpuPlacement, cert: string, key: string): Promise<Server> {
  const port = await freePort();
  const args = ["--import", "tsx", join(ROOT, "bench/webhook-echo.ts"), String(port), cert, key];
  const child = spawn(...onCpus(cpus, cpus.server, process.execPath, args), {
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitHealthy(port);
  return { child, url: `https://127.0.0.1:${port}/echo` };
}

/** A server's resident memory now, in MB. */
export function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+([0-9]+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}
