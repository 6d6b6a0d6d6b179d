// The pure mutation: a pod and the settings in, the pod to admit, its patch and the warnings out.

import type { Operation } from "fast-json-patch";
import {
  indexAnnotations,
  STATUS_ANNOTATION,
  unknownAnnotationWarnings,
  type Annotations,
} from "./annotations.js";
import { commandPrefix } from "./command-prefix.js";
import { copyWith } from "./copy-with.js";
import { terminationGraceMs } from "./container-options.js";
import { isSet, NO_RESOLVED_ENTRYPOINTS, type ResolvedEntrypoints } from "./entrypoint.js";
import {
  imageVolume,
  installContainer,
  installVolume,
  pickVolumeName,
} from "./install-container.js";
import { fitInstaller } from "./installer-fit.js";
import { NO_LIMIT_RANGES, type NamespaceLimits } from "./limit-ranges.js";
import { podQosClass, type QosClass } from "./pod-qos.js";
import { injectionPatch, podPatch } from "./pod-patch.js";
import {
  allContainers,
  installedVolume,
  podSkipReason,
  type InstalledVolume,
  startsWithPodinit,
  type PodSkipReason,
  type RecordedSkipReason,
} from "./pod-skip.js";
import type { Container, Pod } from "./pod-types.js";
import {
  lookupCandidates,
  planContainers,
  readSelection,
  type ContainerPlan,
  type ContainerSkipReason,
  type Selection,
} from "./select-containers.js";
import { podMode, withMode } from "./pod-mode.js";
import { INSTALL_CONTAINER_NAME, type InjectionMode, type MutationSettings } from "./settings.js";
import { formatStatus, type PodStatus } from "./status.js";
import { wrapContainer } from "./wrap-container.js";

export interface MutationResult {
  /** The pod to admit: the very same object when nothing changed; otherwise a copy that shares
   * every subtree it did not change with the original. */
  readonly pod: Pod;
  /** The JSON Patch that turns the original pod into `pod`, computed by fast-json-patch. */
  readonly patch: readonly Operation[];
  /** "reinvoked": a pod injected on an earlier pass, completed (`wrapped`) or left as it was. */
  readonly decision: "injected" | "skipped" | "reinvoked";
  readonly reason: PodSkipReason | null;
  readonly wrapped: readonly string[];
  readonly skippedContainers: Readonly<Record<string, ContainerSkipReason>>;
  readonly warnings: readonly string[];
}

/** What both the registry lookup and the mutation need to know about a pod, worked out once. */
export interface PreparedPod {
  readonly pod: Pod;
  /** The review's namespace: a pod being created often has none in its metadata. */
  readonly namespace: string;
  readonly annotations: Annotations;
  readonly skip: PodSkipReason | null;
  /** null when the whole pod is skipped: nobody asks which containers were chosen then. */
  readonly selection: Selection | null;
  /** The volume of our installer when an earlier pass injected this pod, else null. */
  readonly installed: InstalledVolume | null;
  /** The LimitRanges of the pod's namespace, which the installer must keep. */
  readonly limits: NamespaceLimits;
}

export function preparePod(
  pod: Pod,
  namespace: string,
  settings: MutationSettings,
  limits: NamespaceLimits = NO_LIMIT_RANGES,
): PreparedPod {
  const annotations = indexAnnotations(pod.metadata?.annotations);
  const installed = installedVolume(pod, settings);
  const skip = podSkipReason(pod, namespace, annotations, installed, settings);
  const selection = skip === null ? readSelection(annotations, allContainers(pod)) : null;
  return { pod, namespace, annotations, skip, selection, installed, limits };
}

/**
 * Injects podinit into `pod`, created in `namespace`. Never modifies its input. `resolved` holds
 * image entrypoints for containers without a command (from a registry lookup done beforehand);
 * `lookupFailed` names those whose lookup failed, skipped as `image-lookup-failed`.
 */
export function mutatePod(
  pod: Pod,
  namespace: string,
  settings: MutationSettings,
  resolved: ResolvedEntrypoints = NO_RESOLVED_ENTRYPOINTS,
  lookupFailed: ReadonlySet<string> = NO_NAMES,
  limits: NamespaceLimits = NO_LIMIT_RANGES,
): MutationResult {
  const prepared = preparePod(pod, namespace, settings, limits);
  return mutatePrepared(prepared, settings, resolved, lookupFailed);
}

