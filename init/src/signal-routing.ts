// Which signal the app receives for one podinit receives: the user's rewrites, the stop signal, job control.

import type { InitOptions } from "#options/podinit-options.js";
import { isJobControl, SIGSTOP, SIGTERM } from "#options/signals.js";
import type { Sys } from "./sys.js";

/** 0 means the signal is dropped (rewritten to nothing). */
export function translateSignal(options: InitOptions, signal: number): number {
  const rewrite = options.rewrites.find(r => r.from === signal);
  if (rewrite !== undefined) return rewrite.to;
  if (signal === SIGTERM && options.stopSignal !== null) return options.stopSignal;
  // The child leads its own session, so its group is orphaned and the kernel ignores the default
  // stop of these three: SIGSTOP does what the default would have (see childDecidesJobControl).
  if (isJobControl(signal)) return SIGSTOP;
  return signal;
}

/**
 * The child alone (--forward=child) gets TSTP, TTIN or TTOU itself when it has a handler for it
 * or ignores it, so the handler runs; a group's members may differ, so a group is stopped. A
 * rewrite the user asked for wins.
 */
export function childDecidesJobControl(
  options: InitOptions,
  sys: Sys,
  mainPid: number,
  signal: number,
): boolean {
  if (options.forward !== "child") return false;
  if (options.rewrites.some(r => r.from === signal)) return false;
  return (sys.signalDisposition(mainPid, signal) ?? "default") !== "default";
}
