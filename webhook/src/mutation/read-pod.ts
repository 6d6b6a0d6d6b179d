// Checks that a review's object has the shape of a Pod before the mutation trusts its types.

import { isJsonObject, type Pod } from "./pod-types.js";

function isNamedList(value: unknown, optional: boolean): boolean {
  if (value === undefined) return optional;
  return (
    Array.isArray(value) &&
    value.every(item => isJsonObject(item) && typeof item["name"] === "string")
  );
}

function isStringList(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.every(v => typeof v === "string"));
}

function isStringMap(value: unknown): boolean {
  return (
    value === undefined ||
    (isJsonObject(value) && Object.values(value).every(v => typeof v === "string"))
  );
}

function isContainerList(value: unknown, optional: boolean): boolean {
  if (!isNamedList(value, optional)) return false;
  return (
    value === undefined ||
    (value as readonly Record<string, unknown>[]).every(
      c =>
        isStringList(c["command"]) &&
        isStringList(c["args"]) &&
        isNamedList(c["volumeMounts"], true),
    )
  );
}

/** The object as a Pod when the fields the mutation reads have the types it expects, else null. */
export function readPod(object: unknown): Pod | null {
  if (!isJsonObject(object)) return null;
  const metadata = object["metadata"];
  if (metadata !== undefined && !isJsonObject(metadata)) return null;
  if (metadata !== undefined && !isStringMap(metadata["annotations"])) return null;
  const spec = object["spec"];
  if (!isJsonObject(spec)) return null;
  if (!isContainerList(spec["containers"], false)) return null;
  if (!isContainerList(spec["initContainers"], true)) return null;
  if (!isNamedList(spec["volumes"], true)) return null;
  return object as Pod;
}
