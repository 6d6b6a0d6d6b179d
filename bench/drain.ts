// SIGTERM under sustained load: webhook replicas replaced one by one behind a stand-in for their Service, every failed review counted.
// Part of `make bench` (bench/run.ts); alone: npx tsx bench/drain.ts [--quick]

import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "node:tls";
import { pathToFileURL } from "node:url";
import { loadPodFixture } from "../test/fixtures/load.js";
import { reviewOf } from "../test/support/webhook/app.js";
import { makeTestPki } from "../test/support/webhook/pki.js";
import { printSection, type BenchSection, type Check } from "./report.js";
import { startServiceProxy, type ServiceProxy } from "./service-proxy.js";
import { freePort, webhookArgs } from "./webhook-server.js";

const RUNS = 5;
const QUICK_RUNS = 2;
/**
 * h2load's load: CLIENTS kept-alive connections, closed loop, sized to last about LOAD_SECONDS.
 * Not paced: h2load's --rps mode does not reconnect after an answer with `Connection: close` and
 * counts every review left on that connection as failed.
 */
const CLIENTS = 16;
const LOAD_SECONDS = 20;
/** SIGTERM this long into the load, so the drain and the exit happen under it. */
const SIGTERM_AFTER_MS = 2000;
/** The chart's default delay; a short drain timeout keeps the stalled client's wait short. */
const SHUTDOWN_DELAY_MS = 3000;
const DRAIN_TIMEOUT_MS = 3000;
/** An exit this long past the deadline still counts as on time: the process has logs to flush. */
const EXIT_SLACK_MS = 1000;

interface Replica {
  readonly port: number;
  readonly child: ChildProcess;
  /** Its log lines, but for the one per review. */
  readonly logs: Record<string, unknown>[];
  /** Reviews it answered after it logged SIGTERM. */
  reviewsAfterSigterm(): number;
  readonly exited: Promise<number | null>;
}

async function startReplica(cert: string, key: string): Promise<Replica> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    webhookArgs(port, cert, key, [
      "--shutdown-delay",
      `${SHUTDOWN_DELAY_MS}ms`,
      "--drain-timeout",
      `${DRAIN_TIMEOUT_MS}ms`,
    ]),
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const logs: Record<string, unknown>[] = [];
  let stopping = false;
  let afterSigterm = 0;
  if (child.stdout !== null) {
    createInterface({ input: child.stdout }).on("line", line => {
      if (line.includes('"msg":"review"')) {
        if (stopping) afterSigterm++;
        return;
      }
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      stopping ||= entry["msg"] === "shutting down";
    });
  }
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { port, child, logs, reviewsAfterSigterm: () => afterSigterm, exited };
}

/**
 * A client that sent the head of a review and a byte of its body, then nothing more; the
 * function returned tells whether the server has closed its connection.
 */
async function stalledClient(port: number, ca: Buffer): Promise<() => boolean> {
  const socket = connect({ host: "127.0.0.1", port, ca });
  socket.on("data", () => undefined);
  socket.on("error", () => undefined);
  let closed = false;
  socket.once("close", () => (closed = true));
  await once(socket, "secureConnect");
  socket.write(
    "POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 4096\r\n\r\n{",
  );
  return () => closed;
}

interface H2loadCount {
  readonly total: number;
  readonly ok: number;
}

/** h2load's summary: requests asked for, and those answered 2xx. Failed: every other one. */
function h2loadCount(out: string): H2loadCount {
  const total = /requests: ([0-9]+) total/.exec(out)?.[1];
  const ok = /status codes: ([0-9]+) 2xx/.exec(out)?.[1];
  if (total === undefined || ok === undefined)
    throw new Error(`h2load printed no summary:\n${out}`);
  return { total: Number(total), ok: Number(ok) };
}

