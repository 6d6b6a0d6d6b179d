// Parses a size in bytes as the settings write it: a whole number with an optional Ki or Mi suffix.

const UNITS: Readonly<Record<string, number>> = { "": 1, Ki: 1024, Mi: 1024 ** 2 };

/** `3Mi` → 3145728; null for anything else (no fractions, no other suffixes). */
export function parseByteSize(text: string): number | null {
  const match = /^([0-9]+)(Ki|Mi)?$/.exec(text.trim());
  if (match === null) return null;
  return Number(match[1]) * (UNITS[match[2] ?? ""] ?? NaN);
}
