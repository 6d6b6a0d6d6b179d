// Runs one external program to completion and hands back its output; a non-zero exit is a value, not a throw.

import { spawn } from "node:child_process";

import { descendants } from "../process-table.js";
import { HarnessError } from "./harness-error.js";

export interface ProcessResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProcessOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly input?: string;
  /** Hung tools (a wedged podman, a stalled mirror) must fail the test, not the whole CI run. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** SIGKILL, where a process that has exited meanwhile is no error. */
function killGone(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

export function runProcess(
  program: string,
  args: readonly string[],
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    if (options.input !== undefined) child.stdin?.end(options.input);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // A script's own children (`go build` under bash) would outlive it, holding its output
      // pipes open: `close` would then wait for them, and the timeout would not end the wait.
      const below = child.pid === undefined ? [] : descendants(child.pid);
      child.kill("SIGKILL");
      for (const process of below) killGone(process.pid);
    }, timeoutMs);
    child.on("error", error => {
      clearTimeout(timer);
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      reject(
        new HarnessError(
          missing ? "ERR_TOOL_MISSING" : "ERR_COMMAND_FAILED",
          missing
            ? `${program} is not installed: run \`make deps\` as root`
            : `${program} could not start: ${error.message}`,
        ),
      );
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new HarnessError(
            "ERR_TIMEOUT",
            `${program} ${args.join(" ")} did not finish within ${timeoutMs} ms and was killed`,
          ),
        );
        return;
      }
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
  });
}

/** `result` when `command` exited 0; else an ERR_COMMAND_FAILED carrying the program's own words. */
export function succeeded(command: string, result: ProcessResult): ProcessResult {
  if (result.exitCode === 0) return result;
  const reason = result.stderr.trim() || result.stdout.trim() || `signal ${result.signal}`;
  throw new HarnessError(
    "ERR_COMMAND_FAILED",
    `${command} exited ${result.exitCode ?? "by signal"}: ${reason}`,
  );
}

/** Like runProcess, but a failure becomes an ERR_COMMAND_FAILED carrying the program's own stderr. */
export async function runProcessOrThrow(
  program: string,
  args: readonly string[],
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  return succeeded(`${program} ${args.join(" ")}`, await runProcess(program, args, options));
}
