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
