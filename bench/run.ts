// `make bench`: runs every benchmark section, writes docs/benchmarks.md, fails when a target is missed.
import { cpus, totalmem } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { benchInit } from "./init.js";
import { benchRegistry } from "./registry.js";
import { benchWebhook } from "./webhook.js";
import { renderReport, type BenchSection } from "./report.js";

const quick = process.argv.includes("--quick");
const sections: BenchSection[] = [];
sections.push(await benchInit(quick));
sections.push(await benchWebhook(quick));
sections.push(await benchRegistry(quick));

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const report = renderReport(
  sections,
  machine,
  quick ? "make bench BENCH_FLAGS=--quick" : "make bench",
);
const out = resolve(import.meta.dirname, "..", "docs", "benchmarks.md");
mkdirSync(resolve(out, ".."), { recursive: true });
writeFileSync(out, report);
const failed = sections.flatMap(s => s.checks).filter(c => !c.pass);
for (const check of sections.flatMap(s => s.checks)) {
  console.log(
    `${check.pass ? "pass" : "FAIL"}  ${check.name}: ${check.measured} (target ${check.target})`,
  );
}
console.log(`wrote ${out}`);
process.exit(failed.length === 0 ? 0 : 1);
