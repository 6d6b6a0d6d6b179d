// podinit's part of a wrapped command, `[binary, flags…, "--"]`, remembered per distinct input.

import { formatArgs } from "#options/options.js";
import { BoundedLru } from "../bounded-caches.js";
import type { Annotations } from "./annotations.js";
import { containerOptions } from "./container-options.js";
import { binaryPath, type MutationSettings } from "./settings.js";

export interface CommandPrefix {
  readonly prefix: readonly string[];
  /** The admission warnings the container's podinit.dev annotations earned. */
  readonly warnings: readonly string[];
}

/** The annotations containerOptions reads; nothing else changes a container's prefix. */
const OPTION_KEYS = ["grace-period", "stop-signal", "stop-delay", "remap-exit"] as const;

/**
 * Pods of one workload ask for the same prefix over and over, and building it (parsing the
 * annotations with podinit's own parser, formatting the flags) costs more than the rest of a
 * container's mutation. Bounded, since annotation values come from users.
 */
const MAX_ENTRIES = 512;
const CACHES = new WeakMap<MutationSettings, BoundedLru<string, CommandPrefix>>();

export function commandPrefix(
  annotations: Annotations,
  containerName: string,
  terminationMs: number,
  settings: MutationSettings,
): CommandPrefix {
  let cache = CACHES.get(settings);
  if (cache === undefined) CACHES.set(settings, (cache = new BoundedLru(MAX_ENTRIES)));
  const key = cacheKey(annotations, containerName, terminationMs);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const built = containerOptions(annotations, containerName, terminationMs, settings.graceMarginMs);
  const entry: CommandPrefix = Object.freeze({
    prefix: Object.freeze([binaryPath(settings), ...formatArgs(built.options), "--"]),
    warnings: Object.freeze([...built.warnings]),
  });
  cache.set(key, entry);
  return entry;
}

/**
 * Every input of containerOptions, each value length-prefixed: users write these strings, and two
 * different inputs must never share a key, or one pod could choose another pod's flags.
 */
function cacheKey(annotations: Annotations, containerName: string, terminationMs: number): string {
  const own = annotations.byContainer.get(containerName);
  let key = `${terminationMs}:${containerName.length}:${containerName}`;
  for (const option of OPTION_KEYS) {
    const mine = own?.get(option);
    const value = mine ?? annotations.podWide.get(option);
    if (value === undefined) key += "|-";
    else key += `|${mine === undefined ? "p" : "c"}${value.length}:${value}`;
  }
  return key;
}
