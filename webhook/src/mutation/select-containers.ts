// Decides, container by container, which ones run under podinit and why the others don't.

import { annotationFor, parseNameList, podAnnotation, type Annotations } from "./annotations.js";
import { effectiveProgram, isSet, type ResolvedEntrypoints } from "./entrypoint.js";
import type { Container } from "./pod-types.js";
import type { MutationSettings } from "./settings.js";

export type ContainerKind = "container" | "native-sidecar" | "init-container";

export type ContainerSkipReason =
  | "opted-out"
  | "not-selected"
  | "excluded"
  | "init-container"
  | "injector-container"
  | "no-command"
  | "image-lookup-failed"
  | "must-be-pid-1"
  | "mount-path-conflict";

export interface ContainerPlan {
  readonly container: Container;
  readonly kind: ContainerKind;
  /** null: wrap it. */
  readonly skip: ContainerSkipReason | null;
}

/** What the pod-wide annotations say about choosing containers, read once per review. */
export interface Selection {
  readonly only: ReadonlySet<string> | null;
  readonly exclude: ReadonlySet<string>;
  readonly initContainers: boolean;
  /** Contradictions and unknown names in those annotations. */
  readonly warnings: readonly string[];
}

export interface Plans {
  readonly plans: readonly ContainerPlan[];
  readonly warnings: readonly string[];
}

export function planContainers(
  initContainers: readonly Container[],
  containers: readonly Container[],
  annotations: Annotations,
  selection: Selection,
  settings: MutationSettings,
  resolved: ResolvedEntrypoints,
  lookupFailed: ReadonlySet<string>,
): Plans {
  const plan = (container: Container, kind: ContainerKind): ContainerPlan => ({
    container,
    kind,
    skip:
      chosenByUser(container.name, kind, annotations, selection, settings) ??
      technicalReason(container, settings, resolved, lookupFailed),
  });
  const plans = [
    ...initContainers.map(c =>
      plan(c, c.restartPolicy === "Always" ? "native-sidecar" : "init-container"),
    ),
    ...containers.map(c => plan(c, "container")),
  ];
  return { plans, warnings: selection.warnings };
}

/** Most pods choose nothing: every container is considered, no init container is. */
const DEFAULT_SELECTION: Selection = Object.freeze({
  only: null,
  exclude: new Set<string>(),
  initContainers: false,
  warnings: Object.freeze([]),
});

export function readSelection(annotations: Annotations, all: readonly Container[]): Selection {
  const onlyValue = podAnnotation(annotations, "containers");
  const excludeValue = podAnnotation(annotations, "exclude-containers");
  const initValue = podAnnotation(annotations, "init-containers");
  if (onlyValue === null && excludeValue === null && initValue === null) return DEFAULT_SELECTION;
  const only = onlyValue === null ? null : new Set(parseNameList(onlyValue));
  const exclude = new Set(parseNameList(excludeValue ?? ""));
  const warnings = listWarnings(only, exclude, all);
  if (initValue !== null && initValue !== "true" && initValue !== "false") {
    warnings.push(
      `podinit.dev/init-containers: '${initValue}' is not "true" or "false"; using "false"`,
    );
  }
  return { only, exclude, initContainers: initValue === "true", warnings };
}

/**
 * One warning for the listed names the pod lacks, one for the names in both lists. Linear in the
 * pod's size: a list may name as many containers as the review holds, and a pod may have
 * thousands.
 */
function listWarnings(
  only: ReadonlySet<string> | null,
  exclude: ReadonlySet<string>,
  all: readonly Container[],
): string[] {
  if (only === null && exclude.size === 0) return [];
  const present = new Set<string>();
  for (const c of all) present.add(c.name);
  const missing: string[] = [];
  for (const name of only ?? []) if (!present.has(name)) missing.push(name);
  const both: string[] = [];
  for (const name of exclude) {
    if (only?.has(name) === true) both.push(name);
    else if (!present.has(name)) missing.push(name);
  }
  const warnings: string[] = [];
  if (missing.length > 0) {
    warnings.push(
      `podinit.dev annotations name ${containerList(missing)}, which this pod does not have`,
    );
  }
  if (both.length > 0) {
    const [verb, pronoun] = both.length === 1 ? ["is", "it"] : ["are", "them"];
    warnings.push(
      `${containerList(both)} ${verb} both in podinit.dev/containers and podinit.dev/exclude-containers; excluding ${pronoun}`,
    );
  }
  return warnings;
}

/** Names shown in one warning; the rest are counted. */
const NAMES_SHOWN = 5;

/** "container 'a'", "containers 'a', 'b'", "containers 'a', … 'e' and 3 more". */
function containerList(names: readonly string[]): string {
  const shown = names
    .slice(0, NAMES_SHOWN)
    .map(name => `'${name}'`)
    .join(", ");
  const rest = names.length - NAMES_SHOWN;
  if (names.length === 1) return `container ${shown}`;
  return rest > 0 ? `containers ${shown} and ${rest} more` : `containers ${shown}`;
}

/**
 * Names of the containers that would be wrapped if their image's ENTRYPOINT/CMD were known: the
 * ones the registry lookup should resolve (and no others, so it warns about nothing we ignore).
 */
export function lookupCandidates(
  initContainers: readonly Container[],
  containers: readonly Container[],
  annotations: Annotations,
  selection: Selection,
  settings: MutationSettings,
): Set<string> {
  const names = new Set<string>();
  const consider = (container: Container, kind: ContainerKind): void => {
    if (isSet(container.command)) return;
    if (chosenByUser(container.name, kind, annotations, selection, settings) === null)
      names.add(container.name);
  };
  for (const c of initContainers)
    consider(c, c.restartPolicy === "Always" ? "native-sidecar" : "init-container");
  for (const c of containers) consider(c, "container");
  return names;
}

/** What the annotations and the injector list say about this container. */
function chosenByUser(
  name: string,
  kind: ContainerKind,
  annotations: Annotations,
  selection: Selection,
  settings: MutationSettings,
): ContainerSkipReason | null {
  const own = annotationFor(annotations, "inject", name);
  const ownOptOut = own !== null && own.source.endsWith(`.${name}`) && own.value.trim() === "false";
  if (ownOptOut) return "opted-out";
  if (selection.exclude.has(name)) return "excluded";
  if (selection.only !== null) return selection.only.has(name) ? null : "not-selected";
  // Without an explicit list, plain init containers and other injectors' containers stay as they are.
  if (kind === "init-container" && !selection.initContainers) return "init-container";
  if (settings.injectorContainers.includes(name)) return "injector-container";
  return null;
}

/** Containers podinit cannot wrap whatever the user asks. */
function technicalReason(
  container: Container,
  settings: MutationSettings,
  resolved: ResolvedEntrypoints,
  lookupFailed: ReadonlySet<string>,
): ContainerSkipReason | null {
  const program = effectiveProgram(container, resolved.get(container.name));
  // Without a command the image decides what runs; a failed lookup is reported as such.
  if (program === null)
    return lookupFailed.has(container.name) ? "image-lookup-failed" : "no-command";
  if (settings.pid1Entrypoints.includes(program)) return "must-be-pid-1";
  if ((container.volumeMounts ?? []).some(m => m.mountPath === settings.mountPath)) {
    return "mount-path-conflict";
  }
  return null;
}
