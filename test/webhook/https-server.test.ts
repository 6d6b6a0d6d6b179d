// The started webhook over real HTTPS, with a CA made for the test.

import { applyPatch, deepClone, type Operation } from "fast-json-patch";
import { Agent } from "node:https";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPodFixture } from "../fixtures/load.js";
import { decodeAnswer, reviewOf } from "./helpers/app.js";
import { call } from "./helpers/https-call.js";
import { makeTestPki, type TestPki } from "./helpers/pki.js";
import { startWebhook, type WebhookProcess } from "./helpers/webhook-process.js";

let pki: TestPki;
let certFile: string;
let keyFile: string;
const running: WebhookProcess[] = [];

function start(extra: string[] = []): WebhookProcess {
  const webhook = startWebhook(
    [
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--tls-cert",
      certFile,
      "--tls-key",
      keyFile,
      "--shutdown-delay",
      "0s",
      ...extra,
    ],
    { PODINIT_INIT_IMAGE: "ghcr.io/podinit/podinit:0.1.0" },
  );
  running.push(webhook);
  return webhook;
}

async function portOf(webhook: WebhookProcess): Promise<number> {
  return (await webhook.waitForLog("listening"))["port"] as number;
}

beforeAll(() => {
  pki = makeTestPki();
  certFile = join(pki.dir, "tls.crt");
  keyFile = join(pki.dir, "tls.key");
  pki.issue(certFile, keyFile, 1);
});

afterAll(async () => {
  for (const webhook of running) if (webhook.child.exitCode === null) webhook.child.kill("SIGKILL");
  await Promise.all(running.map(w => w.exited));
});

describe("webhook over HTTPS", () => {
  it("serves reviews with a certificate the test CA verifies", async () => {
    const webhook = start();
    const port = await portOf(webhook);
    const agent = new Agent({ ca: pki.caPem, keepAlive: true });
    const pod = loadPodFixture("spring-boot-jvm");
    const reply = await call(port, agent, "POST", "/mutate", JSON.stringify(reviewOf(pod)));
    expect(reply.status).toBe(200);
    const { answer, patch } = decodeAnswer(reply.body);
    expect(answer.response.allowed).toBe(true);
    const patched = applyPatch(deepClone(pod), patch as Operation[]).newDocument as {
      spec: { containers: { command: string[] }[] };
    };
    expect(patched.spec.containers[0]?.command.slice(0, 4)).toEqual([
      "/.podinit/podinit",
      "--grace-period=58s",
      "--remap-exit=143:0",
      "--",
    ]);
    expect((await call(port, agent, "GET", "/healthz")).status).toBe(200);
    expect((await call(port, agent, "GET", "/metrics")).body).toContain(
      "podinit_webhook_pods_injected_total 1",
    );
    // Lines are written in batches; a lone review's line must still come out while it runs.
    expect((await webhook.waitForLog("review"))["decision"]).toBe("injected");
    agent.destroy();
    webhook.child.kill("SIGTERM");
    expect(await webhook.exited).toBe(0);
  });

  it("refuses clients that do not trust the test CA", async () => {
    const webhook = start();
    const port = await portOf(webhook);
    await expect(call(port, new Agent(), "GET", "/healthz")).rejects.toThrow(
      /self-signed|unable to verify|self signed/,
    );
    webhook.child.kill("SIGTERM");
    await webhook.exited;
  });

  it("picks up a rotated certificate without dropping open connections", async () => {
    const webhook = start(["--tls-reload-interval", "0s"]);
    const port = await portOf(webhook);
    const kept = new Agent({ ca: pki.caPem, keepAlive: true, maxSockets: 1 });
    const before = await call(port, kept, "GET", "/healthz");
    expect(before.serial).toBe("01");

    // A key that does not match the certificate (a writer halfway through) must not be used.
    const beforeBadKey = webhook.logs.length;
    writeFileSync(keyFile, readFileSync(join(pki.dir, "ca.key")));
    await webhook.waitForLog("tls reload failed; keeping the current pair", beforeBadKey);
    expect((await call(port, new Agent({ ca: pki.caPem }), "GET", "/healthz")).serial).toBe("01");

    const logCount = webhook.logs.length;
    const serial = pki.issue(certFile, keyFile, 2);
    await webhook.waitForLog("tls key pair reloaded", logCount);

    const sameConnection = await call(port, kept, "GET", "/healthz");
    expect(sameConnection.status).toBe(200);
    expect(sameConnection.serial).toBe("01");
    const fresh = await call(port, new Agent({ ca: pki.caPem }), "GET", "/healthz");
    expect(fresh.serial).toBe(serial);
    expect((await call(port, kept, "GET", "/metrics")).body).toContain(
      'podinit_webhook_tls_reloads_total{result="reloaded"} 1',
    );
    kept.destroy();
    webhook.child.kill("SIGTERM");
    expect(await webhook.exited).toBe(0);
  });

  it("on SIGTERM turns not-ready, finishes the review in flight, then exits 0", async () => {
    const webhook = start(["--shutdown-delay", "1s"]);
    const port = await portOf(webhook);
    const body = JSON.stringify(reviewOf(loadPodFixture("nginx-deployment")));
    const socket = connect({ host: "127.0.0.1", port, ca: pki.caPem });
    await new Promise<void>(resolve => socket.once("secureConnect", () => resolve()));
    let response = "";
    socket.on("data", (chunk: Buffer) => (response += chunk.toString()));
    const half = Math.floor(body.length / 2);
    socket.write(
      `POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    socket.write(body.slice(0, half));

    const logCount = webhook.logs.length;
    webhook.child.kill("SIGTERM");
    await webhook.waitForLog("shutting down", logCount);
    const ready = await call(port, new Agent({ ca: pki.caPem }), "GET", "/readyz");
    expect(ready.status).toBe(503);
    // The server has stopped accepting; the half-sent review must still get its answer.
    await webhook.waitForLog("draining in-flight reviews", logCount);
    socket.write(body.slice(half));
    await new Promise<void>(resolve => socket.once("end", () => resolve()));
    expect(response).toMatch(/^HTTP\/1.1 200 /);
    expect(response).toContain('"patchType":"JSONPatch"');
    expect(await webhook.exited).toBe(0);
    expect(webhook.logs.map(l => l["msg"])).toContain("stopped");
  });
});

describe("start-up validation", () => {
  it("exits 2 naming every bad setting", async () => {
    const webhook = startWebhook(
      ["--tls-cert", certFile, "--tls-key", keyFile, "--port", "99999"],
      { PODINIT_LOG_LEVEL: "loud" },
    );
    expect(await webhook.exited).toBe(2);
    expect(webhook.stderr()).toContain(
      "ERR_CONFIG_INVALID: --port: '99999' is not a whole number from 0 to 65535",
    );
    expect(webhook.stderr()).toContain("--init-image (or PODINIT_INIT_IMAGE) is required");
    expect(webhook.stderr()).toContain("PODINIT_LOG_LEVEL: 'loud' is not one of");
  });

  it("exits 2 naming the TLS file it cannot read", async () => {
    const webhook = startWebhook([
      "--tls-cert",
      "/nonexistent/tls.crt",
      "--tls-key",
      keyFile,
      "--init-image",
      "x",
    ]);
    expect(await webhook.exited).toBe(2);
    expect(webhook.stderr()).toContain(
      "ERR_TLS_FILES: --tls-cert: cannot read /nonexistent/tls.crt: ENOENT",
    );
  });
});
