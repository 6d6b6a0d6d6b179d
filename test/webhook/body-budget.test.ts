// The budget of review bytes held at once, over real connections: bodies nothing parses are left alone, and every way a request ends gives its bytes back.

import { once } from "node:events";
import { connect, type AddressInfo, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { EntrypointResolver } from "../../webhook/src/admission/admit-pod.js";
import { reviewOf, testApp, type TestApp } from "../support/webhook/app.js";

let current: TestApp | undefined;

afterEach(async () => {
  // A test that failed may have left its stalled clients connected: close() would wait for them.
  current?.app.server.closeAllConnections();
  await current?.app.close();
  current = undefined;
});

/**
 * A webhook on plain HTTP taking reviews of 60 KiB, 64 KiB at once, whose lookups take `lookupMs`;
 * with `maxConnections`, a body within a connection's share of the 64 KiB reserves its length.
 */
async function listening(
  lookupMs = 0,
  maxConnections?: number,
): Promise<{ port: number; held: () => Promise<number> }> {
  const slowLookups: EntrypointResolver = async () => {
    await sleep(lookupMs);
    return { resolved: new Map(), failures: new Map(), warnings: [] };
  };
  current = await testApp({
    bodyLimitBytes: 60 * 1024,
    bodyBudgetBytes: 64 * 1024,
    resolveEntrypoints: slowLookups,
    ...(maxConnections === undefined ? {} : { maxConnections }),
  });
  const { app } = current;
  await app.listen({ port: 0, host: "127.0.0.1" });
  const held = async (): Promise<number> => {
    const reply = await app.inject({ method: "GET", url: "/metrics" });
    return Number(/^podinit_webhook_review_bytes_held ([0-9]+)$/m.exec(reply.body)?.[1]);
  };
  return { port: (app.server.address() as AddressInfo).port, held };
}

interface Client {
  readonly socket: Socket;
  /** The status of each answer received so far, in order. */
  statuses(): string[];
}

async function client(port: number): Promise<Client> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
  await once(socket, "connect");
  return {
    socket,
    statuses: () => [...text.matchAll(/HTTP\/1\.1 ([0-9]{3}) /g)].map(m => m[1] ?? ""),
  };
}

