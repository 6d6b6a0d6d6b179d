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
] as const;

export type AnnotationKey = (typeof ANNOTATION_KEYS)[number];

/** Keys that make no sense per container: they choose containers or describe the pod. */
const POD_ONLY_KEYS: ReadonlySet<string> = new Set([
  "containers",
  "exclude-containers",
  "init-containers",
]);

const KNOWN_KEYS: ReadonlySet<string> = new Set(ANNOTATION_KEYS);

export type Annotations = Readonly<Record<string, string>>;

/** The value for one container: its `<key>.<name>` override if present, else the pod-wide key. */
export function annotationFor(
  annotations: Annotations,
  key: AnnotationKey,
  containerName: string,
): { readonly value: string; readonly source: string } | null {
  const specific = `${ANNOTATION_PREFIX}${key}.${containerName}`;
  const own = annotations[specific];
  if (typeof own === "string") return { value: own, source: specific };
  const podWide = `${ANNOTATION_PREFIX}${key}`;
  const shared = annotations[podWide];
  return typeof shared === "string" ? { value: shared, source: podWide } : null;
}

export function podAnnotation(annotations: Annotations, key: AnnotationKey): string | null {
  const value = annotations[`${ANNOTATION_PREFIX}${key}`];
  return typeof value === "string" ? value : null;
}

/** A comma-separated list of container names; blanks are dropped. */
export function parseNameList(value: string): string[] {
  return value
    .split(",")
    .map(name => name.trim())
    .filter(name => name !== "");
}

/** Warnings for `podinit.dev/*` annotations that nothing reads, so typos don't go unnoticed. */
export function unknownAnnotationWarnings(
  annotations: Annotations,
  containerNames: ReadonlySet<string>,
): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(annotations)) {
    if (!name.startsWith(ANNOTATION_PREFIX) || name === STATUS_ANNOTATION) continue;
    const rest = name.slice(ANNOTATION_PREFIX.length);
    const dot = rest.indexOf(".");
    const key = dot === -1 ? rest : rest.slice(0, dot);
    if (!KNOWN_KEYS.has(key)) {
      warnings.push(`annotation ${name} is not a podinit setting and is ignored`);
    } else if (dot !== -1 && POD_ONLY_KEYS.has(key)) {
      warnings.push(`annotation ${name}: ${ANNOTATION_PREFIX}${key} applies to the whole pod only`);
    } else if (dot !== -1 && !containerNames.has(rest.slice(dot + 1))) {
      warnings.push(`annotation ${name} names no container of this pod and is ignored`);
    }
  }
  return warnings;
}
