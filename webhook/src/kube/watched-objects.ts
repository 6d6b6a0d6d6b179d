// One list-and-watch of a kind of object, restarted after errors: LimitRanges, Nodes, node probes and Namespaces all use it.

import type { CoreV1Api, KubeConfig, VersionApi } from "@kubernetes/client-node";

/** The client, loaded once per process: it costs about 70 MB and half a second. */
export interface KubeClient {
  readonly k8s: typeof import("@kubernetes/client-node");
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly version: VersionApi;
}

let inCluster: Promise<KubeClient> | undefined;

/** The client with the pod's service account; `config` (tests, tools) replaces it. */
export function kubeClient(config?: KubeConfig): Promise<KubeClient> {
  const load = (): Promise<KubeClient> =>
    import("@kubernetes/client-node").then(k8s => {
      const kubeConfig = config ?? new k8s.KubeConfig();
      if (config === undefined) kubeConfig.loadFromCluster();
      return {
        k8s,
        config: kubeConfig,
        core: kubeConfig.makeApiClient(k8s.CoreV1Api),
        version: kubeConfig.makeApiClient(k8s.VersionApi),
      };
    });
  if (config !== undefined) return load();
  return (inCluster ??= load());
}

export type WatchEvent =
  | { readonly kind: "listed"; readonly what: string; readonly count: number }
  | {
      readonly kind: "error";
      readonly what: string;
      readonly message: string;
      readonly retryInMs: number;
    };

export interface WatchSpec {
  /** What is watched, in the words of a log line: "limit ranges", "nodes". */
  readonly what: string;
  /** The watch's path: /api/v1/nodes, /api/v1/namespaces/NS/pods. */
  readonly path: string;
  readonly labelSelector?: string;
  list(client: KubeClient): Promise<{ readonly items: readonly unknown[] }>;
  /** Every object as it is added or changed (present) or deleted. */
  put(object: unknown, present: boolean): void;
  /** Once the first list's objects were all put, then after each later batch of changes. */
  changed?(): void;
}

/**
 * What the webhook keeps from a list-and-watch: it answers from the start (from what it assumes
 * until it knows), and the webhook turns ready once every source is.
 */
export interface WatchedSource {
  /** Settles once the source answers from what the cluster said; never rejects. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

const RETRY_MS = 5000;

/**
 * Lists then watches. The informer does not restart itself after an error, so a broken watch
 * keeps what it knew and starts over (a new list) after a pause.
 */
export function watchObjects(
  spec: WatchSpec,
  onEvent: (event: WatchEvent) => void,
  config?: KubeConfig,
): WatchedSource {
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let informer: { start(): Promise<void>; stop(): Promise<void> } | undefined;
  let markListed = (): void => undefined;
  const listed = new Promise<void>(resolve => (markListed = resolve));
  let listArrived = false;
  let firstListed = false;
  let flushing: NodeJS.Immediate | undefined;
  const what = spec.what;

  // Changes are told once per batch, after the turn that applied them: a list of 5,000 nodes is
  // one recomputation, and the informer adds a list's objects only after our list callback ran.
  const flush = (): void => {
    flushing = undefined;
    if (!listArrived) return;
    if (!firstListed) {
      firstListed = true;
      markListed();
    }
    spec.changed?.();
  };
  const schedule = (): void => {
    flushing ??= setImmediate(flush);
  };

  const started = kubeClient(config).then(client => {
    const { k8s } = client;
    const watched = k8s.makeInformer(
      client.config,
      spec.path,
      () =>
        spec.list(client).then(list => {
          if (!listArrived) onEvent({ kind: "listed", what, count: list.items.length });
          listArrived = true;
          schedule();
          return list as never;
        }),
      spec.labelSelector,
    );
    const put = (present: boolean) => (object: unknown) => {
      spec.put(object, present);
      schedule();
    };
    watched.on(k8s.ADD, put(true));
    watched.on(k8s.UPDATE, put(true));
    watched.on(k8s.DELETE, put(false));
    watched.on(k8s.ERROR, (error?: unknown) => {
      onEvent({ kind: "error", what, message: describe(error), retryInMs: RETRY_MS });
      if (!stopped) retry = setTimeout(() => void watched.start(), RETRY_MS);
    });
    informer = watched;
    return watched.start();
  });
  started.catch((error: unknown) =>
    onEvent({ kind: "error", what, message: describe(error), retryInMs: 0 }),
  );

  return {
    // The first list's objects were all put.
    ready: listed,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      if (flushing !== undefined) clearImmediate(flushing);
      await informer?.stop();
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : (JSON.stringify(error) ?? "unknown error");
}
