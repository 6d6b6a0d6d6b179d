// Parses the kinds of value the webhook's settings share: a size in bytes, a duration within bounds.

import { parseDuration } from "../../init/src/duration.js";

const UNITS: Readonly<Record<string, number>> = { "": 1, Ki: 1024, Mi: 1024 ** 2 };

/** `3Mi` → 3145728; null for anything else (no fractions, no other suffixes). */
export function parseByteSize(text: string): number | null {
  const match = /^([0-9]+)(Ki|Mi)?$/.exec(text.trim());
  if (match === null) return null;
  return Number(match[1]) * (UNITS[match[2] ?? ""] ?? NaN);
}

/** A duration (`3s`, `500ms`) of more than zero and at most `maxMs`, in ms; null otherwise. */
export function parsePositiveDuration(text: string, maxMs: number): number | null {
  const ms = parseDuration(text);
  return ms === null || ms <= 0 || ms > maxMs ? null : ms;
}
