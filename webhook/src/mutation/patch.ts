// JSON Patch from an original and a copy-on-write mutation of it, diffing only what changed.

import type { Operation } from "fast-json-patch";

/** RFC 6901: `~` and `/` in a key are written `~0` and `~1` (`podinit.dev/status` → `podinit.dev~1status`). */
export function escapePointerToken(token: string): string {
  if (!token.includes("~") && !token.includes("/")) return token;
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * The operations that turn `original` into `mutated`. Subtrees the two share by identity are
 * skipped without being read, so the cost follows the size of the change, not of the pod; that
 * relies on the mutation copying only what it changes. Arrays that gained elements at the front or
 * the end (an init container prepended, a volume appended) become `add` operations at those
 * indexes instead of a cascade of element rewrites.
 */
export function diffPod(original: unknown, mutated: unknown): Operation[] {
  const operations: Operation[] = [];
  diffValue(original, mutated, "", operations);
  return operations;
}

function diffValue(before: unknown, after: unknown, path: string, out: Operation[]): void {
  if (before === after) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    diffObject(before, after, path, out);
  } else if (Array.isArray(before) && Array.isArray(after)) {
    diffArray(before, after, path, out);
  } else if (!isScalar(before) || !isScalar(after) || !Object.is(before, after)) {
    out.push({ op: "replace", path, value: after });
  }
}

function diffObject(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
  path: string,
  out: Operation[],
): void {
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key))
      out.push({ op: "remove", path: `${path}/${escapePointerToken(key)}` });
  }
  for (const key of Object.keys(after)) {
    const value = after[key];
    if (!Object.hasOwn(before, key)) {
      out.push({ op: "add", path: `${path}/${escapePointerToken(key)}`, value });
    } else if (before[key] !== value) {
      diffValue(before[key], value, `${path}/${escapePointerToken(key)}`, out);
    }
  }
}

function diffArray(
  before: readonly unknown[],
  after: readonly unknown[],
  path: string,
  out: Operation[],
): void {
  const grown = after.length - before.length;
  if (grown >= 0 && aligned(before, after, grown)) {
    for (let i = 0; i < grown; i++) out.push({ op: "add", path: `${path}/${i}`, value: after[i] });
    before.forEach((item, i) => diffValue(item, after[i + grown], `${path}/${i + grown}`, out));
  } else if (grown >= 0 && aligned(before, after, 0)) {
    before.forEach((item, i) => diffValue(item, after[i], `${path}/${i}`, out));
    for (let i = before.length; i < after.length; i++) {
      out.push({ op: "add", path: `${path}/${i}`, value: after[i] });
    }
  } else {
    out.push({ op: "replace", path, value: after });
  }
}

/** Whether each element of `before` reappears in `after`, shifted by `offset`, as the same item. */
function aligned(before: readonly unknown[], after: readonly unknown[], offset: number): boolean {
  return before.every((item, i) => sameItem(item, after[i + offset]));
}

/** The same object, an edited copy of it (same `name`, as Kubernetes lists are keyed), or an equal scalar. */
function sameItem(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isPlainObject(a) && isPlainObject(b)) {
    return typeof a["name"] === "string" && a["name"] === b["name"];
  }
  return false;
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== "object";
}
