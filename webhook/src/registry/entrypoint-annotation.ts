// Reads `podinit.dev/entrypoint.<container>`: an explicit ENTRYPOINT (and CMD) that wins over the registry.

import type { ImageEntrypoint } from "../mutation/entrypoint.js";
import { lookupFailure, type LookupFailure } from "./lookup-failure.js";

export const ENTRYPOINT_ANNOTATION_PREFIX = "podinit.dev/entrypoint.";

function words(value: unknown): readonly string[] | null {
  return Array.isArray(value) && value.every(v => typeof v === "string") ? value : null;
}

/**
 * `["/bin/app", "--serve"]` is the image's ENTRYPOINT (its CMD taken as empty);
 * `{"entrypoint": [...], "cmd": [...]}` gives both. Null when the annotation is absent. Like image
 * strings, these are escaped for `$(VAR)` when they go into the spec: they describe the image.
 */
export function entrypointFromAnnotation(
  annotations: Readonly<Record<string, string>> | undefined,
  container: string,
): ImageEntrypoint | LookupFailure | null {
  const key = ENTRYPOINT_ANNOTATION_PREFIX + container;
  const text = annotations?.[key];
  if (text === undefined) return null;
  const bad = lookupFailure(
    "ERR_ENTRYPOINT_ANNOTATION_INVALID",
    `${key} must be a JSON array of strings or {"entrypoint": [...], "cmd": [...]}`,
  );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad;
  }
  const list = words(value);
  if (list !== null) return list.length > 0 ? { entrypoint: list, cmd: [] } : bad;
  if (typeof value !== "object" || value === null) return bad;
  const entry = value as Record<string, unknown>;
  const entrypoint = entry["entrypoint"] === undefined ? [] : words(entry["entrypoint"]);
  const cmd = entry["cmd"] === undefined ? [] : words(entry["cmd"]);
  if (entrypoint === null || cmd === null || entrypoint.length + cmd.length === 0) return bad;
  return { entrypoint, cmd };
}