function request(method: string, path: string, body: string, type = "application/json"): string {
  return `${method} ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Waits for `condition`, failing the test if it never holds. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await sleep(10);
  }
  throw new Error(`never came true: ${condition.toString()}`);
}

/** A client that sends all but the last 1,000 bytes of a 50,000-byte body: 49,000 of the 64 KiB held. */
async function stallMostOfTheBudget(port: number, held: () => Promise<number>): Promise<Client> {
  const stalled = await client(port);
  stalled.socket.write(request("POST", "/mutate", " ".repeat(50_000)).slice(0, -1000));
  await until(async () => (await held()) === 49_000);
  return stalled;
}

const review = JSON.stringify(
  reviewOf({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "app", namespace: "apps" },
    spec: { containers: [{ name: "app", image: "registry.test/app:1" }] },
  }),
);

describe("the review-bytes budget over real connections", () => {
  it("a GET or a non-JSON POST with a body, while a stalled client fills the budget, is answered and counts nothing", async () => {
    const { port, held } = await listening();
    const stalled = await stallMostOfTheBudget(port, held);

    // Nothing parses these bodies: they are never read into the budget, never a reason to fail.
    const getting = await client(port);
    getting.socket.write(request("GET", "/healthz", " ".repeat(20_000)));
    const posting = await client(port);
    posting.socket.write(request("POST", "/mutate", " ".repeat(20_000), "text/plain"));
    await until(() => getting.statuses().length + posting.statuses().length === 2);
    expect([getting.statuses(), posting.statuses()]).toEqual([["200"], ["400"]]);
    expect(await held()).toBe(49_000);

    for (const c of [stalled, getting, posting]) c.socket.destroy();
    await until(async () => (await held()) === 0);
    expect(await held()).toBe(0);
  });

  it("a review refused for the budget is read to its end and dropped: its client gets the 503, and its connection serves the next review", async () => {
    const { port, held } = await listening();
    const stalled = await stallMostOfTheBudget(port, held);

    const refused = await client(port);
    refused.socket.write(request("POST", "/mutate", review.padEnd(30_000, " ")));
    refused.socket.write(request("GET", "/healthz", ""));
    await until(() => refused.statuses().length === 2);
    expect(refused.statuses()).toEqual(["503", "200"]);
    expect(await held()).toBe(49_000);

    stalled.socket.destroy();
    await until(async () => (await held()) === 0);
    refused.socket.write(request("POST", "/mutate", review));
    await until(() => refused.statuses().length === 3);
    expect(refused.statuses()).toEqual(["503", "200", "200"]);
    refused.socket.destroy();
  });

  it("a client that goes on sending a refused chunked body past the whole budget is cut off", async () => {
    const { port, held } = await listening();
    const stalled = await stallMostOfTheBudget(port, held);

    const endless = await client(port);
    endless.socket.write(
      "POST /mutate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
    );
    const chunk = `${(20_000).toString(16)}\r\n${" ".repeat(20_000)}\r\n`;
    let closed = false;
    endless.socket.once("close", () => (closed = true));
    for (let sent = 0; sent < 10 && !closed; sent++) {
      endless.socket.write(chunk);
      await sleep(20);
    }
    await until(() => closed);
    expect(endless.statuses()).toEqual(["503"]);
    expect(await held()).toBe(49_000);
    stalled.socket.destroy();
  });

  it("reviews pipelined by a client that leaves before their answers give their bytes back", async () => {
    const { port, held } = await listening(300);
    for (let round = 0; round < 3; round++) {
      const pipelining = await client(port);
      // The second answer waits behind the first, whose lookups are slow, when the client leaves.
      pipelining.socket.write(
        request("POST", "/mutate", review) +
          request("POST", "/mutate", review.padEnd(20 * 1024, " ")),
      );
      await until(async () => (await held()) >= 20 * 1024);
      pipelining.socket.destroy();
      await sleep(400);
      await until(async () => (await held()) === 0);
      expect(await held()).toBe(0);
    }
  });

  it("a body cut short behind a pipelined review ends its request, not the process", async () => {
    const { port, held } = await listening(300);
    const leaving = await client(port);
    leaving.socket.write(
      request("POST", "/mutate", review) +
        `GET /healthz HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n0123456789`,
    );
    await sleep(50);
    leaving.socket.destroy();
    await sleep(400);
    // Still serving, and holding nothing.
    const next = await client(port);
    next.socket.write(request("POST", "/mutate", review));
    await until(() => next.statuses().length === 1);
    expect(next.statuses()).toEqual(["200"]);
    next.socket.destroy();
    await until(async () => (await held()) === 0);
    expect(await held()).toBe(0);
  });
});

describe("a connection's share of the budget (--body-budget / --max-connections)", () => {
  /** A client that sends the head of a `length`-byte review and nothing of its body. */
  async function stallAfterHead(port: number, length: number): Promise<Client> {
    const stalled = await client(port);
    stalled.socket.write(request("POST", "/mutate", " ".repeat(length)).slice(0, -length));
    return stalled;
  }

  it("a review declaring no more than the share reserves its length at once; one that no longer fits is counted as it comes and refused", async () => {
    const { port, held } = await listening(0, 1);
    const stalled = await stallAfterHead(port, 50_000);
    await until(async () => (await held()) === 50_000);

    const refused = await client(port);
    refused.socket.write(request("POST", "/mutate", review.padEnd(30_000, " ")));
    refused.socket.write(request("GET", "/healthz", ""));
    await until(() => refused.statuses().length === 2);
    expect(refused.statuses()).toEqual(["503", "200"]);
    // A review that fits beside the reservation is served, and gives its bytes back.
    refused.socket.write(request("POST", "/mutate", review));
    await until(() => refused.statuses().length === 3);
    expect(refused.statuses()).toEqual(["503", "200", "200"]);
    expect(await held()).toBe(50_000);

    stalled.socket.destroy();
    await until(async () => (await held()) === 0);
    refused.socket.destroy();
  });

  it("a review declaring more than the share holds only what it has sent, so clients that stall after their heads cannot spend the budget before they take every connection", async () => {
    // A share of 32 KiB each: the two connections reserving it at once would just fill the budget.
    const { port, held } = await listening(0, 2);
    const overShare = await stallAfterHead(port, 40_000);
    overShare.socket.write(" ".repeat(1_000));
    await until(async () => (await held()) === 1_000);
    const withinShare = await stallAfterHead(port, 30_000);
    await until(async () => (await held()) === 31_000);

    const served = await client(port);
    served.socket.write(request("POST", "/mutate", review));
    await until(() => served.statuses().length === 1);
    expect(served.statuses()).toEqual(["200"]);
    for (const c of [withinShare, overShare, served]) c.socket.destroy();
    await until(async () => (await held()) === 0);
  });

  it("reserved reviews pipelined by a client that leaves before their answers give their bytes back", async () => {
    const { port, held } = await listening(300, 1);
    const pipelining = await client(port);
    pipelining.socket.write(
      request("POST", "/mutate", review) + request("POST", "/mutate", review.padEnd(20 * 1024)),
    );
    await until(async () => (await held()) >= 20 * 1024);
    pipelining.socket.destroy();
    await until(async () => (await held()) === 0);
  });
});