export function mutatePrepared(
  prepared: PreparedPod,
  settings: MutationSettings,
  resolved: ResolvedEntrypoints = NO_RESOLVED_ENTRYPOINTS,
  lookupFailed: ReadonlySet<string> = NO_NAMES,
): MutationResult {
  const { pod, annotations, skip: podReason, selection } = prepared;
  if (podReason === "already-injected" || podReason === "mirror-pod") {
    return {
      pod,
      patch: [],
      decision: "skipped",
      reason: podReason,
      wrapped: [],
      skippedContainers: {},
      warnings: [],
    };
  }
  const warnings =
    annotations.keys.length === 0
      ? []
      : unknownAnnotationWarnings(annotations, new Set(allContainers(pod).map(c => c.name)));
  if (podReason !== null) return recordSkip(pod, podReason, {}, warnings, settings);

  const spec = pod.spec;
  const { installed } = prepared;
  const planned = planContainers(
    ownInitContainers(pod, installed),
    spec.containers,
    annotations,
    selection ?? readSelection(annotations, allContainers(pod)),
    settings,
    resolved,
    lookupFailed,
  );
  warnings.push(...planned.warnings);
  // On reinvocation, containers wrapped on an earlier pass are done; only newcomers are planned.
  const done = (c: Container): boolean => installed !== null && startsWithPodinit(c, settings);
  const plans = planned.plans.filter(p => !done(p.container));
  const skipped = skippedByName(plans);
  const chosen = plans.filter(p => p.skip === null);
  if (installed !== null) {
    const wrappedBefore = planned.plans.filter(p => done(p.container)).map(p => p.container.name);
    const pass = { chosen, wrappedBefore, resolved, warnings, skipped };
    return reinject(prepared, installed, settings, pass);
  }
  if (chosen.length === 0)
    return recordSkip(pod, "no-eligible-containers", skipped, warnings, settings);

  return inject(prepared, settings, chosen, resolved, warnings, skipped);
}

/** The init containers that are the pod's own: all of them, less our installer on reinvocation. */
function ownInitContainers(pod: Pod, installed: InstalledVolume | null): readonly Container[] {
  const all = pod.spec.initContainers ?? [];
  return installed === null ? all : all.filter(c => c.name !== INSTALL_CONTAINER_NAME);
}

interface Reinvocation {
  readonly chosen: readonly ContainerPlan[];
  readonly wrappedBefore: readonly string[];
  readonly resolved: ResolvedEntrypoints;
  readonly warnings: string[];
  readonly skipped: Readonly<Record<string, ContainerSkipReason>>;
}

/**
 * A pod injected on an earlier pass, seen again: another webhook may have added containers since
 * (a log shipper, a proxy). Those are wrapped with the volume already there and the status is
 * brought up to date; nothing else is added twice. With nothing new, the pod stays as it is.
 */
function reinject(
  prepared: PreparedPod,
  installed: InstalledVolume,
  settings: MutationSettings,
  pass: Reinvocation,
): MutationResult {
  const { pod, annotations } = prepared;
  const newcomers = pass.chosen.map(p => p.container.name);
  const unchanged: MutationResult = {
    pod,
    patch: [],
    decision: "reinvoked",
    reason: null,
    wrapped: [],
    skippedContainers: {},
    warnings: [],
  };
  if (newcomers.length === 0) return unchanged;
  const spec = pod.spec;
  // A later webhook may have put an init container in front of our installer (an agent that
  // must run first): wrapped, it would start before the binary exists. The installer goes back
  // in front; it only copies a file, so it delays nothing of theirs.
  const init = spec.initContainers ?? [];
  const installer = init.find(c => c.name === INSTALL_CONTAINER_NAME);
  const ordered =
    installer === undefined || init[0] === installer
      ? init
      : [installer, ...init.filter(c => c !== installer)];
  // Wrapped the way the pod was injected, whatever the mode is now (the chart may have changed it).
  const wrap = wrapper(pod, annotations, withMode(settings, installed.mode), pass, installed.name);
  const status: PodStatus = {
    version: settings.version,
    decision: "injected",
    wrapped: allContainers(pod)
      .map(c => c.name)
      .filter(name => pass.wrappedBefore.includes(name) || newcomers.includes(name)),
    skipped: pass.skipped,
    qos: podQosClass(pod),
    mode: installed.mode,
  };
  const mutated = copyWith(withStatus(pod, status), {
    spec: copyWith(
      spec,
      spec.initContainers === undefined
        ? { containers: spec.containers.map(wrap) }
        : { initContainers: ordered.map(wrap), containers: spec.containers.map(wrap) },
    ),
  });
  return {
    ...unchanged,
    pod: mutated,
    patch: podPatch(pod, mutated),
    wrapped: newcomers,
    warnings: unique(pass.warnings),
  };
}

/** Wraps the chosen containers in place (the same object for every other one). */
function wrapper(
  pod: Pod,
  annotations: PreparedPod["annotations"],
  settings: MutationSettings,
  pass: Pick<Reinvocation, "chosen" | "resolved" | "warnings">,
  volumeName: string,
): (c: Container) => Container {
  const terminationMs = terminationGraceMs(pod.spec.terminationGracePeriodSeconds);
  const selected = new Set(pass.chosen.map(p => p.container));
  return c => {
    if (!selected.has(c)) return c;
    const { prefix, warnings } = commandPrefix(annotations, c.name, terminationMs, settings);
    pass.warnings.push(...warnings);
    return wrapContainer(c, prefix, volumeName, settings, pass.resolved.get(c.name));
  };
}

