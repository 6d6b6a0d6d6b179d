// The baseline for webhook benchmarks: Fastify over HTTPS that parses a JSON body and echoes it.
// Usage: tsx bench/webhook-echo.ts PORT CERT KEY (bench/loaded-servers.ts starts it so)

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import Fastify from "fastify";

/** Listens on 127.0.0.1:`port` until SIGTERM. */
export async function serveEcho(port: number, cert: string, key: string): Promise<void> {
  const app = Fastify({
    https: { cert: readFileSync(cert), key: readFileSync(key) },
    bodyLimit: 3 * 1024 * 1024,
  });
  app.post("/echo", request => request.body);
  app.get("/healthz", () => ({ status: "ok" }));
  await app.listen({ port, host: "127.0.0.1" });
  process.once("SIGTERM", () => void app.close());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [port, cert, key] = process.argv.slice(2);
  if (port === undefined || cert === undefined || key === undefined) {
    process.stderr.write("usage: webhook-echo.ts PORT CERT KEY\n");
    process.exit(2);
  }
  await serveEcho(Number(port), cert, key);
}
