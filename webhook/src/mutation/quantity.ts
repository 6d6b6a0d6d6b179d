// Kubernetes resource quantities ("100m", "64Mi", "1.5", "2e3") as exact values, compared and summed.

import { BoundedLru } from "../registry/lookup-cache.js";

/**
 * A quantity in nano units (10^-9), the finest scale Kubernetes keeps: "100m" is 10^8 and "1Ki" is
 * 1024 × 10^9. Finer fractions round up, as Kubernetes rounds them.
 */
export type Nanos = bigint;

const DECIMAL_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_POWER: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};

const GRAMMAR =
  /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:([eE][+-]?[0-9]{1,3})|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?))$/;

/**
 * Pods of a cluster repeat a handful of quantities ("100m", "512Mi") in every review: each is
 * parsed once. Bounded, since the texts come from users.
 */
const PARSED = new BoundedLru<string, Nanos | null>(256);

/** The quantity's value, or null when the text is not a quantity Kubernetes would accept. */
export function parseQuantity(text: string): Nanos | null {
  const known = PARSED.get(text);
  if (known !== undefined) return known;
  const value = text.length > 64 ? null : parseUncached(text);
  PARSED.set(text, value);
  return value;
}

function parseUncached(text: string): Nanos | null {
  const match = GRAMMAR.exec(text);
  if (match === null) return null;
  const [, sign = "", whole = "", fraction = "", exponent, binary, decimal] = match;
  if (whole === "" && fraction === "") return null;
  const digits = BigInt(`${whole}${fraction}` || "0");
  let power10 = 9 - fraction.length;
  let power2 = 0;
  if (exponent !== undefined) power10 += Number(exponent.slice(1));
  else if (binary !== undefined) power2 = BINARY_POWER[binary] ?? 0;
  else power10 += DECIMAL_EXPONENT[decimal ?? ""] ?? 0;
  let value = digits * 2n ** BigInt(power2);
  if (power10 >= 0) value *= 10n ** BigInt(power10);
  else {
    const divisor = 10n ** BigInt(-power10);
    value = (value + divisor - 1n) / divisor;
  }
  return sign === "-" ? -value : value;
}

/** The shortest text Kubernetes reads back as `nanos`: "100m", "16Mi", "2" or "1500n". */
export function formatQuantity(nanos: Nanos, binary: boolean): string {
  const mebi = 1_048_576n * 1_000_000_000n;
  if (binary && nanos % mebi === 0n) return `${nanos / mebi}Mi`;
  if (nanos % 1_000_000_000n === 0n) return `${nanos / 1_000_000_000n}`;
  if (nanos % 1_000_000n === 0n) return `${nanos / 1_000_000n}m`;
  return `${nanos}n`;
}
