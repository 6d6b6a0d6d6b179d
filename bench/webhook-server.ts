// How the benchmarks start the webhook: the bundle `make webhook` builds (else the sources through tsx), on a free loopback port.

import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Node's arguments that run the webhook on 127.0.0.1:`port` with this key pair, plus `extra` settings. */
export function webhookArgs(
  port: number,
  cert: string,
  key: string,
  extra: readonly string[] = [],
): string[] {
  const bundle = join(ROOT, "dist/webhook/main.js");
  const entry = existsSync(bundle)
    ? [bundle]
    : ["--import", "tsx", join(ROOT, "webhook/src/main.ts")];
  return [
    ...entry,
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--tls-cert",
    cert,
    "--tls-key",
    key,
    "--init-image",
    "ghcr.io/podinit/podinit:0.1.0",
    ...extra,
  ];
}
