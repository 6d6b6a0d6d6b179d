// The conformance suite against podinit, tini, tini-static, dumb-init and catatonit: the score table.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CASES } from "../test/conformance/cases.js";
import { buildPrograms, runCase, type Outcome } from "../test/conformance/harness.js";
import { INITS, PODINIT, type Placement } from "../test/conformance/inits.js";
import { killLeftovers, taggedProcesses } from "../test/support/tracked-processes.js";
import type { BenchSection, Check } from "./report.js";

interface Row {
  readonly id: string;
  readonly kind: "mirror" | "extension";
  readonly title: string;
  readonly mirrors: string;
  readonly placement: Placement;
  readonly outcomes: ReadonlyMap<string, Outcome>;
}

function cell(outcome: Outcome | undefined, note: () => number): string {
  if (outcome === undefined || outcome.result === "not expressible") return "–";
  return outcome.result === "pass" ? "pass" : `**fail** [${note()}]`;
}

/** A failure's message on one line of the table's notes, cut to a readable length. */
function oneLine(message: string): string {
  const line = message.replace(/\s+/g, " ").replaceAll("|", "\\|").trim();
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}

function totalRow(
  label: string,
  names: readonly string[],
  rows: readonly Row[],
  among: (row: Row) => boolean,
): string {
  const cells = names.map(name => {
    const { applicable, passed } = tally(rows, name, among);
    return `**${passed}/${applicable}**`;
  });
  return `| **${label}** | | | ${cells.join(" | ")} |`;
}

function tally(rows: readonly Row[], init: string, among: (row: Row) => boolean) {
  const applicable = rows.filter(
    r => among(r) && r.outcomes.get(init)?.result !== "not expressible",
  );
  return {
    applicable: applicable.length,
    passed: applicable.filter(r => r.outcomes.get(init)?.result === "pass").length,
  };
}

export async function benchConformance(): Promise<BenchSection> {
  const programsDir = mkdtempSync(join(tmpdir(), "podinit-conformance-programs-"));
  const rows: Row[] = [];
  try {
    const program = buildPrograms(programsDir);
    for (const c of CASES) {
      for (const placement of c.placements) {
        const outcomes = new Map<string, Outcome>();
        for (const init of INITS) {
          const outcome = await runCase(c, init, placement, program);
          outcomes.set(init.name, outcome);
          console.log(`conformance ${c.id} (${placement}) ${init.name}: ${outcome.result}`);
        }
        rows.push({ ...c, placement, outcomes });
      }
    }
  } finally {
    await killLeftovers();
    rmSync(programsDir, { recursive: true, force: true });
  }
  const leftovers = taggedProcesses().length;

  const names = INITS.map(i => i.name);
  const notes: string[] = [];
  const table = [
    `| case | kind | where | ${names.join(" | ")} |`,
    `| --- | --- | --- | ${names.map(() => "---").join(" | ")} |`,
    ...rows.map(row => {
      const cells = names.map(name =>
        cell(row.outcomes.get(name), () => {
          const outcome = row.outcomes.get(name);
          const detail = outcome?.result === "fail" ? oneLine(outcome.detail) : "";
          notes.push(`${name}, ${row.id} (${row.placement}): ${detail}`);
          return notes.length;
        }),
      );
      return `| ${row.id} | ${row.kind} | ${row.placement === "pid1" ? "PID 1" : "process"} | ${cells.join(" | ")} |`;
    }),
    totalRow("mirrors passed", names, rows, row => row.kind === "mirror"),
    totalRow("all passed", names, rows, () => true),
  ];
  const cases = CASES.map(c => `- **${c.id}** (${c.kind}): ${c.title}. ${c.mirrors}.`);

  const podinit = tally(rows, PODINIT.name, () => true);
  // Compared on the peers' own tests only: an extension asks more than the peer ever promised.
  const behind = INITS.filter(i => i !== PODINIT).map(peer => {
    const expressible = (row: Row) =>
      row.kind === "mirror" && row.outcomes.get(peer.name)?.result !== "not expressible";
    const theirs = tally(rows, peer.name, expressible);
    const ours = tally(rows, PODINIT.name, expressible);
    return { peer: peer.name, ours: ours.passed, theirs: theirs.passed, of: theirs.applicable };
  });
  const checks: Check[] = [
    {
      name: "conformance: podinit fails no case",
      target: "every case passes, no process left behind",
      measured: `${podinit.passed}/${podinit.applicable} passed, ${leftovers} left behind`,
      pass: podinit.passed === podinit.applicable && leftovers === 0,
    },
    {
      name: "conformance: podinit ahead of every peer on the same cases",
      target:
        "more of the peers' own tests (mirrors) passed than each peer, counting only what the peer can express",
      measured: behind.map(b => `${b.peer} ${b.theirs} vs ${b.ours} of ${b.of}`).join("; "),
      pass: behind.every(b => b.ours > b.theirs),
    },
  ];

  const markdown = [
    "The cases restate, in this project's words, what tini's `test/` and dumb-init's `tests/` check;",
    "test/conformance/cases.ts has them, and `make test` runs them against podinit. Here every init",
    "runs each case, as PID 1 of a fresh PID namespace and as an ordinary process (tini with `-s`,",
    "the way it asks to be run there). – : the init has no way to express what the case asks",
    "(a rewrite, an exit-code remap, a verbose mode, a subreaper outside PID 1). A mirror restates",
    "a peer's test as it is; an extension goes past it (signals 32-64, the shell's 126 and 127, a",
    "real interactive shell): podinit's promises, on which the peers are not judged.",
    "",
    ...table,
    "",
    ...(notes.length === 0
      ? []
      : ["Why each failure failed:", "", ...notes.map((n, i) => `${i + 1}. ${n}`), ""]),
    "The cases:",
    "",
    ...cases,
  ].join("\n");
  return { title: "Conformance with the peers' test suites", markdown, checks };
}
