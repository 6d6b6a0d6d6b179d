// Webhook benchmark: /mutate versus a plain Fastify echo of the same body, side by side, as ratios.
// Prints a markdown fragment on stdout. Usage: npx tsx bench/webhook.ts [--quick]

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadPodFixture } from "../test/fixtures/load.js";
import { reviewOf } from "../test/webhook/helpers/app.js";
import { makeTestPki } from "../test/webhook/helpers/pki.js";

const QUICK = process.argv.includes("--quick");
const SECONDS = QUICK ? 4 : 10;
const ROUNDS = QUICK ? 1 : 3;
const CONNECTIONS = 16;
const ROOT = new URL("..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "podinit-bench-"));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

type BenchPod = { spec: { containers: { env: unknown[] }[] } };

/** The bench pod: the three-container JVM fixture with as many env vars as a typical chart renders. */
function benchPod(envVars: number, valueLength: number): BenchPod {
  const pod = loadPodFixture("multi-container-jvm") as BenchPod;
  const main = pod.spec.containers[0];
  if (main === undefined) throw new Error("fixture has no container");
  for (let i = 0; i < envVars; i++) {
    const value = `tenant-${i * 7919}-`.padEnd(valueLength, "x");
    main.env.push({ name: `APP_SETTING_${i}`, value });
  }
  return pod;
}

/** About 8 KB: 60 extra env vars. */
function smallReview(): string {
  return JSON.stringify(reviewOf(benchPod(60, 48)));
}

/** About 130 KB: 1,500 env vars on the main container (the size that once made Istio's injector crawl). */
function largeReview(): string {
  return JSON.stringify(reviewOf(benchPod(1500, 56)));
}

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
}

async function waitHealthy(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync("h2load", ["--h1", "-n", "1", "-c", "1", `https://127.0.0.1:${port}/healthz`], {
        stdio: "pipe",
      });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`server on ${port} never became healthy`);
}

async function startWebhook(cert: string, key: string): Promise<Server> {
  const port = await freePort();
  const bundle = join(ROOT, "dist/webhook/main.js");
  const entry = existsSync(bundle)
    ? [bundle]
    : ["--import", "tsx", join(ROOT, "webhook/src/main.ts")];
  const args = [
    ...entry,
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--tls-cert",
    cert,
    "--tls-key",
    key,
    "--init-image",
    "ghcr.io/podinit/podinit:0.1.0",
    "--shutdown-delay",
    "0s",
  ];
  // Logs stay on (one line per review, as in production) and go to /dev/null.
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  await waitHealthy(port);
  return { child, url: `https://127.0.0.1:${port}/mutate` };
}

async function startEcho(cert: string, key: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "bench/webhook-echo.ts"), String(port), cert, key],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  await waitHealthy(port);
  return { child, url: `https://127.0.0.1:${port}/echo` };
}

