// The webhook section as docs/benchmarks.md shows it: its prose, its tables, and the verdicts from the targets table.

import { median } from "./median.js";
import { WARM_REVIEWS, type FixtureShapes } from "./mutation-shapes.js";
import { CLUSTER_MICROS } from "./paced-latency.js";
import {
  DISTURBED_FOREIGN,
  DISTURBED_STEAL,
  isDisturbed,
  judgedCount,
  judgedP99,
  type PacedRun,
  type PacedSide,
} from "./paced-runs.js";
import { checksOf, type BenchSection } from "./report.js";
import { cpuRatios, type PairRun } from "./side-by-side.js";
import type { ReviewSize } from "./webhook-reviews.js";
import {
  CONNECTIONS,
  PACED_RATE,
  RSS_WARM_UP_REVIEWS,
  WARM_UP_SECONDS,
  type WebhookBenchRun,
} from "./webhook-scale.js";
import { WEBHOOK_LIMITS, WEBHOOK_TARGETS, type WebhookFigures } from "./webhook-targets.js";

/** Everything the webhook section measured. */
export interface WebhookResults {
  /** Bytes of each review body. */
  readonly bytes: Readonly<Record<ReviewSize, number>>;
  /** Side-by-side runs of /mutate (subject) and the echo (baseline). */
  readonly closed: Readonly<Record<ReviewSize, readonly PairRun[]>>;
  /** The echo against a second echo: the method's own error. */
  readonly calibration: readonly number[];
  /** Share of one CPU other processes used during the side-by-side rounds. */
  readonly foreignRounds: number;
  readonly paced: Readonly<Record<"mutate" | "echo", PacedSide>>;
  readonly rssBefore: number;
  readonly rssAfter: number;
  readonly shapes: readonly FixtureShapes[];
}

function figuresOf(r: WebhookResults): WebhookFigures {
  return {
    smallRatio: median(cpuRatios(r.closed.Small)),
    largeRatio: median(cpuRatios(r.closed.Large)),
    p99: judgedP99(r.paced.mutate.spread),
    echoP99: judgedP99(r.paced.echo.spread),
    rssBefore: r.rssBefore,
    rssAfter: r.rssAfter,
    shapeFixtures: r.shapes.length,
    freshShapeFixtures: r.shapes.filter(s => s.fresh.length > 0).length,
  };
}

const percent = (share: number): string => `${(share * 100).toFixed(0)}%`;
const count = (n: number): string => n.toLocaleString("en");

function placementProse({ cpus }: WebhookBenchRun): string {
  return cpus.pinned
    ? `Servers on CPU ${cpus.server}, h2load on CPU ${cpus.client} (taskset): the load generator never takes the servers' core, as with a caller on another machine.`
    : `Nothing pinned (${cpus.cpus} CPU${cpus.cpus === 1 ? "" : "s"} or no taskset): h2load competes with the server for CPU, which inflates latency.`;
}

/** The closed-loop table: one row per review size, its limit from the targets table. */
function closedLoop(r: WebhookResults, bench: WebhookBenchRun): string[] {
  const { calibration } = r;
  const row = (label: string, size: ReviewSize, target: number): string => {
    const runs = r.closed[size];
    const ratios = cpuRatios(runs);
    const mc = median(runs.map(run => run.subject.cpu));
    const ec = median(runs.map(run => run.baseline.cpu));
    const spread = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
    return `| ${label} | ${mc.toFixed(0)} | ${ec.toFixed(0)} | **${median(ratios).toFixed(2)}×** | ${spread} | ≥ ${target}× |`;
  };
  const size = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
  return [
    `HTTPS keep-alive, ${CONNECTIONS} connections per server, closed loop (h2load --h1). Baseline: a plain Fastify HTTPS route that parses and echoes the same body. ${placementProse(bench)} The bench pod's log shipper sets no command; its image comes from a registry on loopback, looked up once and then from the cache.`,
    "",
    `Side by side: in each of ${bench.scale.rounds} rounds (after one unrecorded warm-up round) both servers are loaded at the same time, sharing the server CPU, and each one's requests are divided by its own user+system CPU time: what one dedicated core would sustain. Measured one after the other, noisy neighbours on this shared host moved the ratio of the very same two servers between 0.66 and 0.93 from round to round; measured at once, both meet the same spells. The verdict is the median of the rounds' ratios; the range shows their spread. The method's own error, the echo measured against a second echo the same way: ${calibration.map(c => c.toFixed(2)).join(", ")} (${calibration.length} round${calibration.length === 1 ? "" : "s"}; 1.00 would be exact). Other processes of this machine used ${percent(r.foreignRounds)} of one CPU during these rounds.`,
    "",
    "| Review | /mutate per CPU-s | echo per CPU-s | ratio (median of rounds) | ratio range | target |",
    "|---|---|---|---|---|---|",
    row(`${size(r.bytes.Small)} pod (3 containers)`, "Small", WEBHOOK_LIMITS.smallRatio),
    row(`${size(r.bytes.Large)} pod (1,500 env vars)`, "Large", WEBHOOK_LIMITS.largeRatio),
  ];
}

