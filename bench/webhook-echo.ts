// The baseline for webhook benchmarks: Fastify over HTTPS that parses a JSON body and echoes it.
// Usage: tsx bench/webhook-echo.ts PORT CERT KEY

import { readFileSync } from "node:fs";
import Fastify from "fastify";

const [port, cert, key] = process.argv.slice(2);
if (port === undefined || cert === undefined || key === undefined) {
  process.stderr.write("usage: webhook-echo.ts PORT CERT KEY\n");
  process.exit(2);
}
const app = Fastify({
  https: { cert: readFileSync(cert), key: readFileSync(key) },
  bodyLimit: 3 * 1024 * 1024,
});
app.post("/echo", request => request.body);
app.get("/healthz", () => ({ status: "ok" }));
await app.listen({ port: Number(port), host: "127.0.0.1" });
process.once("SIGTERM", () => void app.close());
