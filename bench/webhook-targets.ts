// The webhook section's targets as data: each verdict's figure, its limit, and how the report states both.

import type { Target } from "./report.js";
import { CONNECTIONS } from "./webhook-scale.js";

/** What the webhook section's verdicts are taken on, once its runs are done. */
export interface WebhookFigures {
  /** Median ratio of /mutate's requests per CPU-second to the echo's, ~8 KB review. */
  readonly smallRatio: number;
  /** The same with the 130 KB review. */
  readonly largeRatio: number;
  /** Median p99 (ms) of the judged spread paced runs of /mutate… */
  readonly p99: number;
  /** …and of the echo's, shown beside it: the machine's share of the figure. */
  readonly echoP99: number;
  /** A fresh webhook's RSS (MB) after its warm-up, and after the reviews that follow. */
  readonly rssBefore: number;
  readonly rssAfter: number;
  /** Fixture pods mutated for the hidden-class check, and those whose objects changed class. */
  readonly shapeFixtures: number;
  readonly freshShapeFixtures: number;
}

/** The limits, named, so the prose quotes the same numbers the verdicts apply. */
export const WEBHOOK_LIMITS = {
  smallRatio: 0.75,
  largeRatio: 0.5,
  p99Ms: 5,
  rssMb: 120,
  /** "No growth": more than this between the two readings is a leak rather than noise. */
  rssGrowthMb: 10,
} as const;

const L = WEBHOOK_LIMITS;

export const WEBHOOK_TARGETS: readonly Target<WebhookFigures>[] = [
  {
    name: "webhook throughput, ~8 KB pod",
    target: `≥ ${L.smallRatio} × echo (per CPU-second)`,
    bounds: [{ of: f => f.smallRatio, at: "least", limit: L.smallRatio }],
    measured: f => `${f.smallRatio.toFixed(2)} ×`,
  },
  {
    name: "webhook throughput, 130 KB pod",
    target: `≥ ${L.largeRatio} × echo (per CPU-second)`,
    bounds: [{ of: f => f.largeRatio, at: "least", limit: L.largeRatio }],
    measured: f => `${f.largeRatio.toFixed(2)} ×`,
  },
  {
    name: "webhook p99 at a paced 1,000 reviews/s",
    target: `≤ ${L.p99Ms} ms (${CONNECTIONS} connections, spread)`,
    bounds: [{ of: f => f.p99, at: "most", limit: L.p99Ms }],
    measured: f => `${f.p99.toFixed(2)} ms (echo ${f.echoP99.toFixed(2)} ms)`,
  },
  {
    name: "webhook RSS after 100,000 reviews",
    target: `≤ ${L.rssMb} MB, no growth`,
    bounds: [
      { of: f => f.rssAfter, at: "most", limit: L.rssMb },
      { of: f => f.rssAfter - f.rssBefore, at: "most", limit: L.rssGrowthMb },
    ],
    measured: f => `${f.rssBefore.toFixed(0)} → ${f.rssAfter.toFixed(0)} MB`,
  },
  {
    // Was a unit test; V8's hidden classes change with the Node release, so the bench, which
    // names the Node it ran on, reports them.
    name: "mutation's objects keep their V8 hidden classes",
    target: "the same from one review to the next, every fixture pod",
    bounds: [{ of: f => f.freshShapeFixtures, at: "most", limit: 0 }],
    measured: f => `${f.shapeFixtures - f.freshShapeFixtures} of ${f.shapeFixtures} fixtures`,
  },
];
