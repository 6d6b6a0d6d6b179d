// Keeps every namespace's LimitRanges in memory from a list-and-watch, so a review reads a Map, never the API.

import type { KubeConfig } from "@kubernetes/client-node";
import {
  NO_LIMIT_RANGES,
  type LimitRangeItem,
  type NamespaceLimitRange,
  type NamespaceLimits,
} from "../mutation/limit-ranges.js";
import { isJsonObject } from "../mutation/pod-types.js";

export interface LimitRangeSource {
  /** The namespace's LimitRanges; "unknown" until the first list has arrived. */
  limitsOf(namespace: string): NamespaceLimits;
  /** Settles once the first list has arrived; never rejects. */
  readonly listed: Promise<void>;
  stop(): Promise<void>;
}

export type LimitRangeEvent =
  | { readonly kind: "listed"; readonly count: number }
  | { readonly kind: "error"; readonly message: string; readonly retryInMs: number };

/** Outside a cluster nothing can be watched: every namespace counts as having none. */
export const UNWATCHED_LIMIT_RANGES: LimitRangeSource = Object.freeze({
  limitsOf: () => NO_LIMIT_RANGES,
  listed: Promise.resolve(),
  stop: () => Promise.resolve(),
});

const RETRY_MS = 5000;

/**
 * Lists and watches LimitRanges in all namespaces (RBAC: list and watch on limitranges). The
 * client is loaded here, once: it costs about 70 MB and half a second. A broken watch keeps what
 * it knew and starts over after a pause; the informer itself does not restart after an error.
 */
export function watchLimitRanges(
  onEvent: (event: LimitRangeEvent) => void,
  config?: KubeConfig,
): LimitRangeSource {
  const byNamespace = new Map<string, Map<string, NamespaceLimitRange>>();
  const views = new Map<string, NamespaceLimits>();
  let listed = false;
  let markListed = (): void => undefined;
  const listedOnce = new Promise<void>(resolve => (markListed = resolve));
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let informer: { start(): Promise<void>; stop(): Promise<void> } | undefined;

  const put = (object: unknown, present: boolean): void => {
    const found = readLimitRange(object);
    if (found === null) return;
    let own = byNamespace.get(found.namespace);
    if (own === undefined)
      byNamespace.set(found.namespace, (own = new Map<string, NamespaceLimitRange>()));
    if (present) own.set(found.range.name, found.range);
    else own.delete(found.range.name);
    views.delete(found.namespace);
  };

  const started = import("@kubernetes/client-node").then(k8s => {
    const kubeConfig = config ?? new k8s.KubeConfig();
    if (config === undefined) kubeConfig.loadFromCluster();
    const api = kubeConfig.makeApiClient(k8s.CoreV1Api);
    const watched = k8s.makeInformer(kubeConfig, "/api/v1/limitranges", () =>
      api.listLimitRangeForAllNamespaces().then(list => {
        // Runs before the informer adds the items, in the same turn: no review sees half a list.
        if (!listed) onEvent({ kind: "listed", count: list.items.length });
        listed = true;
        markListed();
        return list;
      }),
    );
    watched.on(k8s.ADD, object => put(object, true));
    watched.on(k8s.UPDATE, object => put(object, true));
    watched.on(k8s.DELETE, object => put(object, false));
    watched.on(k8s.ERROR, (error?: unknown) => {
      onEvent({ kind: "error", message: describe(error), retryInMs: RETRY_MS });
      if (!stopped) retry = setTimeout(() => void watched.start(), RETRY_MS);
    });
    informer = watched;
    return watched.start();
  });
  started.catch((error: unknown) =>
    onEvent({ kind: "error", message: describe(error), retryInMs: 0 }),
  );

  return {
    listed: listedOnce,
    limitsOf(namespace) {
      if (!listed) return "unknown";
      let view = views.get(namespace);
      if (view === undefined) {
        view = Object.freeze([...(byNamespace.get(namespace)?.values() ?? [])]);
        views.set(namespace, view);
      }
      return view;
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await informer?.stop();
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : (JSON.stringify(error) ?? "unknown error");
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
