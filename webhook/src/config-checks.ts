// Checks across the webhook's settings, each naming the flags or variables the texts came from.

import { formatDuration } from "#options/duration.js";
import type { OptionSpec, Reading } from "#options/option-table.js";
import { SETTINGS } from "./config-table.js";
import { parseInstallerResources } from "./mutation/installer-fit.js";
import type { InstallerResources } from "./mutation/settings.js";

type Read = Reading<typeof SETTINGS>;

/** auto watches the node probes, so it must know their namespace. */
export function nodeProbesProblems(read: Read): string[] {
  const mode = read.setting(SETTINGS.injectionMode);
  const namespace = read.setting(SETTINGS.nodeProbes.namespace);
  if (mode.value !== "auto" || namespace.value !== "") return [];
  return [
    `${namespace.name} is required with ${mode.name}=auto: the namespace whose node probes prove image volumes (the chart sets it)`,
  ];
}

/** Settings that bound one another: each `within` may not exceed its `bound`. */
const NESTED_BOUNDS: readonly {
  readonly within: OptionSpec<number>;
  readonly bound: OptionSpec<number>;
  readonly text: (value: number) => string;
  readonly why: string;
}[] = [
  // Node refuses a headers timeout above the request timeout.
  {
    within: SETTINGS.connections.headersTimeoutMs,
    bound: SETTINGS.connections.requestTimeoutMs,
    text: formatDuration,
    why: "the headers are part of the request",
  },
  {
    within: SETTINGS.bodyLimitBytes,
    bound: SETTINGS.bodyBudgetBytes,
    text: bytes => `${bytes} bytes`,
    why: "a review as large as the limit could never be received",
  },
];

export function boundsProblems(read: Read): string[] {
  return NESTED_BOUNDS.flatMap(({ within, bound, text, why }) => {
    const inner = read.setting(within);
    const outer = read.setting(bound);
    if (inner.value === undefined || outer.value === undefined || inner.value <= outer.value)
      return [];
    return [
      `${inner.name} (${text(inner.value)}) is above ${outer.name} (${text(outer.value)}): ${why}`,
    ];
  });
}

/**
 * Requests and limits are checked together: a request above its limit is wrong in neither alone.
 * The problem when they are wrong; undefined when a text of theirs was wrong already.
 */
export function installerResources(read: Read): InstallerResources | string | undefined {
  const requests = read.setting(SETTINGS.installer.requests);
  const limits = read.setting(SETTINGS.installer.limits);
  if (requests.value === undefined || limits.value === undefined) return undefined;
  const parsed = parseInstallerResources(requests.value, limits.value);
  return typeof parsed === "string" ? `${requests.name}, ${limits.name}: ${parsed}` : parsed;
}

/**
 * A review whose lookups still run when the shutdown delay ends needs up to --lookup-timeout more
 * to be answered; a shorter drain cuts it. Only a notice: the review then fails as a timeout would.
 */
export function drainNotices(read: Read): string[] {
  const drain = read.setting(SETTINGS.drainTimeoutMs);
  const lookup = read.setting(SETTINGS.registry.lookupTimeoutMs);
  if (drain.value === undefined || lookup.value === undefined || drain.value > lookup.value)
    return [];
  return [
    `${drain.name} (${formatDuration(drain.value)}) is not above ${lookup.name} (${formatDuration(lookup.value)}): on shutdown, a review still waiting for its image lookups may have its connection cut`,
  ];
}
