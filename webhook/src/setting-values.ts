// Parses the kinds of value the webhook's settings share: sizes, whole numbers, addresses, paths, lists.

import { isIP } from "node:net";
import { splitList, type Parsed } from "#options/option-table.js";

type Parse<T> = (text: string) => Parsed<T>;

const UNITS: Readonly<Record<string, number>> = { "": 1, Ki: 1024, Mi: 1024 ** 2 };

/** `3Mi` → 3145728; null for anything else (no fractions, no other suffixes). */
export function parseByteSize(text: string): number | null {
  const match = /^([0-9]+)(Ki|Mi)?$/.exec(text.trim());
  if (match === null) return null;
  return Number(match[1]) * (UNITS[match[2] ?? ""] ?? NaN);
}

/** 8388608 → `8Mi`, 65536 → `64Ki`: a bound as the user would type it. */
function formatByteSize(bytes: number): string {
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}Mi`;
  return bytes % 1024 === 0 ? `${bytes / 1024}Ki` : String(bytes);
}

/** A size in bytes from `min` to `max`. */
export function byteSize(min: number, max: number): Parse<number> {
  return text => {
    const bytes = parseByteSize(text);
    return bytes !== null && bytes >= min && bytes <= max
      ? { value: bytes }
      : `'${text}' is not a size from ${formatByteSize(min)} to ${formatByteSize(max)}`;
  };
}

/** A whole number from `min` to `max`, written in digits only. */
export function integer(min: number, max: number): Parse<number> {
  return text => {
    const n = Number(text);
    if (!/^[0-9]+$/.test(text.trim()) || n < min || n > max) {
      return `'${text}' is not a whole number from ${min} to ${max}`;
    }
    return { value: n };
  };
}

/**
 * An address, not a name: Fastify listens on every address a name resolves to with a server of its
 * own, and the connection bounds and the drain would hold on the first one only.
 */
export function ipAddress(text: string): Parsed<string> {
  return isIP(text.trim()) === 0
    ? `'${text}' is not an IP address (0.0.0.0, ::, 127.0.0.1, …); a name such as localhost may stand for several`
    : { value: text.trim() };
}

export function oneWord(text: string): Parsed<string> {
  return text.trim() === "" || /\s/.test(text.trim())
    ? `'${text}' must be one word, not empty`
    : { value: text.trim() };
}

export function absolutePath(text: string): Parsed<string> {
  const path = text.trim().replace(/\/+$/, "");
  return path.startsWith("/") && path !== "" && !path.includes("..")
    ? { value: path }
    : `'${text}' is not an absolute path other than /`;
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|k|M|G)?$/;

/** A Kubernetes quantity, as written in a pod (8Mi, 1.5G). */
export function quantity(text: string): Parsed<string> {
  return QUANTITY.test(text.trim())
    ? { value: text.trim() }
    : `'${text}' is not a quantity like 8Mi`;
}

/** A comma-separated list; never wrong. */
export function list(text: string): Parsed<readonly string[]> {
  return { value: Object.freeze(splitList(text)) };
}

/** Any text, as given. */
export function verbatim(text: string): Parsed<string> {
  return { value: text };
}
