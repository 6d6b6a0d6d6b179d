// Latency percentiles of a paced run, and how its arrivals were spaced, from h2load's request log.

import { nearestRank } from "./median.js";

/** One row of h2load's --log-file. */
export interface LoggedRequest {
  /** µs since the epoch. */
  readonly start: number;
  readonly status: number;
  /** From the request's start to the end of its response. */
  readonly micros: number;
}

export interface PacedLatency {
  readonly n: number;
  readonly non200: number;
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  /**
   * Share of requests sent within CLUSTER_MICROS of the one before: about 15/16 when 16 callers
   * send in lock-step, near 0 when arrivals are spread. Shows which pattern a run measured.
   */
  readonly clustered: number;
}

/** Closer than this, two reviews reach a server that takes longer to answer one: a queue. */
export const CLUSTER_MICROS = 100;

/** h2load's --log-file: one tab-separated row per request: start, status, duration. */
export function parseRequestLog(text: string): LoggedRequest[] {
  return text
    .trim()
    .split("\n")
    .filter(line => line !== "")
    .map(line => {
      const [start, status, micros] = line.split("\t").map(Number);
      return { start: start ?? NaN, status: status ?? NaN, micros: micros ?? NaN };
    });
}

/** Nearest-rank percentiles over every request, the failed ones included. */
export function pacedLatency(requests: readonly LoggedRequest[]): PacedLatency {
  const micros = requests.map(r => r.micros);
  const at = (q: number): number => nearestRank(micros, q) / 1000;
  const starts = requests.map(r => r.start).sort((a, b) => a - b);
  let closeGaps = 0;
  for (let i = 1; i < starts.length; i++) {
    if ((starts[i] ?? NaN) - (starts[i - 1] ?? NaN) < CLUSTER_MICROS) closeGaps++;
  }
  return {
    n: micros.length,
    non200: requests.filter(r => r.status !== 200).length,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    clustered: starts.length > 1 ? closeGaps / (starts.length - 1) : NaN,
  };
}
