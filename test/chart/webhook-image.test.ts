// images/webhook built offline with podman: production dependencies only, non-root, serving over TLS from a read-only root.

import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pollUntil } from "../support/e2e/poll.js";
import { podman, podmanResult, requireHost } from "../support/e2e/podman.js";
import { makeTestPki, type TestPki } from "../support/webhook/pki.js";
import { buildWebhookImage, imageConfig } from "../support/e2e/project-images.js";

let image = "";

beforeAll(async () => {
  await requireHost();
  image = await buildWebhookImage();
}, 900_000);

async function inImage(script: string): Promise<unknown> {
  const { stdout } = await podman([
    "run",
    "--rm",
    "--network",
    "none",
    "--entrypoint",
    "node",
    image,
    "-e",
    script,
  ]);
  return JSON.parse(stdout) as unknown;
}

/** The port the webhook logged in its "listening" line; it was started with port 0 to pick a free one. */
async function listeningPort(container: string): Promise<number> {
  const logs = await pollUntil(
    async () => (await podmanResult(["logs", container])).stdout,
    text => /"msg":"listening"/.test(text),
    30_000,
  );
  const line = logs.split("\n").find(entry => /"msg":"listening"/.test(entry));
  if (line === undefined) throw new Error(`the webhook never logged "listening":\n${logs}`);
  return (JSON.parse(line) as { port: number }).port;
}

function httpsStatus(port: number, path: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, ca, timeout: 2000 }, res => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

describe("images/webhook", () => {
  it("runs node on the bundle as the numeric user 65532", async () => {
    const config = await imageConfig(image);
    expect(config.User).toBe("65532");
    expect(config.Entrypoint).toEqual(["node", "/app/dist/webhook/main.js"]);
    expect(config.Env).toContain("NODE_ENV=production");
  });

  it("holds the production dependencies and no development ones, and no npm", async () => {
    const found = (await inImage(
      `const fs = require("fs");
       console.log(JSON.stringify({
         modules: fs.readdirSync("/app/node_modules"),
         npm: fs.existsSync("/usr/local/bin/npm") || fs.existsSync("/usr/local/lib/node_modules/npm"),
       }));`,
    )) as { modules: string[]; npm: boolean };
    expect(found.modules).toEqual(expect.arrayContaining(["fastify", "pino", "fast-json-patch"]));
    for (const dev of ["vitest", "esbuild", "typescript", "eslint", "kubernetes-models"]) {
      expect(found.modules).not.toContain(dev);
    }
    expect(found.npm).toBe(false);
  });

  describe("started like the chart starts it", () => {
    let pki: TestPki;
    let tlsDir = "";
    let port = 0;
    let container = "";

    beforeAll(async () => {
      pki = makeTestPki();
      tlsDir = mkdtempSync(join(tmpdir(), "podinit-image-tls-"));
      // The image's user must read the key pair, as it reads a mounted Secret.
      chmodSync(tlsDir, 0o755);
      pki.issue(join(tlsDir, "tls.crt"), join(tlsDir, "tls.key"), 1);
      chmodSync(join(tlsDir, "tls.key"), 0o644);
      const { stdout } = await podman([
        "run",
        "--detach",
        "--network",
        "host",
        "--read-only",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--tmpfs",
        "/tmp",
        "--volume",
        `${tlsDir}:/tls:ro`,
        "--env",
        "PODINIT_PORT=0",
        "--env",
        "PODINIT_HOST=127.0.0.1",
        "--env",
        "PODINIT_TLS_CERT=/tls/tls.crt",
        "--env",
        "PODINIT_TLS_KEY=/tls/tls.key",
        "--env",
        "PODINIT_INIT_IMAGE=podinit/podinit:0.1.0",
        image,
      ]);
      container = stdout.trim();
      port = await listeningPort(container);
    }, 120_000);

    afterAll(async () => {
      if (container !== "") await podmanResult(["rm", "--force", "--time", "0", container]);
      rmSync(tlsDir, { recursive: true, force: true });
      rmSync(pki.dir, { recursive: true, force: true });
    });

    it("answers /healthz and /readyz over TLS from a read-only root filesystem without capabilities", async () => {
      const status = await pollUntil(
        () => httpsStatus(port, "/healthz", pki.caPem).catch(() => 0),
        code => code === 200,
        30_000,
      );
      if (status !== 200) {
        const logs = await podmanResult(["logs", container]);
        throw new Error(`the webhook never became healthy:\n${logs.stdout}${logs.stderr}`);
      }
      expect(await httpsStatus(port, "/readyz", pki.caPem)).toBe(200);
    });
  });
});
