// The init section's targets as data: each verdict's figure, its limit, and how the report states both.

import type { Target } from "./report.js";

/** What the init section's verdicts are taken on. */
export interface InitFigures {
  readonly podinitBytes: number;
  readonly podinitStatic: boolean;
  /** podinit's own peak RSS, KB (median of runs). */
  readonly podinitKb: number;
  /** Median wall time of /bin/true through podinit over that through tini-static. */
  readonly trueRatio: number;
  /** Median reap lag after the last of 2,000 orphans exits, ms, under podinit and under tini. */
  readonly podinitLag: number;
  readonly tiniLag: number;
  /** Median time from SIGTERM until podinit's namespace is gone, ms; Infinity if it once never went. */
  readonly sigtermMs: number;
}

/** The limits, named, so each row's stated target and its bounds share one number. */
const LIMIT = {
  binaryBytes: 1_000_000,
  ownRssKb: 2048,
  trueRatio: 1.5,
  /** Reap lags this close to tini's are timer noise, not a slower loop. */
  reapLagOverTiniMs: 1,
  sigtermMs: 50,
} as const;

export const INIT_TARGETS: readonly Target<InitFigures>[] = [
  {
    name: "binary size, static",
    target: `≤ ${(LIMIT.binaryBytes / 1e6).toFixed(1)} MB, static`,
    bounds: [
      { of: f => f.podinitBytes, at: "most", limit: LIMIT.binaryBytes },
      { of: f => (f.podinitStatic ? 1 : 0), at: "least", limit: 1 },
    ],
    measured: f =>
      `${(f.podinitBytes / 1e6).toFixed(3)} MB, ${f.podinitStatic ? "static" : "dynamic"}`,
  },
  {
    name: "podinit's own peak RSS",
    target: `≤ ${LIMIT.ownRssKb / 1024} MB`,
    bounds: [{ of: f => f.podinitKb, at: "most", limit: LIMIT.ownRssKb }],
    measured: f => `${f.podinitKb} KB`,
  },
  {
    name: "/bin/true through the init",
    target: `median ≤ ${LIMIT.trueRatio} × tini-static`,
    bounds: [{ of: f => f.trueRatio, at: "most", limit: LIMIT.trueRatio }],
    measured: f => `${f.trueRatio.toFixed(2)} ×`,
  },
  {
    name: "reap lag, 2,000 orphans",
    target: `≤ tini's + ${LIMIT.reapLagOverTiniMs} ms (below that is timer noise)`,
    bounds: [{ of: f => f.podinitLag - f.tiniLag, at: "most", limit: LIMIT.reapLagOverTiniMs }],
    measured: f => `${f.podinitLag.toFixed(1)} ms vs tini ${f.tiniLag.toFixed(1)} ms`,
  },
  {
    name: "SIGTERM → everything gone (sh -c 'sleep 1000')",
    target: `≤ ${LIMIT.sigtermMs} ms`,
    bounds: [{ of: f => f.sigtermMs, at: "most", limit: LIMIT.sigtermMs }],
    measured: f => `${f.sigtermMs.toFixed(2)} ms`,
  },
];
