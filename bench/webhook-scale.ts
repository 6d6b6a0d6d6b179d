// How hard and how long the webhook bench loads its servers (full or --quick), and what each of its steps is handed.

import type { CpuPlacement } from "./cpu-placement.js";

/** Keep-alive connections per server, in the closed loop and the paced runs alike. */
export const CONNECTIONS = 16;
/** The paced runs' rate, the issue's "paced 1,000 reviews/s". */
export const PACED_RATE = 1000;
/** Paced runs start this long before they are measured: connections open, timers running. */
export const WARM_UP_SECONDS = 2;
/** Closed-loop rounds: both servers run this long before their window is measured. */
export const SETTLE_SECONDS = 1;
/** Reviews a fresh webhook answers before its RSS is first read: its JIT and caches are warm by then. */
export const RSS_WARM_UP_REVIEWS = 10_000;

/** What differs between `make bench` and `make bench BENCH_FLAGS=--quick`. */
export interface WebhookScale {
  readonly quick: boolean;
  /** Measured seconds of each paced run. */
  readonly pacedSeconds: number;
  /** Recorded side-by-side rounds of /mutate against the echo. */
  readonly rounds: number;
  /** Recorded side-by-side rounds of the echo against a second echo. */
  readonly calibrationRounds: number;
  /** Undisturbed spread /mutate runs the paced verdict wants… */
  readonly pacedRuns: number;
  /** …within at most this many paced rounds. */
  readonly maxPacedRounds: number;
  /** Seconds of each closed-loop round that are counted. */
  readonly windowSeconds: number;
  /** Reviews between the two RSS readings. */
  readonly rssReviews: number;
}

export function webhookScale(quick: boolean): WebhookScale {
  return {
    quick,
    pacedSeconds: quick ? 4 : 10,
    rounds: quick ? 2 : 10,
    calibrationRounds: quick ? 1 : 3,
    pacedRuns: quick ? 1 : 5,
    maxPacedRounds: quick ? 2 : 12,
    windowSeconds: quick ? 2 : 5,
    rssReviews: quick ? 20_000 : 100_000,
  };
}

/** One webhook bench run: made by benchWebhook and passed down, so no module holds state of its own. */
export interface WebhookBenchRun {
  readonly scale: WebhookScale;
  readonly cpus: CpuPlacement;
  /** Scratch directory: review bodies, the registry's storage, h2load's logs; removed at the end. */
  readonly work: string;
  /** A number no earlier h2load run of this bench used: h2load appends to an existing log file. */
  readonly nextRun: () => number;
}