function inject(
  prepared: PreparedPod,
  configured: MutationSettings,
  chosen: readonly ContainerPlan[],
  resolved: ResolvedEntrypoints,
  warnings: string[],
  skipped: Readonly<Record<string, ContainerSkipReason>>,
): MutationResult {
  const { pod, annotations } = prepared;
  const spec = pod.spec;
  const { settings, warning } = podMode(annotations, configured);
  if (warning !== null) warnings.push(warning);
  const wrappedNames = chosen.map(p => p.container.name);
  const volumeName = pickVolumeName(spec.volumes ?? []);
  const wrap = wrapper(pod, annotations, settings, { chosen, resolved, warnings }, volumeName);
  const result = (mutated: Pod, patch: Operation[]): MutationResult => ({
    pod: mutated,
    patch,
    decision: "injected",
    reason: null,
    wrapped: wrappedNames,
    skippedContainers: skipped,
    warnings: unique(warnings),
  });
  const status = (qos: QosClass, mode: InjectionMode): PodStatus => ({
    version: settings.version,
    decision: "injected",
    wrapped: wrappedNames,
    skipped,
    qos,
    mode,
  });
  if (settings.injectionMode === "imageVolume") {
    // Nothing runs before the app and nothing has resources: QoS, LimitRanges and quota see no change.
    const mutated = copyWith(withStatus(pod, status(podQosClass(pod), "imageVolume")), {
      spec: copyWith(spec, {
        volumes: [...(spec.volumes ?? []), imageVolume(volumeName, settings)],
        ...(spec.initContainers === undefined
          ? {}
          : { initContainers: spec.initContainers.map(wrap) }),
        containers: spec.containers.map(wrap),
      }),
    });
    return result(mutated, podPatch(pod, mutated));
  }
  const fit = fitInstaller(pod, settings, prepared.limits);
  if (fit.problem !== null) {
    warnings.push(`${fit.problem}; admitted without podinit`);
    return recordSkip(pod, "limit-range", skipped, warnings, settings);
  }
  const install = installContainer(volumeName, settings, fit);
  const mutated = copyWith(withStatus(pod, status(fit.qos, "initContainer")), {
    spec: copyWith(spec, {
      volumes: [...(spec.volumes ?? []), installVolume(volumeName, settings)],
      initContainers: [install, ...(spec.initContainers ?? []).map(wrap)],
      containers: spec.containers.map(wrap),
    }),
  });
  return result(mutated, injectionPatch(pod, mutated, install));
}

const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * The containers a registry lookup should resolve before the mutation runs: none when the pod is
 * skipped as a whole or every container sets `command` (the common, cheap case).
 */
export function containersNeedingLookup(
  prepared: PreparedPod,
  settings: MutationSettings,
): ReadonlySet<string> {
  const { pod, annotations, selection } = prepared;
  if (selection === null || allContainers(pod).every(c => isSet(c.command))) return NO_NAMES;
  return lookupCandidates(
    pod.spec.initContainers ?? [],
    pod.spec.containers,
    annotations,
    selection,
    settings,
  );
}

function skippedByName(plans: readonly ContainerPlan[]): Record<string, ContainerSkipReason> {
  const skipped: Record<string, ContainerSkipReason> = {};
  for (const plan of plans) if (plan.skip !== null) skipped[plan.container.name] = plan.skip;
  return skipped;
}

function recordSkip(
  pod: Pod,
  reason: RecordedSkipReason,
  skipped: Readonly<Record<string, ContainerSkipReason>>,
  warnings: readonly string[],
  settings: MutationSettings,
): MutationResult {
  const status: PodStatus =
    Object.keys(skipped).length === 0
      ? { version: settings.version, decision: "skipped", reason }
      : { version: settings.version, decision: "skipped", reason, skipped };
  const marked = withStatus(pod, status);
  return {
    pod: marked,
    patch: podPatch(pod, marked),
    decision: "skipped",
    reason,
    wrapped: [],
    skippedContainers: skipped,
    warnings: unique(warnings),
  };
}

/**
 * The pod with `status` in its status annotation: a copy of the pod and its metadata, or the pod
 * itself when the annotation already says so (a reinvocation then gets an empty patch).
 */
function withStatus(pod: Pod, status: PodStatus): Pod {
  const text = formatStatus(status);
  const metadata = pod.metadata;
  const annotations = metadata?.annotations;
  if (annotations?.[STATUS_ANNOTATION] === text) return pod;
  return copyWith(pod, {
    metadata: copyWith(metadata, {
      annotations: copyWith<Record<string, string>>(annotations, { [STATUS_ANNOTATION]: text }),
    }),
  });
}

function unique(warnings: readonly string[]): string[] {
  return [...new Set(warnings)];
}