/** The paced runs, every one listed, and the verdict on the judged ones. */
function pacedRuns(r: WebhookResults, bench: WebhookBenchRun): string[] {
  const { spread: pSpread, "lock-step": pBurst } = r.paced.mutate;
  const { spread: eSpread, "lock-step": eBurst } = r.paced.echo;
  const pacedRow = (server: string, arrivals: string, run: PacedRun): string =>
    `| ${server} | ${arrivals} | ${run.n} | ${run.non200} | ${percent(run.clustered)} | ${run.p50.toFixed(2)} | ${run.p99.toFixed(2)} | ${run.p999.toFixed(2)} | ${percent(run.stolen)} | ${percent(run.foreign)}${isDisturbed(run) ? " (disturbed)" : ""} |`;
  const p99 = (runs: readonly PacedRun[]): string => judgedP99(runs).toFixed(2);
  return [
    `Paced at 1,000 reviews/s for ${bench.scale.pacedSeconds} s after ${WARM_UP_SECONDS} s of warm-up at that rate, over ${CONNECTIONS} connections of ${PACED_RATE / CONNECTIONS} reviews/s each (h2load --rps; latency from request start to response end). h2load's per-connection timer ticks at most every 10 ms, so a single connection cannot be paced at 1,000/s: it would send 10 reviews per tick, each timed from its own send, hiding the wait. Two patterns: "spread", ${CONNECTIONS} one-connection h2load processes started 1 ms apart, whose timers spread over the ${(1000 * CONNECTIONS) / PACED_RATE} ms period (judged); and "lock-step", one h2load whose ${CONNECTIONS} connections start their timers about together and send in bursts. "Clustered" is the share of reviews sent within ${CLUSTER_MICROS / 1000} ms of the one before: it shows which pattern a run measured. The echo under the same load shows what the harness and the machine cost. A run is marked disturbed and left out of the verdict when the hypervisor gave more than ${percent(DISTURBED_STEAL)} of the CPUs to other guests (steal), or other processes of this machine used more than ${percent(DISTURBED_FOREIGN)} of one CPU (other):`,
    "",
    "| Server | Arrivals | reviews | non-200 | clustered | p50 ms | p99 ms | p99.9 ms | steal | other |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...pSpread.map(run => pacedRow("/mutate", `${CONNECTIONS}, spread`, run)),
    ...eSpread.map(run => pacedRow("echo", `${CONNECTIONS}, spread`, run)),
    ...pBurst.map(run => pacedRow("/mutate", `${CONNECTIONS}, lock-step`, run)),
    ...eBurst.map(run => pacedRow("echo", `${CONNECTIONS}, lock-step`, run)),
    "",
    `Verdict on the median p99 of the undisturbed spread /mutate runs: **${p99(pSpread)} ms** (${judgedCount(pSpread)} runs). The echo's, likewise: ${p99(eSpread)} ms (${judgedCount(eSpread)}): when the echo, which does less, is above ${WEBHOOK_LIMITS.p99Ms} ms too, the machine rather than the webhook sets the figure.`,
    "",
    `Not judged: the lock-step bursts, /mutate ${p99(pBurst)} ms and the echo ${p99(eBurst)} ms (median p99 of ${judgedCount(pBurst)} and ${judgedCount(eBurst)} runs). One core answers a burst one review after the other, so the last of a burst waits for all before it: the figure grows with the burst and the time to answer one, more than with the rate.`,
  ];
}

/** Which fixtures' mutated objects changed hidden class, and where. */
function hiddenClasses(r: WebhookResults): string {
  const changed = r.shapes.filter(s => s.fresh.length > 0);
  const found =
    changed.length === 0
      ? `every one of the ${r.shapes.length} fixtures keeps them.`
      : `new ones in ${changed.map(s => `${s.fixture} (${s.fresh.join(", ")})`).join("; ")}.`;
  return `V8 hidden classes (Node ${process.version}, --allow-natives-syntax, \`bench/mutation-shapes.ts\`): each fixture pod of test/fixtures is mutated ${WARM_REVIEWS} times, then the objects two more mutations made are compared by %HaveSameMap. A review's objects must die young: on Node 20 a spread copy that gains a member its source lacks got a hidden class of its own per review, allocated in the old generation; reclaimed only by mark-compact pauses, every few seconds at 1,000 reviews/s, it set the webhook's p99. Here ${found}`;
}

export function webhookSection(r: WebhookResults, bench: WebhookBenchRun): BenchSection {
  const lines = [
    ...closedLoop(r, bench),
    "",
    ...pacedRuns(r, bench),
    "",
    `RSS of a fresh webhook: ${r.rssBefore.toFixed(0)} MB after ${count(RSS_WARM_UP_REVIEWS)} reviews and **${r.rssAfter.toFixed(0)} MB after ${count(bench.scale.rssReviews)} more** (target ≤ ${WEBHOOK_LIMITS.rssMb} MB, no growth).`,
    "",
    hiddenClasses(r),
    "",
    "Command: `make bench` (this section alone: `make webhook && npx tsx bench/webhook.ts`)",
  ];
  const checks = checksOf(WEBHOOK_TARGETS, figuresOf(r));
  return { title: "The admission webhook", markdown: lines.join("\n"), checks };
}
