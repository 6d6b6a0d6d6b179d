// Load generation: h2load against one server, blocking or alongside other runs, and the request logs it writes.

import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { onCpus, type CpuPlacement } from "./cpu-placement.js";
import { parseRequestLog, type LoggedRequest } from "./paced-latency.js";

/** h2load over HTTP/1.1 with one thread, on the client CPUs: a JSON `bodyFile` POSTed to `url`. */
function h2loadCommand(
  cpus: CpuPlacement,
  url: string,
  bodyFile: string,
  extra: string[],
): [string, string[]] {
  return onCpus(cpus, cpus.client, "h2load", [
    "--h1",
    "-t",
    "1",
    "-d",
    bodyFile,
    "-H",
    "content-type: application/json",
    ...extra,
    url,
  ]);
}

export function h2load(cpus: CpuPlacement, url: string, bodyFile: string, extra: string[]): string {
  return execFileSync(...h2loadCommand(cpus, url, bodyFile, extra), {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** h2load without blocking the bench, so that two runs can go on at the same time. */
export function h2loadConcurrently(
  cpus: CpuPlacement,
  url: string,
  bodyFile: string,
  extra: string[],
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(...h2loadCommand(cpus, url, bodyFile, extra), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", code =>
      code === 0 ? resolve(out) : reject(new Error(`h2load exited ${code} against ${url}: ${err}`)),
    );
  });
}

/** Stops the bench when a closed-loop run got no successful answer at all. */
export function expectAnswered(url: string, out: string): void {
  const ok = /status codes: ([0-9]+) 2xx/.exec(out);
  if (ok === null || Number(ok[1]) === 0) {
    throw new Error(`h2load got no successful answer from ${url}:\n${out}`);
  }
}

/** The requests of one h2load --log-file. */
export function readRequestLog(file: string): LoggedRequest[] {
  return parseRequestLog(readFileSync(file, "utf8"));
}
