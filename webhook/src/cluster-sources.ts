// What the webhook watches in its cluster (LimitRanges, modes), and what it logs and counts of it.

import type { Logger } from "pino";
import type { Config } from "./config.js";
import {
  UNWATCHED_LIMIT_RANGES,
  watchLimitRanges,
  type LimitRangeSource,
} from "./kube/limit-range-watch.js";
import { fixedModes, watchModes, type ModeEvent, type ModeSource } from "./kube/mode-watch.js";
import type { WatchEvent } from "./kube/watched-objects.js";
import type { WebhookMetrics } from "./metrics.js";
import type { ConfiguredMode, InjectionMode } from "./mutation/settings.js";

export const OUTSIDE_CLUSTER =
  "outside a cluster (KUBERNETES_SERVICE_HOST is unset) nothing is watched: namespaces count as having no LimitRanges and no podinit.dev/mode, and auto means initContainer";

/**
 * In a cluster, the LimitRanges of every namespace from a watch; outside one, none. Watched in
 * every mode: a pod or namespace may ask for the init container, and an API server before 1.35
 * gets one whatever the chart says.
 */
export function limitRangeSource(inCluster: boolean, logger: Logger): LimitRangeSource {
  return inCluster ? watchLimitRanges(event => logWatch(logger, event)) : UNWATCHED_LIMIT_RANGES;
}

/**
 * In a cluster, modes follow the API server, the namespaces and (auto) the nodes; outside one,
 * the configured mode. auto shows its mode on the gauge once it has chosen; a fixed mode at once.
 */
export function modeSource(
  inCluster: boolean,
  config: Config,
  metrics: WebhookMetrics,
  logger: Logger,
): ModeSource {
  if (!inCluster || config.injectionMode !== "auto")
    showMode(metrics, config.mutation.injectionMode, config.injectionMode);
  if (!inCluster) return fixedModes(config.mutation);
  return watchModes({
    base: config.mutation,
    configured: config.injectionMode,
    probes: config.nodeProbes,
    onEvent: event => onModeEvent(logger, metrics, event),
  });
}

function logWatch(logger: Logger, event: WatchEvent): void {
  if (event.kind === "listed") logger.info({ what: event.what, count: event.count }, "listed");
  else
    logger.warn(
      { what: event.what, reason: event.message, retryInMs: event.retryInMs },
      "watch failed",
    );
}

function onModeEvent(logger: Logger, metrics: WebhookMetrics, event: ModeEvent): void {
  switch (event.kind) {
    case "chosen": {
      const { mode, reason, detail } = event.choice;
      logger.info({ mode, reason, detail }, "injection mode chosen");
      metrics.modeChanges.inc({ mode });
      showMode(metrics, mode, "auto");
      return;
    }
    case "server-version":
      logger.info({ version: event.version.text }, "API server version");
      return;
    case "server-version-failed":
      logger.warn(
        { reason: event.message, retryInMs: event.retryInMs },
        "cannot read the API server's version; image volumes count as unknown",
      );
      return;
    case "namespace-mode-invalid":
      logger.warn(
        { namespace: event.namespace, value: event.value },
        "namespace annotation podinit.dev/mode is not initContainer, imageVolume or auto; ignored",
      );
      return;
    default:
      logWatch(logger, event);
  }
}

/** The mode gauge: 1 for the mode pods get by default, 0 for the other. */
function showMode(metrics: WebhookMetrics, mode: InjectionMode, configured: ConfiguredMode): void {
  for (const each of ["initContainer", "imageVolume"] as const)
    metrics.injectionMode.set({ mode: each, configured }, each === mode ? 1 : 0);
}
