// JSON Patch operations for the edits the mutation makes, written down as it makes them.

import type { Operation } from "fast-json-patch";

/** RFC 6901: `~` and `/` in a key are written `~0` and `~1` (`podinit.dev/status` → `podinit.dev~1status`). */
export function escapePointerToken(token: string): string {
  if (!token.includes("~") && !token.includes("/")) return token;
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** `replace` needs the member to exist; `add` on an existing one would do, but reads as new. */
export function setMember(
  parent: object | undefined,
  parentPath: string,
  key: string,
  value: unknown,
): Operation {
  const path = `${parentPath}/${escapePointerToken(key)}`;
  return parent !== undefined && Object.hasOwn(parent, key)
    ? { op: "replace", path, value }
    : { op: "add", path, value };
}

/** Puts `item` after the last element of the array at `path`, or adds `[item]` where there is none. */
export function appendOperation(
  path: string,
  array: readonly unknown[] | undefined,
  item: unknown,
): Operation {
  return array === undefined
    ? { op: "add", path, value: [item] }
    : { op: "add", path: `${path}/${array.length}`, value: item };
}

/**
 * Appends to `out` what turns `before` into `after`, a copy of it with a few members edited.
 * Members are compared by identity only, so `after` must share every member it did not change.
 * A changed member is set whole, except an array that only grew at its end, whose new items
 * are added one by one: a patch that reads as what happened, and that composes with other
 * webhooks' edits of the same list.
 */
export function editOperations(
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
    const old = before[key];
    if (old === value && Object.hasOwn(before, key)) continue;
    if (Array.isArray(old) && Array.isArray(value) && grewAtEnd(old, value)) {
      const arrayPath = `${path}/${escapePointerToken(key)}`;
      const items = value as readonly unknown[];
      for (let i = old.length; i < items.length; i++) {
        out.push({ op: "add", path: `${arrayPath}/${i}`, value: items[i] });
      }
    } else {
      out.push(setMember(before, path, key, value));
    }
  }
}

function grewAtEnd(before: readonly unknown[], after: readonly unknown[]): boolean {
  return after.length > before.length && before.every((item, i) => item === after[i]);
}