function h2load(url: string, bodyFile: string, extra: string[]): string {
  return execFileSync(
    "h2load",
    ["--h1", "-t", "1", "-d", bodyFile, "-H", "content-type: application/json", ...extra, url],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
}

/** Closed loop: CONNECTIONS keep-alive connections, each sending the next request on each answer. */
function throughput(url: string, bodyFile: string): number {
  const out = h2load(url, bodyFile, [
    "-c",
    String(CONNECTIONS),
    "-D",
    String(SECONDS),
    "--warm-up-time=2",
  ]);
  const match = /finished in [^,]+, ([0-9.]+) req\/s/.exec(out);
  const ok = /status codes: ([0-9]+) 2xx/.exec(out);
  if (match?.[1] === undefined || ok === null) throw new Error(`unexpected h2load output:\n${out}`);
  return Number(match[1]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Open loop at `rate` reviews/s spread over `connections`; percentiles from h2load's per-request log. */
function paced(
  url: string,
  bodyFile: string,
  rate: number,
  connections: number,
): Record<string, number> {
  const log = join(work, `paced-${rate}-${connections}.tsv`);
  h2load(url, bodyFile, [
    "-c",
    String(connections),
    `--rps=${rate / connections}`,
    "-D",
    String(SECONDS),
    `--log-file=${log}`,
  ]);
  const rows = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map(line => line.split("\t"));
  const micros = rows.map(r => Number(r[2])).sort((a, b) => a - b);
  const at = (q: number): number =>
    (micros[Math.min(micros.length - 1, Math.floor(micros.length * q))] ?? NaN) / 1000;
  return {
    n: micros.length,
    non200: rows.filter(r => r[1] !== "200").length,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
  };
}

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+([0-9]+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

async function main(): Promise<void> {
  const pki = makeTestPki();
  const cert = join(pki.dir, "tls.crt");
  const key = join(pki.dir, "tls.key");
  pki.issue(cert, key, 1);
  const small = join(work, "review-8k.json");
  const large = join(work, "review-130k.json");
  writeFileSync(small, smallReview());
  writeFileSync(large, largeReview());

  const webhook = await startWebhook(cert, key);
  const echo = await startEcho(cert, key);
  try {
    const rates: Record<string, number[]> = {
      echoSmall: [],
      mutateSmall: [],
      echoLarge: [],
      mutateLarge: [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, so drifting machine load hits both sides alike.
      rates["echoSmall"]?.push(throughput(echo.url, small));
      rates["mutateSmall"]?.push(throughput(webhook.url, small));
      rates["echoLarge"]?.push(throughput(echo.url, large));
      rates["mutateLarge"]?.push(throughput(webhook.url, large));
    }
    const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)])) as Record<
      string,
      number
    >;
    const p1 = paced(webhook.url, small, 1000, 1);
    const p16 = paced(webhook.url, small, 1000, CONNECTIONS);
    const rssBefore = rssMb(webhook.child);
    h2load(webhook.url, small, ["-c", String(CONNECTIONS), "-n", QUICK ? "20000" : "100000"]);
    const rssAfter = rssMb(webhook.child);

    const size = (file: string): string => `${(readFileSync(file).length / 1024).toFixed(1)} KB`;
    const row = (label: string, mutate: number, base: number, target: number): string =>
      `| ${label} | ${mutate.toFixed(0)} | ${base.toFixed(0)} | **${(mutate / base).toFixed(2)}×** | ≥ ${target}× |`;
    const lines = [
      `### Webhook (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${ROUNDS} interleaved round(s) of ${SECONDS} s, medians)`,
      "",
      `HTTPS keep-alive, ${CONNECTIONS} connections, closed loop (h2load --h1). Baseline: a plain Fastify HTTPS route that parses and echoes the same body.`,
      "",
      "| Review | /mutate reviews/s | echo req/s | ratio | target |",
      "|---|---|---|---|---|",
      row(
        `${size(small)} pod (3 containers)`,
        m["mutateSmall"] ?? NaN,
        m["echoSmall"] ?? NaN,
        0.75,
      ),
      row(
        `${size(large)} pod (1,500 env vars)`,
        m["mutateLarge"] ?? NaN,
        m["echoLarge"] ?? NaN,
        0.5,
      ),
      "",
      `Paced at 1,000 reviews/s for ${SECONDS} s (h2load --rps, latency from request start to response end):`,
      "",
      "| Connections | reviews | non-200 | p50 ms | p99 ms | p99.9 ms |",
      "|---|---|---|---|---|---|",
      ...(
        [
          [1, p1],
          [CONNECTIONS, p16],
        ] as const
      ).map(([connections, r]) => {
        return `| ${connections} | ${r["n"]} | ${r["non200"]} | ${r["p50"]?.toFixed(2)} | **${r["p99"]?.toFixed(2)}** | ${r["p999"]?.toFixed(2)} |`;
      }),
      "",
      `RSS of the webhook: ${rssBefore.toFixed(0)} MB before and **${rssAfter.toFixed(0)} MB after ${QUICK ? "20,000" : "100,000"} more reviews** (target ≤ 120 MB, no growth).`,
      "",
      "Command: `make webhook && npx tsx bench/webhook.ts`",
    ];
    process.stdout.write(lines.join("\n") + "\n");
  } finally {
    webhook.child.kill("SIGTERM");
    echo.child.kill("SIGTERM");
  }
}

await main();
