// Keeps every namespace's LimitRanges in memory from a list-and-watch, so a review reads a Map, never the API.

import type { KubeConfig } from "@kubernetes/client-node";
import { watchObjects, type WatchedSource, type WatchEvent } from "./watched-objects.js";
import {
  NO_LIMIT_RANGES,
  type LimitRangeItem,
  type NamespaceLimitRange,
  type NamespaceLimits,
} from "../mutation/limit-ranges.js";
import { isJsonObject } from "../mutation/pod-types.js";

export interface LimitRangeSource extends WatchedSource {
  /** The namespace's LimitRanges; "unknown" until the first list has arrived. */
  limitsOf(namespace: string): NamespaceLimits;
}

/** Outside a cluster nothing can be watched: every namespace counts as having none. */
export const UNWATCHED_LIMIT_RANGES: LimitRangeSource = Object.freeze({
  limitsOf: () => NO_LIMIT_RANGES,
  ready: Promise.resolve(),
  stop: () => Promise.resolve(),
});

/** Lists and watches LimitRanges in all namespaces (RBAC: list and watch on limitranges). */
export function watchLimitRanges(
  onEvent: (event: WatchEvent) => void,
  config?: KubeConfig,
): LimitRangeSource {
  const byNamespace = new Map<string, Map<string, NamespaceLimitRange>>();
  const views = new Map<string, NamespaceLimits>();
  let listed = false;

  const watched = watchObjects(
    {
      what: "limit ranges",
      path: "/api/v1/limitranges",
      list: client => client.core.listLimitRangeForAllNamespaces(),
      put(object, present) {
        const found = readLimitRange(object);
        if (found === null) return;
        let own = byNamespace.get(found.namespace);
        if (own === undefined)
          byNamespace.set(found.namespace, (own = new Map<string, NamespaceLimitRange>()));
        if (present) own.set(found.range.name, found.range);
        else own.delete(found.range.name);
        views.delete(found.namespace);
      },
      changed: () => (listed = true),
    },
    onEvent,
    config,
  );

  return {
    ready: watched.ready,
    limitsOf(namespace) {
      if (!listed) return "unknown";
      let view = views.get(namespace);
      if (view === undefined) {
        view = Object.freeze([...(byNamespace.get(namespace)?.values() ?? [])]);
        views.set(namespace, view);
      }
      return view;
    },
    stop: () => watched.stop(),
  };
}

/**
 * A LimitRange as the API server sends it, from the watch (plain JSON) or the list (the client's
 * typed objects, where `default` is spelt `_default`); null for anything else.
 */
export function readLimitRange(
  object: unknown,
): { readonly namespace: string; readonly range: NamespaceLimitRange } | null {
  if (!isJsonObject(object)) return null;
  const metadata = object["metadata"];
  const spec = object["spec"];
  if (!isJsonObject(metadata) || !isJsonObject(spec)) return null;
  const { name, namespace } = metadata;
  if (typeof name !== "string" || typeof namespace !== "string") return null;
  const limits = Array.isArray(spec["limits"]) ? (spec["limits"] as unknown[]) : [];
  const items: LimitRangeItem[] = [];
  for (const item of limits) {
    if (!isJsonObject(item) || typeof item["type"] !== "string") continue;
    items.push({
      type: item["type"],
      ...list("min", item["min"]),
      ...list("max", item["max"]),
      ...list("default", item["default"] ?? item["_default"]),
      ...list("defaultRequest", item["defaultRequest"]),
      ...list("maxLimitRequestRatio", item["maxLimitRequestRatio"]),
    });
  }
  return { namespace, range: Object.freeze({ name, items: Object.freeze(items) }) };
}

function list(key: string, value: unknown): Record<string, Readonly<Record<string, string>>> {
  if (!isJsonObject(value)) return {};
  const quantities: Record<string, string> = {};
  for (const [name, text] of Object.entries(value)) quantities[name] = String(text);
  return { [key]: quantities };
}
