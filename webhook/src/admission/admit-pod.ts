// Decides one admission request: which pods to mutate, and failing open when we break.

import type { Operation } from "fast-json-patch";
import { NO_RESOLVED_ENTRYPOINTS, type ResolvedEntrypoints } from "../mutation/entrypoint.js";
import { mutatePrepared } from "../mutation/mutate-pod.js";
import type { MutationResult } from "../mutation/mutation-result.js";
import { containersNeedingLookup, preparePod, type PreparedPod } from "../mutation/prepared-pod.js";
import { NO_LIMIT_RANGES, type NamespaceLimits } from "../mutation/limit-ranges.js";
import type { Pod } from "../mutation/pod-types.js";
import { restoreWrappedCommands } from "../mutation/pod-update.js";
import { readPod } from "../mutation/read-pod.js";
import type { MutationSettings } from "../mutation/settings.js";
import type { AdmissionRequest } from "./types.js";
import { limitWarnings } from "./warning-limit.js";
import { PodUnreadable } from "./fail-open.js";
import { andThen, type ValueOrPromise } from "../value-or-promise.js";

/** What the registry lookup learnt about a review's containers without a command. */
export interface EntrypointLookup {
  /** Container name → ENTRYPOINT/CMD, unescaped (wrapContainer escapes `$`). */
  readonly resolved: ResolvedEntrypoints;
  /** Containers whose lookup failed: left unwrapped with reason `image-lookup-failed`. */
  readonly failures: ReadonlyMap<string, { readonly code: string; readonly message: string }>;
  readonly warnings: readonly string[];
}

/**
 * Looks up image entrypoints for the containers named in `only` (those the mutation would wrap).
 * Runs before the pure mutation; must not throw and must keep within its own time budget. It
 * answers at once when it can: a promise costs a review more than the rest of a cached lookup.
 * The default knows none, so such containers are skipped with reason `no-command`.
 */
export type EntrypointResolver = (
  pod: Pod,
  namespace: string,
  only: ReadonlySet<string>,
) => ValueOrPromise<EntrypointLookup>;

const NO_LOOKUP: EntrypointLookup = Object.freeze({
  resolved: NO_RESOLVED_ENTRYPOINTS,
  failures: new Map<string, never>(),
  warnings: Object.freeze([]),
});

export const noEntrypointResolver: EntrypointResolver = () => NO_LOOKUP;

/** The LimitRanges of a namespace, from memory (the webhook watches them). */
export type LimitsOf = (namespace: string) => NamespaceLimits;

/** Every namespace without LimitRanges: tests, and a webhook outside a cluster. */
export const noLimitRanges: LimitsOf = () => NO_LIMIT_RANGES;

export type Decision = "injected" | "reinvoked" | "restored" | "skipped" | "ignored";

export interface AdmissionOutcome {
  readonly decision: Decision;
  readonly reason: string | null;
  readonly patch: readonly Operation[];
  readonly warnings: readonly string[];
  readonly mutation: MutationResult | null;
}

function outcome(
  decision: Decision,
  reason: string | null,
  fields: Partial<AdmissionOutcome> = {},
): AdmissionOutcome {
  return { decision, reason, patch: [], warnings: [], mutation: null, ...fields };
}

/** CREATE or UPDATE of the pod itself, or null: anything else is answered "allowed" untouched. */
function podOperation(request: AdmissionRequest): "CREATE" | "UPDATE" | null {
  const kind = request.kind;
  const operation = request.operation;
  if (kind.kind !== "Pod" || (kind.group ?? "") !== "" || (request.subResource ?? "") !== "")
    return null;
  return operation === "CREATE" || operation === "UPDATE" ? operation : null;
}

/**
 * Never denies. The outcome comes at once unless an image lookup has to wait for the network. A
 * pod it cannot read, or a bug, is thrown (or rejected) to the app's error handler, which fails
 * open (fail-open.ts).
 */
export function admitPod(
  request: AdmissionRequest,
  settings: MutationSettings,
  resolveEntrypoints: EntrypointResolver,
  limitsOf: LimitsOf = noLimitRanges,
): ValueOrPromise<AdmissionOutcome> {
  const operation = podOperation(request);
  if (operation === null) return outcome("ignored", "not-a-pod");
  if (operation === "UPDATE") return admitUpdate(request, settings);
  const pod = readPod(request.object);
  if (pod === null) throw new PodUnreadable();
  const namespace = request.namespace ?? pod.metadata?.namespace ?? "";
  const prepared = preparePod(pod, namespace, settings, limitsOf(namespace));
  const only = containersNeedingLookup(prepared, settings);
  // Most pods set every command: they cost no lookup here.
  const lookup = only.size === 0 ? NO_LOOKUP : resolveEntrypoints(pod, namespace, only);
  return andThen(lookup, found => mutate(prepared, settings, found));
}

/**
 * An update of a pod: only the commands podinit wrapped are ever put back (see pod-update.ts);
 * every other update passes untouched, and a pod that cannot be read passes too.
 */
function admitUpdate(request: AdmissionRequest, settings: MutationSettings): AdmissionOutcome {
  const pod = readPod(request.object);
  const oldPod = readPod(request.oldObject);
  if (pod === null || oldPod === null) return outcome("ignored", "update-untouched");
  const result = restoreWrappedCommands(pod, oldPod, settings);
  if (result.restored.length === 0) return outcome("ignored", "update-untouched");
  return outcome("restored", null, { patch: result.patch });
}

function mutate(
  prepared: PreparedPod,
  settings: MutationSettings,
  lookup: EntrypointLookup,
): AdmissionOutcome {
  const failed = lookup.failures.size === 0 ? undefined : new Set<string>(lookup.failures.keys());
  const mutation = mutatePrepared(prepared, settings, lookup.resolved, failed);
  const warnings = limitWarnings(
    lookup.warnings.length === 0
      ? mutation.warnings
      : [...new Set([...lookup.warnings, ...mutation.warnings])],
  );
  return outcome(mutation.decision, mutation.reason, { patch: mutation.patch, warnings, mutation });
}
