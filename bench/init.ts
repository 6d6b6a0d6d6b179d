// Measures podinit side by side with Debian's tini, tini-static, dumb-init and catatonit.
// Part of `make bench` (bench/run.ts); alone: npx tsx bench/init.ts [--quick]

import { pathToFileURL } from "node:url";
import { measureBinaries, measureReaping, measureRss, measureTrue } from "./init-measurements.js";
import { measureSigterm } from "./init-sigterm.js";
import { INIT_TARGETS } from "./init-targets.js";
import { checksOf, printSection, type BenchSection } from "./report.js";

export async function benchInit(quick: boolean): Promise<BenchSection> {
  const binaries = measureBinaries();
  const rss = await measureRss(quick ? 3 : 7);
  const trueRun = measureTrue(quick ? 100 : 300);
  const reaping = measureReaping(quick ? 2 : 5);
  const sigterm = await measureSigterm(quick ? 3 : 10);
  const checks = checksOf(INIT_TARGETS, {
    podinitBytes: binaries.podinitBytes,
    podinitStatic: binaries.podinitStatic,
    podinitKb: rss.podinitKb,
    trueRatio: trueRun.ratio,
    podinitLag: reaping.podinitLag,
    tiniLag: reaping.tiniLag,
    sigtermMs: sigterm.podinitMs,
  });
  const markdown = [
    "### Binary",
    "",
    ...binaries.rows,
    "",
    "### Own memory while supervising `sleep`",
    "",
    ...rss.rows,
    "",
    "### Running `/bin/true` through the init (hyperfine, two passes in opposite order)",
    "",
    ...trueRun.rows,
    "",
    "### Reaping 2,000 orphans that exit at the same instant (init is PID 1; `bench/reap_storm.py`)",
    "",
    ...reaping.rows,
    "",
    "### SIGTERM to PID 1 running `sh -c 'sleep 1000'`",
    "",
    ...sigterm.rows,
    "",
  ].join("\n");
  return { title: "podinit (the PID-1 binary)", markdown, checks };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  printSection(await benchInit(process.argv.includes("--quick")));
}
