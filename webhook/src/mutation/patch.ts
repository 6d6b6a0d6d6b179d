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

/** JSON text of frozen values that go into every patch (the install container and volume). */
const SERIALIZED = new WeakMap<object, string>();

/** Remembers the JSON of a value that never changes, for patchJson. */
export function serializeOnce<T extends object>(value: Readonly<T>): Readonly<T> {
  SERIALIZED.set(value, JSON.stringify(value));
  return value;
}

/**
 * The same text as JSON.stringify(patch), for operations written as `{ op, path, value }`; values
 * remembered by serializeOnce are put in as they are rather than serialised for every review.
 */
export function patchJson(patch: readonly Operation[]): string {
  let json = "[";
  for (let i = 0; i < patch.length; i++) {
    const operation = patch[i] as Operation;
    const value: unknown = (operation as { value?: unknown }).value;
    const known = typeof value === "object" && value !== null ? SERIALIZED.get(value) : undefined;
    if (i > 0) json += ",";
    json +=
      known === undefined
        ? JSON.stringify(operation)
        : `{"op":${JSON.stringify(operation.op)},"path":${JSON.stringify(operation.path)},"value":${known}}`;
  }
  return `${json}]`;
}
