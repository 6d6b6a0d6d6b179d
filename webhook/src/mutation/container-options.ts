// Turns a container's podinit.dev annotations into podinit's options, repairing bad values.

import { formatDuration, MAX_DURATION_MS, parseDuration } from "#options/duration.js";
import { readOptionText, type AnnotatedOption } from "#options/options.js";
import { DEFAULT_OPTIONS, type InitOptions } from "#options/podinit-options.js";
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

/**
 * The pod's termination grace in ms: after it the kubelet SIGKILLs, whatever podinit does. The API
 * allows any int64; beyond 2^53 the JSON number is inexact, which only matters for the warning.
 */
export function terminationGraceMs(seconds: unknown): number {
  const valid = typeof seconds === "number" && Number.isInteger(seconds) && seconds >= 0;
  return (valid ? seconds : DEFAULT_TERMINATION_GRACE_SECONDS) * 1000;
}

/**
 * podinit's grace period when no annotation sets one: the pod's, less the margin. null (podinit
 * waits, the kubelet kills at its own deadline) when that is longer than podinit accepts, since
 * cutting a long drain short would break a pod that asked for it.
 */
export function defaultGracePeriodMs(terminationMs: number, marginMs: number): number | null {
  const ms = Math.max(MIN_GRACE_MS, terminationMs - marginMs);
  return ms <= MAX_DURATION_MS ? ms : null;
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
  const stopSignal = fromOption(context, "stop-signal", "stopSignal") ?? null;
  const remapExit = fromOption(context, "remap-exit", "remapExit") ?? [];
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

/**
 * What each annotation of one review parsed to. A pod-wide value is read for every container, and
 * parsing it again for each would make a pod's cost its containers times the value's length
 * (a list of exit-code remaps costs each entry a pass over the list). Keyed by the review's
 * index, which lives as long as the review.
 */
const DURATIONS = new WeakMap<Annotations, Map<string, number | null>>();
const OPTIONS_READ = new WeakMap<Annotations, Map<string, { readonly value: unknown } | string>>();

function parsedOnce<T>(
  memo: WeakMap<Annotations, Map<string, T>>,
  annotations: Annotations,
  source: string,
  parse: () => T,
): T {
  let parsed = memo.get(annotations);
  if (parsed === undefined) memo.set(annotations, (parsed = new Map<string, T>()));
  const known = parsed.get(source);
  if (known !== undefined) return known;
  const value = parse();
  parsed.set(source, value);
  return value;
}

function gracePeriod(context: Context, terminationMs: number, marginMs: number): number | null {
  const found = annotationFor(context.annotations, "grace-period", context.containerName);
  const ms =
    found === null
      ? null
      : parsedOnce(DURATIONS, context.annotations, found.source, () => parseDuration(found.value));
  if (found !== null && ms !== null && ms > 0 && ms <= terminationMs) return ms;
  const fallback = defaultGracePeriodMs(terminationMs, marginMs);
  const using =
    fallback === null
      ? "podinit leaves stragglers to the kubelet"
      : `using ${formatDuration(fallback)}`;
  if (found === null && fallback === null) {
    context.warnings.push(
      `terminationGracePeriodSeconds ${terminationMs / 1000} is longer than podinit's longest grace period (${formatDuration(MAX_DURATION_MS)}): ${using}, which kills them at the end of it`,
    );
  } else if (found !== null && (ms === null || ms === 0)) {
    context.warnings.push(
      `${found.source}: '${found.value}' is not a duration above zero like 25s or 1500ms; ${using}`,
    );
  } else if (found !== null && ms !== null) {
    context.warnings.push(
      `${found.source}: ${formatDuration(ms)} is longer than the pod's terminationGracePeriodSeconds (${formatDuration(terminationMs)}), after which the kubelet kills the container anyway; ${using}`,
    );
  }
  return fallback;
}

function stopDelay(context: Context, gracePeriodMs: number | null): number {
  const delay = fromOption(context, "stop-delay", "stopDelayMs") ?? 0;
  if (gracePeriodMs === null || delay < gracePeriodMs) return delay;
  const clamped = Math.max(0, gracePeriodMs - MIN_GRACE_MS);
  const source = annotationFor(context.annotations, "stop-delay", context.containerName)?.source;
  context.warnings.push(
    `${source ?? "podinit.dev/stop-delay"}: ${formatDuration(delay)} leaves no time for the app to stop within the grace period of ${formatDuration(gracePeriodMs)}; using ${formatDuration(clamped)}`,
  );
  return clamped;
}

/**
 * Reads an annotation with podinit's own parser, so the webhook accepts exactly what the binary
 * accepts. Returns null (and records a warning naming the annotation) when the value is refused.
 */
function fromOption<K extends AnnotatedOption>(
  context: Context,
  key: AnnotationKey,
  option: K,
): InitOptions[K] | null {
  const found = annotationFor(context.annotations, key, context.containerName);
  if (found === null) return null;
  const read = parsedOnce(OPTIONS_READ, context.annotations, found.source, () =>
    readOptionText(option, found.value),
  );
  if (typeof read !== "string") return read.value as InitOptions[K];
  context.warnings.push(`${found.source}: ${read}; ignoring it`);
  return null;
}
