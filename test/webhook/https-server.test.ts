// The started webhook over real HTTPS, with a CA made for the test.

import { applyPatch, deepClone, type Operation } from "fast-json-patch";
import { Agent } from "node:https";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPodFixture } from "../fixtures/load.js";
import { waitFor } from "../support/tracked-processes.js";
import { decodeAnswer, reviewOf } from "../support/webhook/app.js";
import { call, type Reply } from "../support/webhook/https-call.js";
import { openSilentTcp, openTls, reviewUntilClosed } from "./helpers/kept-alive-clients.js";
import { bytesHeld, heldBecomes } from "./helpers/held-bytes.js";
import { makeTestPki, type TestPki } from "../support/webhook/pki.js";
import { startWebhook, type WebhookProcess } from "../support/webhook/webhook-process.js";

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

/** A review, and the head of its POST as sent by hand over a raw connection. */
function rawReview(): { head: string; body: string } {
  const body = JSON.stringify(reviewOf(loadPodFixture("nginx-deployment")));
  const head = `POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return { head, body };
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
    const { head, body } = rawReview();
    const client = await openTls(port, pki.caPem);
    const half = Math.floor(body.length / 2);
    client.socket.write(head + body.slice(0, half));

    const logCount = webhook.logs.length;
    webhook.child.kill("SIGTERM");
    await webhook.waitForLog("shutting down", logCount);
    const ready = await call(port, new Agent({ ca: pki.caPem }), "GET", "/readyz");
    expect(ready.status).toBe(503);
    // The server has stopped accepting; the half-sent review must still get its answer.
    await webhook.waitForLog("draining in-flight reviews", logCount);
    client.socket.write(body.slice(half));
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1.1 200 /);
    expect(client.received()).toContain('"patchType":"JSONPatch"');
    expect(await webhook.exited).toBe(0);
    expect(webhook.logs.map(l => l["msg"])).toContain("stopped");
  });

  it("a review in flight when SIGTERM comes is answered during the shutdown delay with Connection: close", async () => {
    const webhook = start(["--shutdown-delay", "2s"]);
    const port = await portOf(webhook);
    const { head, body } = rawReview();
    const client = await openTls(port, pki.caPem);
    const half = Math.floor(body.length / 2);
    client.socket.write(head + body.slice(0, half));
    // The webhook has the half-sent review before SIGTERM comes: a review of a few KB reserves its
    // declared length as its head arrives (body-budget.ts).
    await heldBecomes(port, pki.caPem, Buffer.byteLength(body));

    const logCount = webhook.logs.length;
    webhook.child.kill("SIGTERM");
    await webhook.waitForLog("shutting down", logCount);
    client.socket.write(body.slice(half));
    // Answered before the delay ends, and told to reconnect elsewhere: the API server's next
    // review on this connection would otherwise meet the server closing it.
    await client.closed;
    expect(webhook.logs.slice(logCount).map(l => l["msg"])).not.toContain(
      "draining in-flight reviews",
    );
    expect(client.received()).toMatch(/^HTTP\/1.1 200 /);
    expect(client.received()).toMatch(/\r\nconnection: close\r\n/i);
    expect(await webhook.exited).toBe(0);
  });

  it("a second SIGTERM during the drain does not cut it short: the process still exits 0", async () => {
    const webhook = start(["--shutdown-delay", "1s"]);
    await portOf(webhook);
    webhook.child.kill("SIGTERM");
    await webhook.waitForLog("shutting down");
    webhook.child.kill("SIGTERM");
    await webhook.waitForLog("already shutting down; the drain goes on");
    expect(await webhook.exited).toBe(0);
  });

  it("on SIGTERM under load answers every review, sends each kept-alive client away, and cuts stalled clients at the drain deadline", async () => {
    // Only the drain deadline can end the stalled clients: their own bounds are far off.
    const webhook = start([
      "--shutdown-delay",
      "2s",
      "--drain-timeout",
      "1s",
      "--headers-timeout",
      "10m",
      "--request-timeout",
      "10m",
    ]);
    const port = await portOf(webhook);
    const { head, body } = rawReview();
    const stalledBody = await openTls(port, pki.caPem);
    stalledBody.socket.write(head + body.slice(0, 100));
    const stalledHandshake = await openSilentTcp(port);
    let answered = 0;
    const lanes = Array.from({ length: 8 }, () =>
      reviewUntilClosed(port, pki.caPem, body, () => answered++),
    );
    await waitFor(() => answered >= 80, "80 reviews answered under load");

    const logCount = webhook.logs.length;
    webhook.child.kill("SIGTERM");
    const results = await Promise.all(lanes);
    expect(results.map(lane => lane.failure)).toEqual(results.map(() => null));
    expect(results.map(lane => lane.toldToClose)).toEqual(results.map(() => true));
    expect(new Set(results.flatMap(lane => lane.statuses))).toEqual(new Set([200]));
    expect(await webhook.exited).toBe(0);
    await Promise.all([stalledBody.closed, stalledHandshake.closed]);
    const cut = await webhook.waitForLog("drain deadline reached; connections cut", logCount);
    expect(cut["connections"]).toBe(2);
  });
});

describe("connection bounds", () => {
  it("closes a connection whose headers, body or idle time outlasts its bound", async () => {
    const webhook = start([
      "--headers-timeout",
      "300ms",
      "--request-timeout",
      "600ms",
      "--keep-alive-timeout",
      "300ms",
    ]);
    const port = await portOf(webhook);
    const { head, body } = rawReview();
    const [stalledHeaders, stalledBody, idle] = await Promise.all([
      openTls(port, pki.caPem),
      openTls(port, pki.caPem),
      openTls(port, pki.caPem),
    ]);
    stalledHeaders.socket.write(head.slice(0, head.indexOf("content-type")));
    stalledBody.socket.write(head + body.slice(0, 100));
    idle.socket.write("GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n");
    await Promise.all([stalledHeaders.closed, stalledBody.closed, idle.closed]);
    expect(stalledHeaders.received()).toMatch(/^HTTP\/1.1 408 /);
    expect(stalledBody.received()).toMatch(/^HTTP\/1.1 408 /);
    // Answered once, then closed while it sat idle.
    expect(idle.received().match(/^HTTP\/1.1 \d+/gm)).toEqual(["HTTP/1.1 200"]);

    // A client that sends its review whole is served as before.
    const reply = await call(port, new Agent({ ca: pki.caPem }), "POST", "/mutate", body);
    expect(reply.status).toBe(200);
    webhook.child.kill("SIGTERM");
    expect(await webhook.exited).toBe(0);
  });

  it("holds at most --max-connections open, and serves again once one closes", async () => {
    const webhook = start(["--max-connections", "2"]);
    const port = await portOf(webhook);
    const first = await openTls(port, pki.caPem);
    const second = await openTls(port, pki.caPem);
    await expect(openTls(port, pki.caPem)).rejects.toThrow(
      /the server ended the connection during the TLS handshake/,
    );

    first.socket.end();
    await first.closed;
    // The server counts the connection out once it has seen it close, a moment later.
    let served: Reply | undefined;
    for (let attempt = 0; served === undefined && attempt < 100; attempt++) {
      served = await call(port, new Agent({ ca: pki.caPem }), "GET", "/healthz").catch(() => {
        return sleep(20).then(() => undefined);
      });
    }
    expect(served?.status).toBe(200);
    second.socket.end();
    webhook.child.kill("SIGTERM");
    expect(await webhook.exited).toBe(0);
  });

  it("closes a connection that never starts TLS once --headers-timeout has passed, so silent clients cannot hold every slot", async () => {
    const webhook = start(["--max-connections", "2", "--headers-timeout", "300ms"]);
    const port = await portOf(webhook);
    // Both slots taken by clients that connect and say nothing, as a hostile pod could.
    const silent = await Promise.all([openSilentTcp(port), openSilentTcp(port)]);
    await Promise.all(silent.map(client => client.closed));
    const reply = await call(port, new Agent({ ca: pki.caPem }), "GET", "/healthz");
    expect(reply.status).toBe(200);
    webhook.child.kill("SIGTERM");
    expect(await webhook.exited).toBe(0);
  });
});

describe("bytes of reviews held at once", () => {
  it("stay within --body-budget: a body past it is answered 503 ERR_BUSY at once, and the bytes come back when a client leaves or is answered", async () => {
    const webhook = start(["--body-limit", "16Ki", "--body-budget", "40Ki"]);
    const port = await portOf(webhook);
    const small = rawReview().body;
    // Trailing blanks are valid JSON: a review of 15 KiB, as large as a pod with many containers.
    const large = small.padEnd(15 * 1024, " ");
    const head = `POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${large.length}\r\n\r\n`;
    // Two clients that send all but the end of a large review, then stall: 28 KiB held.
    const stalled = await Promise.all([openTls(port, pki.caPem), openTls(port, pki.caPem)]);
    for (const client of stalled) client.socket.write(head + large.slice(0, 14 * 1024));
    await heldBecomes(port, pki.caPem, 28 * 1024);

    const agent = new Agent({ ca: pki.caPem });
    const refused = await call(port, agent, "POST", "/mutate", large);
    expect(refused.status).toBe(503);
    const problem = JSON.parse(refused.body) as { code: string; message: string };
    expect(problem.code).toBe("ERR_BUSY");
    expect(problem.message).toMatch(/past the budget of 40960 bytes \(--body-budget\)$/);
    // A review that fits beside the stalled ones is served.
    expect((await call(port, agent, "POST", "/mutate", small)).status).toBe(200);

    stalled[0]?.socket.destroy();
    await heldBecomes(port, pki.caPem, 14 * 1024);
    // Each answered review gives its bytes back, or the second of these would be refused.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await call(port, agent, "POST", "/mutate", large)).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(await bytesHeld(port, pki.caPem)).toBe(14 * 1024);
    stalled[1]?.socket.destroy();
    await heldBecomes(port, pki.caPem, 0);
    webhook.child.kill("SIGTERM");
    expect(await webhook.exited).toBe(0);
  });
});

describe("bytes held at once, during the drain", () => {
  it("a review refused for the budget after SIGTERM still tells its client to close the connection", async () => {
    const webhook = start([
      "--body-limit",
      "16Ki",
      "--body-budget",
      "40Ki",
      "--shutdown-delay",
      "3s",
    ]);
    const port = await portOf(webhook);
    const large = rawReview().body.padEnd(15 * 1024, " ");
    const head = `POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${large.length}\r\n\r\n`;
    const stalled = await Promise.all([openTls(port, pki.caPem), openTls(port, pki.caPem)]);
    for (const client of stalled) client.socket.write(head + large.slice(0, 14 * 1024));
    await heldBecomes(port, pki.caPem, 28 * 1024);
    const logCount = webhook.logs.length;
    webhook.child.kill("SIGTERM");
    await webhook.waitForLog("shutting down", logCount);

    const refused = await openTls(port, pki.caPem);
    refused.socket.write(head + large);
    await refused.closed;
    expect(refused.received()).toMatch(/^HTTP\/1.1 503 /);
    expect(refused.received()).toMatch(/\r\nconnection: close\r\n/i);
    for (const client of stalled) client.socket.destroy();
    expect(await webhook.exited).toBe(0);
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
