// Reads a Namespace's `podinit.dev/mode`: the mode for every pod created in it that names none itself.

import { ANNOTATION_PREFIX } from "../mutation/annotations.js";
import { isJsonObject } from "../mutation/pod-types.js";
import { INJECTION_MODES, type InjectionMode } from "../mutation/settings.js";

export const MODE_ANNOTATION = `${ANNOTATION_PREFIX}mode`;

export interface NamespaceMode {
  readonly name: string;
  /** null: no override (unset, `auto`, or not a mode). */
  readonly mode: InjectionMode | null;
  /** The value when it is not a mode, for a warning; else null. */
  readonly invalid: string | null;
}

/** A Namespace object (watch JSON or the client's list object), or null for anything else. */
export function readNamespaceMode(object: unknown): NamespaceMode | null {
  if (!isJsonObject(object)) return null;
  const metadata = object["metadata"];
  if (!isJsonObject(metadata) || typeof metadata["name"] !== "string") return null;
  const annotations = metadata["annotations"];
  const raw = isJsonObject(annotations) ? annotations[MODE_ANNOTATION] : undefined;
  const value = typeof raw === "string" ? raw.trim() : "";
  const mode = INJECTION_MODES.find(m => m === value) ?? null;
  const invalid = mode === null && value !== "" && value !== "auto" ? value : null;
  return { name: metadata["name"], mode, invalid };
}
