// Reads `podinit.dev/*` pod annotations: pod-wide keys and their `<key>.<container>` overrides.

export const ANNOTATION_PREFIX = "podinit.dev/";
export const STATUS_ANNOTATION = `${ANNOTATION_PREFIX}status`;

/** Every key users may set; anything else under the prefix earns a warning (likely a typo). */
export const ANNOTATION_KEYS = [
  "inject",
  "grace-period",
  "stop-signal",
  "stop-delay",
  "remap-exit",
  "containers",
  "exclude-containers",
  "init-containers",
  "entrypoint",
  "mode",
] as const;

export type AnnotationKey = (typeof ANNOTATION_KEYS)[number];

/** Keys that make no sense per container: they choose containers or describe the pod. */
const POD_ONLY_KEYS: ReadonlySet<string> = new Set([
  "containers",
  "exclude-containers",
  "init-containers",
  "mode",
]);

/** Keys that describe one container's image: `entrypoint.<container>` (read by the registry lookup). */
const CONTAINER_ONLY_KEYS: ReadonlySet<string> = new Set(["entrypoint"]);

const KNOWN_KEYS: ReadonlySet<string> = new Set(ANNOTATION_KEYS);

/**
 * The longest value a setting may have. Settings are read for every container: a value as long as
 * the pod would cost the pod's size times its containers, and none needs more than a few hundred
 * characters (remapping all 256 exit codes takes 2 KB). A longer one is ignored, with a warning.
 */
const MAX_SETTING_CHARS = 4096;

/**
 * Lists of container names are read once per pod and may be as long as it is; an entrypoint is
 * read once, by the registry lookup, from the pod itself.
 */
const UNBOUNDED_KEYS: ReadonlySet<string> = new Set([
  "containers",
  "exclude-containers",
  "entrypoint",
]);

/**
 * The pod's `podinit.dev/*` annotations, split once into pod-wide values and per-container
 * overrides, so that the many lookups of one review neither scan nor build key strings.
 */
export interface Annotations {
  readonly podWide: ReadonlyMap<string, string>;
  readonly byContainer: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Keys under the prefix, other than the status, in the order they appear. */
  readonly keys: readonly string[];
  /** Keys whose value is longer than MAX_SETTING_CHARS, with its length: not in the maps above. */
  readonly tooLong: ReadonlyMap<string, number>;
}

const NO_ANNOTATIONS: Annotations = Object.freeze({
  podWide: new Map<string, string>(),
  byContainer: new Map<string, ReadonlyMap<string, string>>(),
  keys: Object.freeze([]),
  tooLong: new Map<string, number>(),
});

export function indexAnnotations(raw: Readonly<Record<string, string>> | undefined): Annotations {
  if (raw === undefined) return NO_ANNOTATIONS;
  let index: {
    podWide: Map<string, string>;
    byContainer: Map<string, Map<string, string>>;
    keys: string[];
    tooLong: Map<string, number>;
  } | null = null;
  for (const name in raw) {
    if (!name.startsWith(ANNOTATION_PREFIX) || name === STATUS_ANNOTATION) continue;
    const value = raw[name];
    if (typeof value !== "string") continue;
    index ??= { podWide: new Map(), byContainer: new Map(), keys: [], tooLong: new Map() };
    index.keys.push(name);
    const rest = name.slice(ANNOTATION_PREFIX.length);
    const dot = rest.indexOf(".");
    if (value.length > MAX_SETTING_CHARS && !UNBOUNDED_KEYS.has(keyOf(rest, dot))) {
      index.tooLong.set(name, value.length);
      continue;
    }
    if (dot === -1) {
      index.podWide.set(rest, value);
      continue;
    }
    const container = rest.slice(dot + 1);
    let own = index.byContainer.get(container);
    if (own === undefined) index.byContainer.set(container, (own = new Map<string, string>()));
    own.set(rest.slice(0, dot), value);
  }
  return index ?? NO_ANNOTATIONS;
}

/** The value for one container: its `<key>.<name>` override if present, else the pod-wide key. */
export function annotationFor(
  annotations: Annotations,
  key: AnnotationKey,
  containerName: string,
): { readonly value: string; readonly source: string } | null {
  const own = annotations.byContainer.get(containerName)?.get(key);
  if (own !== undefined)
    return { value: own, source: `${ANNOTATION_PREFIX}${key}.${containerName}` };
  const shared = annotations.podWide.get(key);
  return shared === undefined ? null : { value: shared, source: `${ANNOTATION_PREFIX}${key}` };
}

export function podAnnotation(annotations: Annotations, key: AnnotationKey): string | null {
  return annotations.podWide.get(key) ?? null;
}

/** A comma-separated list of container names; blanks are dropped. */
export function parseNameList(value: string): string[] {
  const names: string[] = [];
  for (const part of value.split(",")) {
    const name = part.trim();
    if (name !== "") names.push(name);
  }
  return names;
}

/** Warnings for `podinit.dev/*` annotations that nothing reads, so typos don't go unnoticed. */
export function unknownAnnotationWarnings(
  annotations: Annotations,
  containerNames: ReadonlySet<string>,
): string[] {
  const warnings: string[] = [];
  for (const name of annotations.keys) {
    const rest = name.slice(ANNOTATION_PREFIX.length);
    const dot = rest.indexOf(".");
    const key = keyOf(rest, dot);
    const length = annotations.tooLong.get(name);
    if (!KNOWN_KEYS.has(key)) {
      warnings.push(`annotation ${name} is not a podinit setting and is ignored`);
    } else if (length !== undefined) {
      warnings.push(
        `annotation ${name}: its value has ${length} characters, more than the ${MAX_SETTING_CHARS} a setting may have; ignoring it`,
      );
    } else if (dot !== -1 && POD_ONLY_KEYS.has(key)) {
      warnings.push(`annotation ${name}: ${ANNOTATION_PREFIX}${key} applies to the whole pod only`);
    } else if (dot === -1 && CONTAINER_ONLY_KEYS.has(key)) {
      warnings.push(
        `annotation ${name} needs a container name: ${ANNOTATION_PREFIX}${key}.<container>`,
      );
    } else if (dot !== -1 && !containerNames.has(rest.slice(dot + 1))) {
      warnings.push(`annotation ${name} names no container of this pod and is ignored`);
    }
  }
  return warnings;
}

/** The setting an annotation name (less the prefix) is about: `grace-period` of `grace-period.app`. */
function keyOf(rest: string, dot: number): string {
  return dot === -1 ? rest : rest.slice(0, dot);
}
