// Paced load at 1,000 reviews/s: runs in two arrival patterns, each marked disturbed when the host took CPU from it.

import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cpuTicks, foreignShareSince } from "./cpu-accounting.js";
import { h2load, h2loadConcurrently, readRequestLog } from "./h2load.js";
import type { Server } from "./loaded-servers.js";
import { median } from "./median.js";
import { pacedLatency, type PacedLatency } from "./paced-latency.js";
import { CONNECTIONS, PACED_RATE, WARM_UP_SECONDS, type WebhookBenchRun } from "./webhook-scale.js";

/** A paced run during which the hypervisor kept this share of the CPUs from us was disturbed. */
export const DISTURBED_STEAL = 0.05;
/** So was one during which other processes of this machine used this share of one CPU. */
export const DISTURBED_FOREIGN = 0.1;

/**
 * How the paced runs send. h2load paces each connection on its own timer, which never ticks more
 * often than every 10 ms: one connection at 1,000/s gets 10 reviews per tick, sent one after
 * another, each timed from its own send, so the wait is hidden. At 62.5 reviews/s per
 * connection (16 ms apart) every review has its own tick: 16 connections give 1,000/s paced.
 *
 * One h2load starts the timers of its 16 connections about together (each when its TLS
 * handshake ends), so they send in partial lock-step: bursts of up to 16 reviews every 16 ms,
 * and the last of a burst waits for those before it. That is a burst pattern rather than
 * 1,000 reviews/s. Sixteen one-connection h2load processes started 1 ms apart spread their
 * timers over the period instead: "spread", judged; "lock-step" is reported beside it. Each run
 * reports the share of reviews sent within CLUSTER_MICROS of the one before, so the table shows
 * which pattern it measured.
 */
type Arrivals = "spread" | "lock-step";
const ARRIVALS: readonly Arrivals[] = ["spread", "lock-step"];

export interface PacedRun extends PacedLatency {
  /** Share of all CPUs' time the hypervisor gave to other guests during the run. */
  readonly stolen: number;
  /** CPU used by other processes of this machine during the run, as a share of one CPU. */
  readonly foreign: number;
}

/** Paced runs of one server, by arrival pattern. */
export type PacedSide = Record<Arrivals, PacedRun[]>;

/** h2load's arguments for `connections` connections that each send `perConnection` reviews/s. */
function pacedArgs(
  seconds: number,
  connections: number,
  perConnection: number,
  log: string,
): string[] {
  // The warm-up's requests are paced like the others but left out of the log.
  return [
    "-c",
    String(connections),
    `--rps=${perConnection}`,
    "-D",
    String(seconds),
    `--warm-up-time=${WARM_UP_SECONDS}`,
    `--log-file=${log}`,
  ];
}

/** The h2load runs of one paced run, and the log files they wrote. */
async function sendPaced(
  bench: WebhookBenchRun,
  server: Server,
  bodyFile: string,
  arrivals: Arrivals,
): Promise<string[]> {
  const run = bench.nextRun();
  const seconds = bench.scale.pacedSeconds;
  const perConnection = PACED_RATE / CONNECTIONS;
  if (arrivals === "lock-step") {
    const log = join(bench.work, `paced-${run}.tsv`);
    h2load(bench.cpus, server.url, bodyFile, pacedArgs(seconds, CONNECTIONS, perConnection, log));
    return [log];
  }
  // A log of its own per process and run: h2load appends to an existing file.
  const logs = Array.from({ length: CONNECTIONS }, (_, i) =>
    join(bench.work, `paced-${run}-${i}.tsv`),
  );
  const runs: Promise<string>[] = [];
  for (const log of logs) {
    const args = pacedArgs(seconds, 1, perConnection, log);
    runs.push(h2loadConcurrently(bench.cpus, server.url, bodyFile, args));
    await sleep(1);
  }
  // Every process is waited for, even after one failed: none may outlive the bench's files.
  const settled = await Promise.allSettled(runs);
  const failed = settled.find(result => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return logs;
}

/** PACED_RATE reviews/s to `server` over CONNECTIONS connections, sent as `arrivals` says. */
async function paced(
  bench: WebhookBenchRun,
  server: Server,
  bodyFile: string,
  arrivals: Arrivals,
): Promise<PacedRun> {
  const before = cpuTicks();
  const others = foreignShareSince();
  const logs = await sendPaced(bench, server, bodyFile, arrivals);
  const after = cpuTicks();
  const foreign = others();
  const rows = logs.flatMap(readRequestLog);
  // Each run's logs must hold that run's requests only, about rate × seconds of them.
  const expected = PACED_RATE * bench.scale.pacedSeconds;
  if (Math.abs(rows.length - expected) > expected * 0.05) {
    throw new Error(
      `h2load logged ${rows.length} requests for a run of about ${expected} (${logs.join(", ")})`,
    );
  }
  return {
    ...pacedLatency(rows),
    stolen: (after.steal - before.steal) / (after.total - before.total),
    foreign,
  };
}

export function isDisturbed(run: PacedRun): boolean {
  return !(run.stolen < DISTURBED_STEAL && run.foreign < DISTURBED_FOREIGN);
}

function undisturbed(runs: readonly PacedRun[]): PacedRun[] {
  return runs.filter(r => !isDisturbed(r));
}

/** The runs a verdict is taken on: the undisturbed ones, or all when the host disturbed every one (the verdict then says so by failing). */
function judged(runs: readonly PacedRun[]): readonly PacedRun[] {
  const calm = undisturbed(runs);
  return calm.length > 0 ? calm : runs;
}

/** The median p99 of the judged runs, in ms. */
export function judgedP99(runs: readonly PacedRun[]): number {
  return median(judged(runs).map(r => r.p99));
}

/** "3 of 5": how many runs were judged. */
export function judgedCount(runs: readonly PacedRun[]): string {
  return `${judged(runs).length} of ${runs.length}`;
}

/**
 * Rounds that each pace /mutate and the echo back to back in every arrival pattern, the order of
 * the servers swapped every round, until /mutate's judged (spread) runs include pacedRuns
 * undisturbed ones (or maxPacedRounds rounds). A run is disturbed when the hypervisor gave a
 * large share of the CPUs to other guests (/proc/stat's steal) or other processes of this machine
 * used a large share of one: both are read from counters, whatever the run's latencies were, so
 * the verdict can leave those runs out without choosing by outcome.
 */
export async function pacedRounds(
  bench: WebhookBenchRun,
  webhook: Server,
  echo: Server,
  bodyFile: string,
): Promise<Record<"mutate" | "echo", PacedSide>> {
  const sides: Record<"mutate" | "echo", PacedSide> = {
    mutate: { spread: [], "lock-step": [] },
    echo: { spread: [], "lock-step": [] },
  };
  const enough = (): boolean => undisturbed(sides.mutate.spread).length >= bench.scale.pacedRuns;
  for (let round = 0; round < bench.scale.maxPacedRounds && !enough(); round++) {
    const order = [
      ["mutate", webhook],
      ["echo", echo],
    ] as const;
    for (const [name, server] of round % 2 === 0 ? order : [...order].reverse()) {
      for (const arrivals of ARRIVALS) {
        sides[name][arrivals].push(await paced(bench, server, bodyFile, arrivals));
      }
    }
  }
  return sides;
}
