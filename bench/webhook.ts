// Webhook benchmark: /mutate versus a plain Fastify echo of the same body, side by side, as ratios.
// Part of `make bench` (bench/run.ts); alone: npx tsx bench/webhook.ts [--quick]

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { makeTestPki } from "../test/support/webhook/pki.js";
import { foreignShareSince } from "./cpu-accounting.js";
import { placeOnCpus } from "./cpu-placement.js";
import { h2load } from "./h2load.js";
import { rssMb, startEcho, startWebhook, type Server } from "./loaded-servers.js";
import { measureMutationShapes } from "./mutation-shapes.js";
import { pacedRounds } from "./paced-runs.js";
import { printSection, type BenchSection } from "./report.js";
import { cpuRatios, sideBySideRounds } from "./side-by-side.js";
import { webhookSection } from "./webhook-report.js";
import {
  checkAnswer,
  largeReview,
  smallReview,
  startLogShipperRegistry,
  type ReviewSize,
} from "./webhook-reviews.js";
import {
  CONNECTIONS,
  RSS_WARM_UP_REVIEWS,
  webhookScale,
  type WebhookBenchRun,
} from "./webhook-scale.js";

/** Wall rates of either server while sharing the core: about what each size reached here. */
const FIRST_GUESS: Readonly<Record<ReviewSize, number>> = { Small: 2000, Large: 500 };

/** The method's own error: the echo against a second echo should come out at 1.00. */
async function calibrate(
  bench: WebhookBenchRun,
  echo: Server,
  cert: string,
  key: string,
  body: string,
): Promise<number[]> {
  const second = await startEcho(bench.cpus, cert, key);
  const runs = await sideBySideRounds(
    bench,
    { subject: second, baseline: echo },
    { Small: body },
    bench.scale.calibrationRounds,
    { Small: FIRST_GUESS.Small },
  ).finally(() => second.child.kill("SIGTERM"));
  return cpuRatios(runs.Small);
}

/**
 * Memory on a fresh process, so the 130 KB runs do not inflate it: after a warm-up, then after
 * rssReviews more.
 */
async function freshRss(
  bench: WebhookBenchRun,
  cert: string,
  key: string,
  body: string,
): Promise<{ rssBefore: number; rssAfter: number }> {
  const fresh = await startWebhook(bench.cpus, cert, key);
  try {
    const load = (reviews: number): string =>
      h2load(bench.cpus, fresh.url, body, ["-c", String(CONNECTIONS), "-n", String(reviews)]);
    load(RSS_WARM_UP_REVIEWS);
    const rssBefore = rssMb(fresh.child);
    load(bench.scale.rssReviews);
    return { rssBefore, rssAfter: rssMb(fresh.child) };
  } finally {
    fresh.child.kill("SIGTERM");
  }
}

export async function benchWebhook(quick: boolean): Promise<BenchSection> {
  let runs = 0;
  const bench: WebhookBenchRun = {
    scale: webhookScale(quick),
    cpus: placeOnCpus(),
    work: mkdtempSync(join(tmpdir(), "podinit-bench-")),
    nextRun: () => ++runs,
  };
  // Before any server starts, so that it has the CPUs to itself.
  const shapes = measureMutationShapes();
  const pki = makeTestPki();
  const cert = join(pki.dir, "tls.crt");
  const key = join(pki.dir, "tls.key");
  pki.issue(cert, key, 1);
  const registry = await startLogShipperRegistry(bench.work);
  const bodies = {
    Small: join(bench.work, "review-8k.json"),
    Large: join(bench.work, "review-130k.json"),
  };
  const small = smallReview(registry.host);
  const large = largeReview(registry.host);
  writeFileSync(bodies.Small, small);
  writeFileSync(bodies.Large, large);

  const webhook = await startWebhook(bench.cpus, cert, key);
  const echo = await startEcho(bench.cpus, cert, key);
  try {
    await checkAnswer(webhook.url, bodies.Small);
    const others = foreignShareSince();
    const servers = { subject: webhook, baseline: echo };
    const closed = await sideBySideRounds(bench, servers, bodies, bench.scale.rounds, FIRST_GUESS);
    const foreignRounds = others();
    const calibration = await calibrate(bench, echo, cert, key, bodies.Small);
    // The echo under the same load shows what the harness and the machine add.
    const paced = await pacedRounds(bench, webhook, echo, bodies.Small);
    const rss = await freshRss(bench, cert, key, bodies.Small);
    const bytes = { Small: Buffer.byteLength(small), Large: Buffer.byteLength(large) };
    return webhookSection(
      { bytes, closed, calibration, foreignRounds, paced, ...rss, shapes },
      bench,
    );
  } finally {
    webhook.child.kill("SIGTERM");
    echo.child.kill("SIGTERM");
    await registry.stop();
    rmSync(bench.work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  printSection(await benchWebhook(process.argv.includes("--quick")));
}
