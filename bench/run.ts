// `make bench`: runs every benchmark section, writes docs/benchmarks.md, fails when a target is missed.
// `--only webhook` (or init, drain, memory, registry, cluster, conformance; comma-separated) reruns those sections and replaces just
// their rows and sections in the existing docs/benchmarks.md. `--quick` shortens every run.
import { cpus, totalmem } from "node:os";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { benchCluster } from "./cluster.js";
import { benchConformance } from "./conformance.js";
import { benchDrain } from "./drain.js";
import { benchInit } from "./init.js";
import { benchMemory } from "./memory.js";
import { benchRegistry } from "./registry.js";
import { benchWebhook } from "./webhook.js";
import { checkLine, mergeReport, renderReport, type BenchSection } from "./report.js";

const SECTIONS: Readonly<Record<string, (quick: boolean) => Promise<BenchSection>>> = {
  init: benchInit,
  webhook: benchWebhook,
  drain: benchDrain,
  memory: benchMemory,
  registry: benchRegistry,
  cluster: benchCluster,
  conformance: benchConformance,
};

const quick = process.argv.includes("--quick");
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt === -1 ? null : (process.argv[onlyAt + 1] ?? "").split(",");
const unknown = (only ?? []).filter(name => !(name in SECTIONS));
if (only !== null && (only.length === 0 || unknown.length > 0)) {
  process.stderr.write(
    `bench: --only takes ${Object.keys(SECTIONS).join(", ")} (comma-separated); got '${only.join(",")}'\n`,
  );
  process.exit(2);
}

const sections: BenchSection[] = [];
for (const [name, run] of Object.entries(SECTIONS)) {
  if (only === null || only.includes(name)) sections.push(await run(quick));
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const flags = [
  ...(only === null ? [] : [`--only ${only.join(",")}`]),
  ...(quick ? ["--quick"] : []),
];
const command = flags.length === 0 ? "make bench" : `make bench BENCH_FLAGS='${flags.join(" ")}'`;
const out = resolve(import.meta.dirname, "..", "docs", "benchmarks.md");
mkdirSync(resolve(out, ".."), { recursive: true });
const report =
  only !== null && existsSync(out)
    ? mergeReport(readFileSync(out, "utf8"), sections, machine, command)
    : renderReport(sections, machine, command);
writeFileSync(out, report);
const failed = sections.flatMap(s => s.checks).filter(c => !c.pass);
for (const check of sections.flatMap(s => s.checks)) console.log(checkLine(check));
console.log(`wrote ${out}`);
process.exit(failed.length === 0 ? 0 : 1);
