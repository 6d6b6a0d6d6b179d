// The started webhook's gauge of review bytes held (podinit_webhook_review_bytes_held), read over HTTPS, and a wait for a value of it.

import { Agent } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import { call } from "../../support/webhook/https-call.js";

export async function bytesHeld(port: number, ca: Buffer): Promise<number> {
  const agent = new Agent({ ca });
  try {
    const reply = await call(port, agent, "GET", "/metrics");
    const value = /^podinit_webhook_review_bytes_held ([0-9]+)$/m.exec(reply.body)?.[1];
    if (value === undefined) throw new Error(`no review_bytes_held in /metrics:\n${reply.body}`);
    return Number(value);
  } finally {
    agent.destroy();
  }
}

/** Waits until the webhook holds `bytes` (a body's declared length, or its chunks as they reach it: body-budget.ts), failing if it never does. */
export async function heldBecomes(port: number, ca: Buffer, bytes: number): Promise<void> {
  let last = -1;
  for (let attempt = 0; attempt < 300 && last !== bytes; attempt++) {
    last = await bytesHeld(port, ca);
    if (last !== bytes) await sleep(25);
  }
  expect(last).toBe(bytes);
}
