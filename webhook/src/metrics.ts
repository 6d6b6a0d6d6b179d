// Prometheus counters and a histogram in the text exposition format, with no dependency.

type Labels = Readonly<Record<string, string>>;

interface Metric {
  render(): string[];
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function labelText(labels: Labels, extra?: readonly [string, string]): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra !== undefined) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

/** Callers always pass a metric's labels in the same order, so no sorting on this hot path. */
function keyOf(labels: Labels): string {
  let key = "";
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

interface Entry {
  readonly labels: Labels;
  value: number;
}

/** Where an index level keeps its entry; label names never look like this. */
const ENTRY = "\u0000";

function child(level: Map<string, unknown>, key: string): Map<string, unknown> {
  let next = level.get(key) as Map<string, unknown> | undefined;
  if (next === undefined) level.set(key, (next = new Map<string, unknown>()));
  return next;
}

/**
 * A label whose values come from what users write (the registry of a pod's image): the first `max`
 * values seen keep their name, later ones are counted as "other", so no tenant can grow the
 * number of series without bound.
 */
export interface CappedLabel {
  readonly name: string;
  readonly max: number;
}

const OTHER_LABEL_VALUE = "other";

export class Counter implements Metric {
  private readonly values = new Map<string, Entry>();
  /** The capped label's values that have their own series. */
  private readonly named = new Set<string>();
  /**
   * Label name, then value, then the next name…: counting a review walks maps keyed by strings
   * it already holds, instead of hashing a key string built anew for every increment.
   */
  private readonly index = new Map<string, unknown>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly type: "counter" | "gauge" = "counter",
    private readonly capped: CappedLabel | null = null,
  ) {}

  inc(given: Labels = {}, by = 1): void {
    const labels = this.capped === null ? given : this.withCap(given, this.capped);
    let level = this.index;
    for (const name in labels) level = child(child(level, name), labels[name] ?? "");
    const entry = level.get(ENTRY) as Entry | undefined;
    if (entry !== undefined) {
      entry.value += by;
      return;
    }
    const created: Entry = { labels, value: by };
    level.set(ENTRY, created);
    this.values.set(keyOf(labels), created);
  }

  private withCap(labels: Labels, capped: CappedLabel): Labels {
    const value = labels[capped.name];
    if (value === undefined || this.named.has(value)) return labels;
    if (this.named.size < capped.max) {
      this.named.add(value);
      return labels;
    }
    return { ...labels, [capped.name]: OTHER_LABEL_VALUE };
  }

  /** For a gauge: replaces the value for these labels. */
  set(labels: Labels, value: number): void {
    this.inc(labels, value - this.get(labels));
  }

  /** The current value for these labels (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.values.values()) {
      lines.push(`${this.name}${labelText(labels)} ${value}`);
    }
    return lines;
  }
}

export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const index = this.buckets.findIndex(bound => value <= bound);
    if (index !== -1) this.counts[index] = (this.counts[index] ?? 0) + 1;
  }

  get observations(): number {
    return this.count;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    this.buckets.forEach((bound, i) => {
      cumulative += this.counts[i] ?? 0;
      lines.push(`${this.name}_bucket${labelText({}, ["le", String(bound)])} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines;
  }
}

/** Registries with a series of their own in image_lookups_total: a cluster pulls from a few. */
export const REGISTRY_LABELS_MAX = 64;

/** The webhook's instruments; one instance per app, passed in rather than global. */
export interface WebhookMetrics {
  readonly requests: Counter;
  readonly reviews: Counter;
  readonly reviewBytesHeld: Counter;
  readonly reviewSeconds: Histogram;
  readonly podsInjected: Counter;
  readonly podsSkipped: Counter;
  readonly containersSkipped: Counter;
  readonly warnings: Counter;
  readonly errors: Counter;
  readonly failOpen: Counter;
  readonly tlsReloads: Counter;
  readonly imageLookups: Counter;
  readonly imageLookupFailures: Counter;
  readonly injectionMode: Counter;
  readonly modeChanges: Counter;
  render(): string;
}

export function createWebhookMetrics(version: string): WebhookMetrics {
  const p = "podinit_webhook_";
  const buildInfo = new Counter(`${p}build_info`, "Version of the running webhook.", "gauge");
  buildInfo.inc({ version });
  const metrics = {
    requests: new Counter(
      `${p}http_requests_total`,
      "HTTP requests answered, by route and status.",
    ),
    reviews: new Counter(`${p}reviews_total`, "Admission reviews answered, by decision."),
    reviewBytesHeld: new Counter(
      `${p}review_bytes_held`,
      "Bytes of reviews being received or answered now, held or reserved, counted against --body-budget.",
      "gauge",
    ),
    reviewSeconds: new Histogram(
      `${p}review_duration_seconds`,
      "Time to answer one admission review, from parsed body to reply.",
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    ),
    podsInjected: new Counter(`${p}pods_injected_total`, "Pods that got podinit."),
    podsSkipped: new Counter(`${p}pods_skipped_total`, "Pods left without podinit, by reason."),
    containersSkipped: new Counter(
      `${p}containers_skipped_total`,
      "Containers of injected or skipped pods left unwrapped, by reason.",
    ),
    warnings: new Counter(
      `${p}admission_warnings_total`,
      "Admission warnings returned to clients.",
    ),
    errors: new Counter(
      `${p}errors_total`,
      "Requests answered with an error or failing inside, by code.",
    ),
    failOpen: new Counter(
      `${p}fail_open_total`,
      "Pods admitted unchanged because the webhook itself failed on them.",
    ),
    tlsReloads: new Counter(`${p}tls_reloads_total`, "Certificate reloads, by result."),
    imageLookups: new Counter(
      `${p}image_lookups_total`,
      `ENTRYPOINT/CMD lookups per container, by outcome (resolved, annotation, failed) and registry (the first ${REGISTRY_LABELS_MAX} seen; then "${OTHER_LABEL_VALUE}").`,
      "counter",
      { name: "registry", max: REGISTRY_LABELS_MAX },
    ),
    imageLookupFailures: new Counter(
      `${p}image_lookup_failures_total`,
      "Failed ENTRYPOINT/CMD lookups, by error code.",
    ),
    injectionMode: new Counter(
      `${p}injection_mode`,
      "1 for the mode pods get unless they or their namespace name one, 0 for the other; under auto, reason says why.",
      "gauge",
    ),
    modeChanges: new Counter(
      `${p}injection_mode_changes_total`,
      "Times --injection-mode=auto changed its choice, by the mode chosen.",
    ),
  };
  const all: Metric[] = [buildInfo, ...Object.values(metrics)];
  return { ...metrics, render: () => all.flatMap(m => m.render()).join("\n") + "\n" };
}
