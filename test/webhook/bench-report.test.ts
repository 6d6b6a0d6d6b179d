// The report `make bench BENCH_FLAGS='--only …'` writes: the rerun sections swapped into the last full one.

import { describe, expect, it } from "vitest";
import { mergeReport, renderReport, type BenchSection } from "../../bench/report.js";

const full: BenchSection[] = [
  {
    title: "First",
    markdown: "first body",
    checks: [{ name: "a", target: "≤ 1", measured: "2", pass: false }],
  },
  {
    title: "Second",
    markdown: "second body\n\nmore",
    checks: [
      { name: "b", target: "≤ 1", measured: "3", pass: false },
      { name: "c", target: "≤ 1", measured: "0.5", pass: true },
    ],
  },
  { title: "Third", markdown: "third body", checks: [] },
];

describe("mergeReport", () => {
  it("replaces the rerun section's rows and text, keeps the others, and says what was rerun", () => {
    const before = renderReport(full, "old machine", "make bench");
    const rerun: BenchSection = {
      title: "Second",
      markdown: "new second body",
      checks: [
        { name: "b", target: "≤ 1", measured: "0.9", pass: true },
        { name: "d", target: "new", measured: "1", pass: true },
      ],
    };
    const merged = mergeReport(before, [rerun], "new machine", "make bench BENCH_FLAGS='--only x'");
    const expected = renderReport(
      [full[0] as BenchSection, { ...rerun, checks: [] }, full[2] as BenchSection],
      "old machine",
      "make bench",
    )
      .replace(
        "| a | ≤ 1 | 2 | **FAIL** |",
        "| a | ≤ 1 | 2 | **FAIL** |\n| b | ≤ 1 | 0.9 | pass |\n| c | ≤ 1 | 0.5 | pass |\n| d | new | 1 | pass |",
      )
      .replace(
        /(Written by .*\n)/,
        `$1Rerun alone with \`make bench BENCH_FLAGS='--only x'\` on ${new Date().toISOString().slice(0, 10)} (new machine): Second.\n`,
      );
    expect(merged).toBe(expected);
    // Rerunning the same section again replaces its note instead of piling notes up.
    const again = mergeReport(merged, [rerun], "new machine", "make bench BENCH_FLAGS='--only x'");
    expect(again).toBe(merged);
  });
});
