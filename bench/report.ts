// The shape every benchmark section returns, and the markdown report built from them.

export interface Check {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

export interface BenchSection {
  readonly title: string;
  readonly markdown: string;
  readonly checks: readonly Check[];
}

/** A bound one of a section's figures must stay within. */
export interface Bound<F> {
  readonly of: (figures: F) => number;
  readonly at: "most" | "least";
  readonly limit: number;
}

/**
 * One row of a section's targets table. The bounds are data, so the verdict and the prose that
 * quotes a limit read it from one place and cannot drift apart.
 */
export interface Target<F> {
  readonly name: string;
  /** The target as the report states it. */
  readonly target: string;
  /** Every one must hold for a pass; a NaN figure holds none. */
  readonly bounds: readonly Bound<F>[];
  readonly measured: (figures: F) => string;
}

/** A section's targets table judged on its figures. */
export function checksOf<F>(targets: readonly Target<F>[], figures: F): Check[] {
  return targets.map(t => ({
    name: t.name,
    target: t.target,
    measured: t.measured(figures),
    pass: t.bounds.every(b =>
      b.at === "most" ? b.of(figures) <= b.limit : b.of(figures) >= b.limit,
    ),
  }));
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** One check as `make bench` prints it: verdict, name, measured value, target. */
export function checkLine(check: Check): string {
  return `${check.pass ? "pass" : "FAIL"}  ${check.name}: ${check.measured} (target ${check.target})`;
}

/** A section run on its own (npx tsx bench/<section>.ts): printed, and failing the exit status when a target is missed. */
export function printSection(section: BenchSection): void {
  console.log(`## ${section.title}\n\n${section.markdown}\n`);
  for (const check of section.checks) console.log(checkLine(check));
  process.exitCode = section.checks.every(c => c.pass) ? 0 : 1;
}

function targetRow(check: Check): string {
  return `| ${check.name} | ${check.target} | ${check.measured} | ${check.pass ? "pass" : "**FAIL**"} |`;
}

export function renderReport(
  sections: readonly BenchSection[],
  machine: string,
  command: string,
): string {
  const lines = [
    "# Benchmarks",
    "",
    `Written by \`${command}\` on ${today()}; ${machine}.`,
    "Every comparison is measured side by side in the same run; absolute numbers vary with the machine,",
    "the ratios and verdicts are what `make bench` checks.",
    "",
    "## Targets",
    "",
    "| area | target | measured | verdict |",
    "| --- | --- | --- | --- |",
  ];
  for (const section of sections) for (const check of section.checks) lines.push(targetRow(check));
  for (const section of sections) lines.push("", `## ${section.title}`, "", section.markdown);
  return lines.join("\n") + "\n";
}

/**
 * The existing report with the rerun sections swapped in: their target rows (matched by name,
 * new ones appended to the table) and their `## title` sections. A line under the first says
 * which sections were rerun when, so the file never passes one run off as another.
 */
export function mergeReport(
  existing: string,
  sections: readonly BenchSection[],
  machine: string,
  command: string,
): string {
  const lines = existing.trimEnd().split("\n");
  const rows = new Map(sections.flatMap(s => s.checks).map(c => [c.name, targetRow(c)]));
  const tableEnd = (): number => {
    const start = lines.indexOf("## Targets");
    let end = start + 1;
    while (end < lines.length && !lines[end]?.startsWith("## ")) end++;
    while (end > start && lines[end - 1] === "") end--;
    return end;
  };
  for (let i = 0; i < tableEnd(); i++) {
    const name = /^\| (.+?) \|/.exec(lines[i] ?? "")?.[1];
    const row = name === undefined ? undefined : rows.get(name);
    if (row === undefined || name === undefined) continue;
    lines[i] = row;
    rows.delete(name);
  }
  lines.splice(tableEnd(), 0, ...rows.values());
  for (const section of sections) {
    const heading = `## ${section.title}`;
    const body = ["", section.markdown, ""];
    const start = lines.indexOf(heading);
    if (start === -1) {
      lines.push("", heading, ...body);
      continue;
    }
    let end = start + 1;
    while (end < lines.length && !lines[end]?.startsWith("## ")) end++;
    lines.splice(start + 1, end - start - 1, ...body);
  }
  const titles = sections.map(s => s.title);
  // An older note about only these sections is out of date now.
  const stale = (line: string): boolean => {
    const rerun = /^Rerun alone with .*\): (.+)\.$/.exec(line)?.[1]?.split(", ");
    return rerun !== undefined && rerun.every(title => titles.includes(title));
  };
  const kept = lines.filter(line => !stale(line));
  const note = `Rerun alone with \`${command}\` on ${today()} (${machine}): ${titles.join(", ")}.`;
  kept.splice(kept.findIndex(l => l.startsWith("Written by ")) + 1, 0, note);
  lines.splice(0, lines.length, ...kept);
  return lines.join("\n").replace(/\n{3,}/g, "\n\n") + "\n";
}
