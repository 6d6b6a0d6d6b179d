// Closed-loop load on two servers at once, each one's answers counted per CPU-second of its own.

import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cpuSeconds } from "./cpu-accounting.js";
import { expectAnswered, h2loadConcurrently, readRequestLog } from "./h2load.js";
import type { Server } from "./loaded-servers.js";
import { CONNECTIONS, SETTLE_SECONDS, type WebhookBenchRun } from "./webhook-scale.js";

/** The server measured, and the one it is measured against. */
type Side = "subject" | "baseline";
const SIDES: readonly Side[] = ["subject", "baseline"];

export interface SideRun {
  /** Requests per second of wall time: this side's share of the core it shares with the other. */
  readonly wall: number;
  /** Requests per CPU-second of the server: what one dedicated core would sustain. */
  readonly cpu: number;
}

/** One run of both sides. */
export type PairRun = Record<Side, SideRun>;

/**
 * Closed loop against both servers at once, CONNECTIONS keep-alive connections each, counted
 * over a window in which both are loaded. Both servers share the server CPU, so each spell of a
 * noisy neighbour on the host slows both alike: measured one after the other, the same two
 * servers' ratio moved between 0.66 and 0.93 from round to round; measured at once it holds
 * within a few hundredths (the report shows the echo measured against a second echo).
 *
 * h2load runs a fixed request count (its timed mode sometimes recorded no request at all here),
 * `counts`, enough to outlast the window; its per-request log tells which requests finished in
 * the window, and /proc how much CPU each server used meanwhile.
 */
async function sideBySide(
  bench: WebhookBenchRun,
  servers: Readonly<Record<Side, Server>>,
  bodyFile: string,
  counts: Readonly<Record<Side, number>>,
): Promise<PairRun | "ran-out"> {
  const run = bench.nextRun();
  const window = bench.scale.windowSeconds;
  const logs = {
    subject: join(bench.work, `closed-${run}-subject.tsv`),
    baseline: join(bench.work, `closed-${run}-baseline.tsv`),
  };
  const runs = SIDES.map(side =>
    h2loadConcurrently(bench.cpus, servers[side].url, bodyFile, [
      "-c",
      String(CONNECTIONS),
      "-n",
      String(counts[side]),
      `--log-file=${logs[side]}`,
    ]),
  );
  const mark = (): { micros: number; cpu: Record<Side, number> } => ({
    micros: Date.now() * 1000,
    cpu: {
      subject: cpuSeconds(servers.subject.child),
      baseline: cpuSeconds(servers.baseline.child),
    },
  });
  await sleep(SETTLE_SECONDS * 1000);
  const from = mark();
  await sleep(window * 1000);
  const to = mark();
  const outs = await Promise.all(runs);
  const result = { subject: { wall: NaN, cpu: NaN }, baseline: { wall: NaN, cpu: NaN } };
  for (const [i, side] of SIDES.entries()) {
    expectAnswered(servers[side].url, outs[i] ?? "");
    const ends = readRequestLog(logs[side])
      .filter(request => request.status === 200)
      .map(request => request.start + request.micros);
    if (!ends.some(end => end > to.micros)) return "ran-out";
    const finished = ends.filter(end => end > from.micros && end <= to.micros).length;
    result[side] = {
      wall: finished / window,
      cpu: finished / (to.cpu[side] - from.cpu[side]),
    };
  }
  return result;
}

/** One side-by-side run sized from the wall rates of the one before, redone larger if a side ran out. */
async function sizedSideBySide(
  bench: WebhookBenchRun,
  servers: Readonly<Record<Side, Server>>,
  bodyFile: string,
  rates: Readonly<Record<Side, number>>,
): Promise<PairRun> {
  for (let margin = 1.5; margin < 10; margin *= 2) {
    const seconds = margin * (SETTLE_SECONDS + bench.scale.windowSeconds);
    const result = await sideBySide(bench, servers, bodyFile, {
      subject: Math.ceil(rates.subject * seconds),
      baseline: Math.ceil(rates.baseline * seconds),
    });
    if (result !== "ran-out") return result;
  }
  throw new Error(`closed-loop runs with ${bodyFile} kept ending before their window`);
}

/**
 * `rounds` side-by-side runs per body, after one unrecorded run per body that warms both servers
 * up (JIT, TLS sessions) and gives the first rates. Bodies alternate run by run, so every body
 * meets every stretch of the bench alike. `firstGuess`: each body's wall rate for either server
 * while they share the core, about what it reached here, to size the unrecorded run.
 */
export async function sideBySideRounds<K extends string>(
  bench: WebhookBenchRun,
  servers: Readonly<Record<Side, Server>>,
  bodies: Readonly<Record<K, string>>,
  rounds: number,
  firstGuess: Readonly<Record<K, number>>,
): Promise<Record<K, PairRun[]>> {
  const keys = Object.keys(bodies) as K[];
  const rates = new Map(keys.map(k => [k, { subject: firstGuess[k], baseline: firstGuess[k] }]));
  const runs = Object.fromEntries(keys.map(k => [k, []])) as unknown as Record<K, PairRun[]>;
  for (let round = -1; round < rounds; round++) {
    for (const key of keys) {
      const guess = { subject: firstGuess[key], baseline: firstGuess[key] };
      const run = await sizedSideBySide(bench, servers, bodies[key], rates.get(key) ?? guess);
      rates.set(key, { subject: run.subject.wall, baseline: run.baseline.wall });
      if (round >= 0) runs[key].push(run);
    }
  }
  return runs;
}

/** The subject's requests per CPU-second over the baseline's, one ratio per run. */
export function cpuRatios(runs: readonly PairRun[]): number[] {
  return runs.map(run => run.subject.cpu / run.baseline.cpu);
}
