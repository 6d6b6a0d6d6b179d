// Starts the built webhook (dist/webhook/main.js) over real TLS on a free loopback port, as the API server would reach it.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { makeTestPki } from "../webhook/pki.js";
import { HarnessError } from "./harness-error.js";
import { REPO_ROOT } from "./project-paths.js";

export const WEBHOOK_ENTRY = join(REPO_ROOT, "dist", "webhook", "main.js");
const START_TIMEOUT_MS = 30_000;

export interface WebhookServer {
  readonly url: string;
  /** The CA that signed the server certificate: what a caBundle would hold. */
  readonly caPem: Buffer;
  /** Everything the webhook logged so far (pino JSON lines). */
  readonly logs: () => string;
  readonly stop: () => Promise<void>;
}

export interface WebhookOptions {
  readonly initImage: string;
  /** More webhook flags, e.g. ["--mount-path", "/podinit-bin"]. */
  readonly args?: readonly string[];
}

function waitForPort(child: ChildProcess, output: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new HarnessError(
          "ERR_TIMEOUT",
          `the webhook did not log "listening" within ${START_TIMEOUT_MS} ms:\n${output.join("\n")}`,
        ),
      );
    }, START_TIMEOUT_MS);
    if (child.stdout !== null) {
      createInterface({ input: child.stdout }).on("line", line => {
        output.push(line);
        const entry = /"msg":"listening"/.test(line)
          ? (JSON.parse(line) as { port?: number })
          : null;
        if (typeof entry?.port === "number") {
          clearTimeout(timer);
          resolve(entry.port);
        }
      });
    }
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    child.on("exit", code => {
      clearTimeout(timer);
      reject(
        new HarnessError(
          "ERR_COMMAND_FAILED",
          `the webhook exited with ${code ?? "a signal"} before listening:\n${output.join("\n")}`,
        ),
      );
    });
  });
}

export async function startWebhook(options: WebhookOptions): Promise<WebhookServer> {
  if (!existsSync(WEBHOOK_ENTRY)) {
    throw new HarnessError(
      "ERR_INPUT_MISSING",
      `${WEBHOOK_ENTRY} does not exist: build it first with \`make webhook\``,
    );
  }
  const pki = makeTestPki();
  const certFile = join(pki.dir, "tls.crt");
  const keyFile = join(pki.dir, "tls.key");
  pki.issue(certFile, keyFile, 1);
  const child = spawn(
    process.execPath,
    [
      WEBHOOK_ENTRY,
      ...["--host", "127.0.0.1", "--port", "0"],
      ...["--tls-cert", certFile, "--tls-key", keyFile],
      ...["--init-image", options.initImage, "--log-level", "info", "--shutdown-delay", "0s"],
      ...(options.args ?? []),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const output: string[] = [];
  const port = await waitForPort(child, output);
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: pki.caPem,
    logs: () => output.join("\n"),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise(resolve => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(pki.dir, { recursive: true, force: true });
    },
  };
}
