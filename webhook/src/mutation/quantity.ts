// Kubernetes resource quantities ("100m", "64Mi", "1.5", "2e3") as exact values, compared and summed.

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
  /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?))$/;

/** Kubernetes caps quantities at 2^63-1 (of the unit); far beyond anything a container asks. */
const LARGEST: Nanos = (2n ** 63n - 1n) * 1_000_000_000n;

/**
 * Pods of a cluster repeat a handful of quantities ("100m", "512Mi") in every review: each is
 * parsed once. Bounded, since the texts come from users: once full it keeps what it has (no
 * reordering on a hit, which would churn the map on every review).
 */
const PARSED = new Map<string, Nanos | null>();
const PARSED_MAX = 256;

/** The quantity's value, or null when the text is not a quantity Kubernetes would accept. */
export function parseQuantity(text: string): Nanos | null {
  const known = PARSED.get(text);
  if (known !== undefined) return known;
  const value = parseUncached(text);
  if (text.length <= 64 && PARSED.size < PARSED_MAX) PARSED.set(text, value);
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
  const value = scaled(digits, power10, power2);
  return sign === "-" ? -value : value;
}

/**
 * digits × 10^power10 × 2^power2, rounded up to whole nanos. Exponents far out of range (the API
 * server keeps "1e0009" as written, and any number of digits) are capped, not computed.
 */
function scaled(digits: bigint, power10: number, power2: number): Nanos {
  if (digits === 0n) return 0n;
  if (power10 > 40) return LARGEST;
  if (power10 < -40) return 1n;
  const value = digits * 2n ** BigInt(power2);
  if (power10 >= 0) return value * 10n ** BigInt(power10);
  const divisor = 10n ** BigInt(-power10);
  return (value + divisor - 1n) / divisor;
}

/** A text Kubernetes reads back as `nanos`: "100m", "16Mi", "2Gi", "2" or "1500n". */
export function formatQuantity(nanos: Nanos, binary: boolean): string {
  if (binary && nanos !== 0n) {
    for (const [suffix, power] of [
      ["Gi", 30],
      ["Mi", 20],
    ] as const) {
      const unit = 2n ** BigInt(power) * 1_000_000_000n;
      if (nanos % unit === 0n) return `${nanos / unit}${suffix}`;
    }
  }
  if (nanos % 1_000_000_000n === 0n) return `${nanos / 1_000_000_000n}`;
  if (nanos % 1_000_000n === 0n) return `${nanos / 1_000_000n}m`;
  return `${nanos}n`;
}
