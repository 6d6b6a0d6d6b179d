// Parses `os/architecture[/variant]` and decides which index entry a platform accepts.

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant: string | null;
}

const PART = /^[a-z0-9_.-]+$/;

/** `linux/amd64`, `linux/arm64/v8`; null for anything else. */
export function parsePlatform(text: string): Platform | null {
  const parts = text.trim().split("/");
  if (parts.length < 2 || parts.length > 3 || !parts.every(p => PART.test(p))) return null;
  const [os = "", architecture = "", variant] = parts;
  return { os, architecture, variant: variant ?? null };
}

export function formatPlatform(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant === null ? base : `${base}/${platform.variant}`;
}

/**
 * The architectures Kubernetes releases Linux nodes for: besides the webhook's own platform, the
 * ones a pod of a mixed cluster may land on, and so the only other index entries worth reading.
 */
export const NODE_ARCHITECTURES: ReadonlySet<string> = new Set([
  "amd64",
  "arm64",
  "arm",
  "ppc64le",
  "s390x",
]);

/** Variants the runtimes assume when an index entry leaves the variant out. */
const DEFAULT_VARIANT: Readonly<Record<string, string>> = { arm64: "v8", arm: "v7" };

function normalisedVariant(
  architecture: string,
  variant: string | null | undefined,
): string | null {
  return variant ?? DEFAULT_VARIANT[architecture] ?? null;
}

/** The platform a node of `architecture` pulls: the runtimes' default variant (arm → v7). */
export function nodePlatform(os: string, architecture: string): Platform {
  return { os, architecture, variant: DEFAULT_VARIANT[architecture] ?? null };
}

/** An entry matches when os and architecture agree and, if the wanted platform has a variant, so does it. */
export function platformMatches(
  wanted: Platform,
  entry: { readonly os: string; readonly architecture: string; readonly variant?: string | null },
): boolean {
  if (entry.os !== wanted.os || entry.architecture !== wanted.architecture) return false;
  if (wanted.variant === null) return true;
  return (
    normalisedVariant(entry.architecture, entry.variant) ===
    normalisedVariant(wanted.architecture, wanted.variant)
  );
}
