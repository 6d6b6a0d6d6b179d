// Turns a container's podinit.dev annotations into podinit's options, repairing bad values.

import { formatDuration, parseDuration } from "../../../init/src/duration.js";
import { DEFAULT_OPTIONS, parseArgs, type InitOptions } from "../../../init/src/options.js";
import { annotationFor, type AnnotationKey, type Annotations } from "./annotations.js";

/** Kubernetes' default when the pod does not set terminationGracePeriodSeconds. */
const DEFAULT_TERMINATION_GRACE_SECONDS = 30;
const MIN_GRACE_MS = 1000;

export interface ContainerOptions {
  readonly options: InitOptions;
  /** Admission warnings: each names the annotation, what was wrong and the value used instead. */
  readonly warnings: readonly string[];
}

interface Context {
  readonly annotations: Annotations;
  readonly containerName: string;
  readonly warnings: string[];
}

/** The pod's termination grace in ms: after it the kubelet SIGKILLs, whatever podinit does. */
export function terminationGraceMs(seconds: unknown): number {
  const valid = typeof seconds === "number" && Number.isSafeInteger(seconds) && seconds >= 0;
  return (valid ? seconds : DEFAULT_TERMINATION_GRACE_SECONDS) * 1000;
}

export function defaultGracePeriodMs(terminationMs: number, marginMs: number): number {
  return Math.max(MIN_GRACE_MS, terminationMs - marginMs);
}

/**
 * podinit's options for one container. Never fails: an invalid value falls back to the default
 * and a contradictory one is clamped, each with a warning, because a typo in an annotation must
 * not stop a workload from starting.
 */
export function containerOptions(
  annotations: Annotations,
  containerName: string,
  terminationMs: number,
  graceMarginMs: number,
): ContainerOptions {
  const context: Context = { annotations, containerName, warnings: [] };
  const gracePeriodMs = gracePeriod(context, terminationMs, graceMarginMs);
  const stopSignal = fromFlag(context, "stop-signal", "--stop-signal", false)?.stopSignal ?? null;
  const remapExit = fromFlag(context, "remap-exit", "--remap-exit", true)?.remapExit ?? [];
  const stopDelayMs = stopDelay(context, gracePeriodMs);
  const options: InitOptions = {
    ...DEFAULT_OPTIONS,
    gracePeriodMs,
    stopSignal,
    stopDelayMs,
    remapExit,
  };
  return { options, warnings: context.warnings };
}

function gracePeriod(context: Context, terminationMs: number, marginMs: number): number {
  const fallback = defaultGracePeriodMs(terminationMs, marginMs);
  const found = annotationFor(context.annotations, "grace-period", context.containerName);
  if (found === null) return fallback;
  const ms = parseDuration(found.value);
  if (ms === null || ms === 0) {
    context.warnings.push(
      `${found.source}: '${found.value}' is not a duration above zero like 25s or 1500ms; using ${formatDuration(fallback)}`,
    );
    return fallback;
  }
  if (ms > terminationMs) {
    context.warnings.push(
      `${found.source}: ${formatDuration(ms)} is longer than the pod's terminationGracePeriodSeconds (${formatDuration(terminationMs)}), after which the kubelet kills the container anyway; using ${formatDuration(fallback)}`,
    );
    return fallback;
  }
  return ms;
}

function stopDelay(context: Context, gracePeriodMs: number): number {
  const delay = fromFlag(context, "stop-delay", "--stop-delay", false)?.stopDelayMs ?? 0;
  if (delay < gracePeriodMs) return delay;
  const clamped = Math.max(0, gracePeriodMs - MIN_GRACE_MS);
  const source = annotationFor(context.annotations, "stop-delay", context.containerName)?.source;
  context.warnings.push(
    `${source ?? "podinit.dev/stop-delay"}: ${formatDuration(delay)} leaves no time for the app to stop within the grace period of ${formatDuration(gracePeriodMs)}; using ${formatDuration(clamped)}`,
  );
  return clamped;
}

/**
 * Validates an annotation with podinit's own parser, so the webhook accepts exactly what the
 * binary accepts. Returns null (and records a warning) when the value is rejected.
 */
function fromFlag(
  context: Context,
  key: AnnotationKey,
  flag: string,
  list: boolean,
): InitOptions | null {
  const found = annotationFor(context.annotations, key, context.containerName);
  if (found === null) return null;
  const values = list ? found.value.split(",").filter(v => v.trim() !== "") : [found.value];
  const argv = values.flatMap(value => [flag, value.trim()]);
  const parsed = parseArgs([...argv, "--", "true"]);
  if (parsed.ok && parsed.invocation.action === "run") return parsed.invocation.options;
  // podinit's messages start with the flag's name; the annotation's name is the useful one here.
  const reason = parsed.ok ? "not understood" : parsed.error.message.replace(/^--[a-z-]+: /, "");
  context.warnings.push(`${found.source}: ${reason}; ignoring it`);
  return null;
}
