import { describe, expect, it } from "vitest";
import {
  Counter,
  createWebhookMetrics,
  Histogram,
  REGISTRY_LABELS_MAX,
} from "../../webhook/src/metrics.js";

describe("Prometheus text format", () => {
  it("renders counters per label set, escaping quotes, backslashes and newlines", () => {
    const counter = new Counter("x_total", "Things.");
    counter.inc({ reason: 'a"b\\c\nd' });
    counter.inc({ reason: "plain" }, 2);
    counter.inc({ reason: "plain" });
    expect(counter.render()).toEqual([
      "# HELP x_total Things.",
      "# TYPE x_total counter",
      'x_total{reason="a\\"b\\\\c\\nd"} 1',
      'x_total{reason="plain"} 3',
    ]);
  });

  it("keeps each label set apart, in the order first counted", () => {
    const counter = new Counter("y_total", "Things.");
    counter.inc({ outcome: "resolved", registry: "r1" });
    counter.inc({ outcome: "failed", registry: "r1" });
    counter.inc({ outcome: "resolved", registry: "r2" }, 3);
    counter.inc({ outcome: "resolved", registry: "r1" });
    counter.inc();
    expect(counter.get({ outcome: "resolved", registry: "r1" })).toBe(2);
    expect(counter.get({ outcome: "resolved", registry: "r2" })).toBe(3);
    expect(counter.get({ outcome: "failed", registry: "r2" })).toBe(0);
    expect(counter.render().slice(2)).toEqual([
      'y_total{outcome="resolved",registry="r1"} 2',
      'y_total{outcome="failed",registry="r1"} 1',
      'y_total{outcome="resolved",registry="r2"} 3',
      "y_total 1",
    ]);
  });

  it("renders cumulative histogram buckets with +Inf, sum and count", () => {
    const histogram = new Histogram("t_seconds", "Time.", [0.1, 1]);
    for (const value of [0.05, 0.5, 0.7, 5]) histogram.observe(value);
    expect(histogram.render().slice(2)).toEqual([
      't_seconds_bucket{le="0.1"} 1',
      't_seconds_bucket{le="1"} 3',
      't_seconds_bucket{le="+Inf"} 4',
      "t_seconds_sum 6.25",
      "t_seconds_count 4",
    ]);
  });
});

describe("image lookups by registry", () => {
  it("give the first registries a series each and count every later one as other, so pods cannot grow the series without bound", () => {
    const metrics = createWebhookMetrics("test");
    // One pod per registry, as a tenant naming 5,000 made-up registries would send.
    for (let i = 0; i < 5000; i++)
      metrics.imageLookups.inc({ outcome: "failed", registry: `r${i}.test` });
    metrics.imageLookups.inc({ outcome: "resolved", registry: "r0.test" });
    const lines = metrics
      .render()
      .split("\n")
      .filter(line => line.startsWith("podinit_webhook_image_lookups_total{"));
    const registries = new Set(lines.map(line => /registry="([^"]*)"/.exec(line)?.[1]));
    expect(registries.size).toBe(REGISTRY_LABELS_MAX + 1);
    expect(registries.has("other")).toBe(true);
    expect(lines).toContain(
      `podinit_webhook_image_lookups_total{outcome="failed",registry="other"} ${5000 - REGISTRY_LABELS_MAX}`,
    );
    // A registry that has its series keeps it for every outcome.
    expect(lines).toContain(
      'podinit_webhook_image_lookups_total{outcome="resolved",registry="r0.test"} 1',
    );
  });
});
