// Parses and formats the durations podinit accepts ("25s", "1500ms", "1m30s").

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest duration accepted: a day is far beyond any sensible grace period. */
export const MAX_DURATION_MS = 86_400_000;

/**
 * Parses a duration into whole milliseconds. A bare number means seconds, as in Kubernetes'
 * terminationGracePeriodSeconds. Returns null for anything malformed, negative or over a day.
 */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (/^[0-9]+$/.test(trimmed)) return checkRange(Number(trimmed) * 1000);
  if (!/^(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h))+$/.test(trimmed)) return null;
  let total = 0;
  for (const part of trimmed.matchAll(/([0-9]+)(?:\.([0-9]+))?(ms|s|m|h)/g)) {
    const unit = UNIT_MS[part[3] ?? ""];
    if (unit === undefined) return null;
    // In whole numbers: 1.001 * 1000 in floating point is 1000.9999999999999, not 1001 ms.
    const fraction = part[2] ?? "";
    const scaled = Number(`${part[1] ?? ""}${fraction}`) * unit;
    const divisor = 10 ** fraction.length;
    if (!Number.isSafeInteger(scaled) || scaled % divisor !== 0) return null;
    total += scaled / divisor;
  }
  return checkRange(total);
}

function checkRange(ms: number): number | null {
  return Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_DURATION_MS ? ms : null;
}

/** The shortest canonical text for a duration in milliseconds: 25000 → "25s", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
