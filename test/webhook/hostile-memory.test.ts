// The started webhook's memory while one tenant's hostile registry, pods and stalled clients are all served at once, against the bounds the chart gives it.

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hostileReviews,
  sendReviews,
  stallClients,
  startChartedWebhook,
  startHostileRegistry,
  type HostileRegistry,
  type HostileScale,
} from "../support/webhook/hostile-traffic.js";
import { heldBecomes } from "./helpers/held-bytes.js";
import { makeTestPki, type TestPki } from "../support/webhook/pki.js";
import { chartMemory, peakRssMi } from "../support/webhook/process-memory.js";
import type { WebhookProcess } from "../support/webhook/webhook-process.js";

/** Smaller than the bench's, still past every bound that once failed (256 challenges, 16 MiB). */
const SCALE: HostileScale = {
  challengingRegistries: 600,
  hugeConfigs: 12,
  rounds: 2,
  // Ten stalled 3 MiB bodies fit the 32 MiB budget together: what they hold is known exactly.
  stalledClients: 10,
  longImagePods: 12,
};

/** What each stalled client sends of its body (stallClients: all but the last KiB of 3 MiB). */
const STALLED_BYTES = 3 * 1024 * 1024 - 1024;

let pki: TestPki;
let registry: HostileRegistry;
let webhook: WebhookProcess;

beforeAll(async () => {
  pki = makeTestPki();
  pki.issue(join(pki.dir, "tls.crt"), join(pki.dir, "tls.key"), 1);
  registry = await startHostileRegistry(SCALE);
});

afterAll(async () => {
  if (webhook !== undefined && webhook.child.exitCode === null) webhook.child.kill("SIGKILL");
  await registry?.close();
});

describe("memory under one hostile tenant", () => {
  it("the live heap stays within V8's bound and the peak RSS a fifth below the chart's limit, every review answered", async () => {
    const chart = chartMemory();
    webhook = startChartedWebhook(pki.dir, registry);
    const port = (await webhook.waitForLog("listening"))["port"] as number;
    const { registryLed, podLed } = hostileReviews(registry, SCALE);
    const bodies = [...registryLed, ...podLed];

    const stalled = await stallClients(port, pki.caPem, SCALE.stalledClients);
    await heldBecomes(port, pki.caPem, SCALE.stalledClients * STALLED_BYTES);
    const during = await sendReviews(port, pki.caPem, bodies, SCALE.rounds);
    stalled.release();
    const after = await sendReviews(port, pki.caPem, bodies, SCALE.rounds);

    // While stalled bodies hold the budget, a review is answered or refused with 503 (the API
    // server then applies failurePolicy), never dropped; once they are gone, every one is served.
    expect([...during.keys()].filter(status => status !== 200 && status !== 503)).toEqual([]);
    // The stalled bodies took all but 2 MiB of the budget: the largest reviews could not fit.
    expect(during.get(503)).toBeGreaterThan(0);
    expect(after).toEqual(new Map([[200, bodies.length * SCALE.rounds]]));
    expect(webhook.child.exitCode).toBeNull();
    // The hostile answers were really asked for: every registry, every huge config.
    expect(registry.answered.challenge).toBeGreaterThanOrEqual(SCALE.challengingRegistries);
    expect(registry.answered.config).toBeGreaterThanOrEqual(SCALE.hugeConfigs);
    expect(registry.answered.index).toBeGreaterThanOrEqual(1);
    expect(peakRssMi(webhook.child.pid ?? 0)).toBeLessThan(chart.limitMi * 0.8);
  });
});