function h2load(url: string, bodyFile: string, requests: number): Promise<string> {
  const child = spawn(
    "h2load",
    [
      "--h1",
      "-c",
      String(CLIENTS),
      "-n",
      String(requests),
      "-d",
      bodyFile,
      "-H",
      "content-type: application/json",
      url,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return once(child, "exit").then(() => out);
}

/**
 * Reviews per second the two replicas answer together here, from a short closed-loop run after
 * one that warms them up (a cold one answered at half the rate).
 */
async function rateOf(url: string, bodyFile: string): Promise<number> {
  await h2load(url, bodyFile, CLIENTS * 200);
  const out = await h2load(url, bodyFile, CLIENTS * 400);
  const rate = /finished in [0-9.]+m?s, ([0-9.]+) req\/s/.exec(out)?.[1];
  if (rate === undefined) throw new Error(`h2load printed no rate:\n${out}`);
  return Number(rate);
}

interface Run {
  readonly count: H2loadCount;
  /** Reviews the old replica answered after SIGTERM: the load it drained under. */
  readonly drainedUnderLoad: number;
  /** From SIGTERM to the old replica's exit. */
  readonly exitMs: number;
  readonly exitCode: number | null;
  /** Connections the old replica cut at its drain deadline, as it logged. */
  readonly cut: number;
  readonly stalledClientClosed: boolean;
}

/**
 * One rolling update under load, as the chart's Deployment does it (maxSurge 1,
 * maxUnavailable 0): a new replica starts and becomes ready, then the oldest in `replicas` gets
 * SIGTERM, with a stalled client connected to it, and makes way for the new one.
 */
async function replaceOne(
  service: ServiceProxy,
  replicas: Replica[],
  start: () => Promise<Replica>,
  ca: Buffer,
  load: () => Promise<string>,
): Promise<Run> {
  let loading = true;
  const loaded = load().finally(() => (loading = false));
  const fresh = await start();
  service.add(fresh.port);
  await service.whenReady(fresh.port);
  const old = replicas.shift();
  if (old === undefined) throw new Error("no replica to replace");
  replicas.push(fresh);
  await sleep(SIGTERM_AFTER_MS);
  const stalledClientClosed = await stalledClient(old.port, ca);
  const signalled = Date.now();
  old.child.kill("SIGTERM");
  const exitCode = await old.exited;
  const exitMs = Date.now() - signalled;
  // The whole drain must happen under load, or the run proves nothing.
  if (!loading) {
    const early = h2loadCount(await loaded);
    throw new Error(
      `the load (${early.total} reviews) ended before the old replica exited: raise LOAD_SECONDS`,
    );
  }
  service.remove(old.port);
  const count = h2loadCount(await loaded);
  const cutLine = old.logs.find(l => l["msg"] === "drain deadline reached; connections cut");
  return {
    count,
    drainedUnderLoad: old.reviewsAfterSigterm(),
    exitMs,
    exitCode,
    cut: Number(cutLine?.["connections"] ?? 0),
    stalledClientClosed: stalledClientClosed(),
  };
}

export async function benchDrain(quick: boolean): Promise<BenchSection> {
  const runs = quick ? QUICK_RUNS : RUNS;
  const work = mkdtempSync(join(tmpdir(), "podinit-bench-drain-"));
  const pki = makeTestPki();
  const cert = join(pki.dir, "tls.crt");
  const key = join(pki.dir, "tls.key");
  pki.issue(cert, key, 1);
  const bodyFile = join(work, "review.json");
  writeFileSync(bodyFile, JSON.stringify(reviewOf(loadPodFixture("nginx-deployment"))));
  const service = await startServiceProxy(pki.caPem);
  const replicas: Replica[] = [];
  const start = (): Promise<Replica> => startReplica(cert, key);
  try {
    for (let i = 0; i < 2; i++) {
      const replica = await start();
      replicas.push(replica);
      service.add(replica.port);
      await service.whenReady(replica.port);
    }
    const url = `https://127.0.0.1:${service.port}/mutate`;
    const requests = Math.ceil((await rateOf(url, bodyFile)) * LOAD_SECONDS);
    const load = (): Promise<string> => h2load(url, bodyFile, requests);
    const results: Run[] = [];
    for (let i = 0; i < runs; i++)
      results.push(await replaceOne(service, replicas, start, pki.caPem, load));
    return section(results, runs);
  } finally {
    for (const replica of replicas) replica.child.kill("SIGKILL");
    await service.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function section(results: readonly Run[], runs: number): BenchSection {
  const failed = results.reduce((sum, run) => sum + run.count.total - run.count.ok, 0);
  const reviews = results.reduce((sum, run) => sum + run.count.total, 0);
  const deadlineMs = SHUTDOWN_DELAY_MS + DRAIN_TIMEOUT_MS;
  const slowest = Math.max(...results.map(run => run.exitMs));
  const exitedCleanly = results.every(run => run.exitCode === 0 && run.stalledClientClosed);
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const lines = [
    `Two webhook replicas behind a stand-in for their Service on loopback (bench/service-proxy.ts): each new TCP connection goes to a replica whose /readyz answers 200 (probed every 100 ms), and open connections stay with their replica, as kube-proxy keeps them. h2load (--h1) sends reviews over ${CLIENTS} kept-alive connections in a closed loop, as fast as the replicas answer; each run's request count is ${LOAD_SECONDS} s at the rate of a run measured beforehand, and the run is void unless the load outlasts the old replica. In each run a replica is replaced as the chart's Deployment does it (maxSurge 1, maxUnavailable 0): a new one starts and becomes ready, and ${SIGTERM_AFTER_MS / 1000} s later the oldest gets SIGTERM, with a client connected straight to it that sent the head of a review and one byte of its body, then stalls. Replicas run with --shutdown-delay ${seconds(SHUTDOWN_DELAY_MS)} (the default) and --drain-timeout ${seconds(DRAIN_TIMEOUT_MS)}. A failed review is one h2load got no 2xx answer for: a reset, a hang-up or an error status; after a dropped connection h2load also fails the reviews it had left for that client, so one drop counts many.`,
    "",
    "After SIGTERM the old replica answers each of its kept-alive connections once more, with `Connection: close`, and the connections the stand-in still sends it until /readyz has failed; h2load reconnects, and the stand-in sends the new connections to the other replicas.",
    "",
    "| run | reviews | answered 2xx | failed | answered by the old replica after SIGTERM | SIGTERM → exit | exit status | stalled connections cut at the deadline |",
    "|---|---|---|---|---|---|---|---|",
    ...results.map(
      (run, i) =>
        `| ${i + 1} | ${run.count.total} | ${run.count.ok} | ${run.count.total - run.count.ok} | ${run.drainedUnderLoad} | ${seconds(run.exitMs)} | ${run.exitCode} | ${run.cut}${run.stalledClientClosed ? "" : " (the stalled client is still connected)"} |`,
    ),
    "",
    `Deadline: shutdown delay + drain timeout = ${seconds(deadlineMs)}; the stalled client holds each replica until then.`,
    "",
    "Command: `make bench BENCH_FLAGS='--only drain'` (alone: `make webhook && npx tsx bench/drain.ts`)",
  ];
  const checks: Check[] = [
    {
      name: "SIGTERM under sustained load",
      target: `0 failed requests over ${runs} runs`,
      measured: `${failed} failed requests over ${results.length} runs (${reviews} reviews)`,
      pass: failed === 0 && results.length === runs,
    },
    {
      name: "SIGTERM → exit, a stalled client connected",
      target: `≤ shutdown delay + drain timeout + ${EXIT_SLACK_MS / 1000} s to exit (${seconds(deadlineMs + EXIT_SLACK_MS)}), exit status 0`,
      measured: `${seconds(slowest)} at most${exitedCleanly ? "" : ", not every replica exited 0 and cut its stalled client"}`,
      pass: exitedCleanly && slowest <= deadlineMs + EXIT_SLACK_MS,
    },
  ];
  return { title: "SIGTERM under load", markdown: lines.join("\n"), checks };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  printSection(await benchDrain(process.argv.includes("--quick")));
}
