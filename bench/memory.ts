// Peak memory of the webhook as the chart runs it: idle, serving ordinary reviews, and serving one tenant's hostile registry, hostile pods and stalled clients.
// Part of `make bench` (bench/run.ts); alone: npx tsx bench/memory.ts [--quick]

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadPodFixture } from "../test/fixtures/load.js";
import { reviewOf } from "../test/support/webhook/app.js";
import {
  BENCH_SCALE,
  hostileReviews,
  sendReviews,
  stallClients,
  startChartedWebhook,
  startHostileRegistry,
  type HostileRegistry,
  type HostileScale,
} from "../test/support/webhook/hostile-traffic.js";
import { makeTestPki, type TestPki } from "../test/support/webhook/pki.js";
import { chartMemory, peakRssMi } from "../test/support/webhook/process-memory.js";
import { printSection, type BenchSection, type Check } from "./report.js";

const QUICK_SCALE: HostileScale = {
  challengingRegistries: 600,
  hugeConfigs: 12,
  rounds: 1,
  stalledClients: 40,
  longImagePods: 12,
};
/** Ordinary reviews sent in the scenario without a hostile tenant. */
const ORDINARY_REVIEWS = 4000;
/** The peak may reach this share of the chart's memory limit. */
const LIMIT_SHARE = 0.8;

interface Load {
  readonly name: string;
  /** What it sends once the webhook is listening; the statuses it got. */
  run(port: number, ca: Buffer): Promise<Map<number, number>>;
}

interface Measured {
  readonly load: string;
  readonly peakMi: number;
  readonly statuses: Map<number, number>;
  readonly alive: boolean;
}

async function measure(load: Load, pki: TestPki, registry: HostileRegistry): Promise<Measured> {
  const webhook = startChartedWebhook(pki.dir, registry);
  try {
    const port = (await webhook.waitForLog("listening"))["port"] as number;
    const statuses = await load.run(port, pki.caPem);
    const alive = webhook.child.exitCode === null;
    // A process that ended has no /proc entry left to read: its row says so instead.
    const peakMi = alive ? peakRssMi(webhook.child.pid ?? 0) : Number.NaN;
    return { load: load.name, peakMi, statuses, alive };
  } finally {
    webhook.child.kill("SIGKILL");
    await webhook.exited;
  }
}

function loads(registry: HostileRegistry, scale: HostileScale, quick: boolean): Load[] {
  const { registryLed, podLed } = hostileReviews(registry, scale);
  const ordinary = JSON.stringify(reviewOf(loadPodFixture("nginx-deployment")));
  const hostile =
    (bodies: readonly string[], stalled: number) => async (port: number, ca: Buffer) => {
      const clients = await stallClients(port, ca, stalled);
      const during = await sendReviews(port, ca, bodies, scale.rounds);
      clients.release();
      const after = await sendReviews(port, ca, bodies, scale.rounds);
      for (const [status, count] of after) during.set(status, (during.get(status) ?? 0) + count);
      return during;
    };
  return [
    { name: "started, no review yet", run: () => Promise.resolve(new Map()) },
    {
      name: `${quick ? ORDINARY_REVIEWS / 4 : ORDINARY_REVIEWS} ordinary reviews, 8 at once`,
      run: (port, ca) =>
        sendReviews(port, ca, [ordinary], quick ? ORDINARY_REVIEWS / 4 : ORDINARY_REVIEWS),
    },
    { name: "a hostile registry", run: hostile(registryLed, 0) },
    { name: "hostile pods and stalled clients", run: hostile(podLed, scale.stalledClients) },
    {
      name: "all of it at once",
      run: hostile([...registryLed, ...podLed], scale.stalledClients),
    },
  ];
}

function statusText(statuses: Map<number, number>): string {
  if (statuses.size === 0) return "none sent";
  return [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${count} × ${status === 0 ? "no answer" : status}`)
    .join(", ");
}

export async function benchMemory(quick: boolean): Promise<BenchSection> {
  const scale = quick ? QUICK_SCALE : BENCH_SCALE;
  const chart = chartMemory();
  const pki = makeTestPki();
  pki.issue(join(pki.dir, "tls.crt"), join(pki.dir, "tls.key"), 1);
  const registry = await startHostileRegistry(scale);
  const results: Measured[] = [];
  try {
    for (const load of loads(registry, scale, quick))
      results.push(await measure(load, pki, registry));
  } finally {
    await registry.close();
  }
  return section(results, scale, chart);
}

function section(
  results: readonly Measured[],
  scale: HostileScale,
  chart: { limitMi: number; heapLimitMi: number },
): BenchSection {
  const bound = chart.limitMi * LIMIT_SHARE;
  const hostile = results.slice(2);
  const worst = Math.max(...hostile.map(r => (r.alive ? r.peakMi : Number.POSITIVE_INFINITY)));
  const answered = (r: Measured): boolean =>
    [...r.statuses.keys()].every(status => status === 200 || status === 503);
  const lines = [
    `Each row is a fresh webhook, run as the chart runs it: the bundle, with NODE_OPTIONS=--max-old-space-size=${chart.heapLimitMi} (server.heapLimitMi), so a live heap past that bound would end the process. Peak is the kernel's high-water mark of its resident memory (VmHWM). The hostile tenant (test/support/webhook/hostile-traffic.ts, on loopback) has ${scale.challengingRegistries} registries each answering 401 with a 12 KB realm, ${scale.hugeConfigs} images whose config holds a 7.9 MB Entrypoint, an index of 1,000 entries, a pod of 5,000 containers whose exclude-containers lists 250,000 names, a pod of 2.8 MB of annotations, a user whose extra has a \`__proto__\` key, ${scale.longImagePods} pods of 25 containers whose images are different strings of 100 KB, and ${scale.stalledClients} clients that send all but the end of a 3 MiB review and stall. Its reviews are sent ${scale.rounds} times, 8 at once, while the stalled clients hold their bodies, then ${scale.rounds} times more once they are gone.`,
    "",
    `| load | peak RSS | of the chart's ${chart.limitMi} Mi limit | answers | process |`,
    "|---|---|---|---|---|",
    ...results.map(
      r =>
        `| ${r.load} | ${r.peakMi.toFixed(0)} MiB | ${((100 * r.peakMi) / chart.limitMi).toFixed(0)} % | ${statusText(r.statuses)} | ${r.alive ? "running" : "**ended**"} |`,
    ),
    "",
    "A 503 is `ERR_BUSY`: a review that came while the stalled clients held the 32 MiB of `--body-budget`; the API server then applies `failurePolicy`. Before the bounds of issue 16, 3,000 such registries alone grew the live heap to 1,114 MB.",
    "",
    "Command: `make bench BENCH_FLAGS='--only memory'` (alone: `npx tsx bench/memory.ts`)",
  ];
  const checks: Check[] = [
    {
      name: "Peak RSS under one hostile tenant",
      target: `< ${LIMIT_SHARE * 100} % of the chart's memory limit (${bound.toFixed(0)} MiB), live heap within --max-old-space-size=${chart.heapLimitMi}, every review answered`,
      measured: `${worst.toFixed(0)} MiB at most${hostile.every(r => r.alive && answered(r)) ? "" : "; a webhook ended or left a review unanswered"}`,
      pass: worst < bound && hostile.every(r => r.alive && answered(r)),
    },
  ];
  return { title: "Memory under hostile input", markdown: lines.join("\n"), checks };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  printSection(await benchMemory(process.argv.includes("--quick")));
}
