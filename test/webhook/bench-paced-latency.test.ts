// The paced-latency figures the webhook benchmark judges its p99 target by.

import { describe, expect, it } from "vitest";
import { pacedLatency, parseRequestLog, type LoggedRequest } from "../../bench/paced-latency.js";

/** `callers` connections each sending `count` reviews every 16 ms (1,000/s for 16), from its phase. */
function arrivals(callers: number, count: number, phase: (caller: number) => number) {
  const period = 16_000;
  const rows: LoggedRequest[] = [];
  for (let caller = 0; caller < callers; caller++) {
    for (let i = 0; i < count; i++) {
      rows.push({ start: 1e15 + phase(caller) + i * period, status: 200, micros: 500 });
    }
  }
  return rows;
}

describe("pacedLatency", () => {
  it("sees 16 callers started together as clustered and 16 spread ones as not", () => {
    const lockStep = pacedLatency(arrivals(16, 60, caller => caller * 3));
    expect(lockStep.clustered).toBeCloseTo(15 / 16, 2);
    const spread = pacedLatency(arrivals(16, 60, caller => caller * 1000));
    expect(spread.clustered).toBe(0);
    expect(spread.n).toBe(960);
  });

  it("takes nearest-rank percentiles in milliseconds and counts failed requests in them", () => {
    const rows: LoggedRequest[] = Array.from({ length: 1000 }, (_, i) => ({
      start: 1e15 + i * 1000,
      status: i < 10 ? 500 : 200,
      micros: (i + 1) * 10,
    }));
    const latency = pacedLatency([...rows].reverse());
    expect(latency.p50).toBeCloseTo(5.0);
    expect(latency.p99).toBeCloseTo(9.9);
    expect(latency.p999).toBeCloseTo(9.99);
    expect(latency.non200).toBe(10);
  });

  it("gives NaN percentiles for an empty log, so an empty run cannot pass a target", () => {
    const latency = pacedLatency([]);
    expect(latency.p99).toBeNaN();
    expect(latency.clustered).toBeNaN();
  });
});

describe("parseRequestLog", () => {
  it("reads h2load's tab-separated rows: start µs, status, duration µs", () => {
    const text = "1700000000000000\t200\t512\n1700000000001000\t503\t20480\n";
    expect(parseRequestLog(text)).toEqual([
      { start: 1700000000000000, status: 200, micros: 512 },
      { start: 1700000000001000, status: 503, micros: 20480 },
    ]);
  });
});
