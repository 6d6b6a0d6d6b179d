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

export function renderReport(
  sections: readonly BenchSection[],
  machine: string,
  command: string,
): string {
  const lines = [
    "# Benchmarks",
    "",
    `Written by \`${command}\` on ${new Date().toISOString().slice(0, 10)}; ${machine}.`,
    "Every comparison is measured side by side in the same run; absolute numbers vary with the machine,",
    "the ratios and verdicts are what `make bench` checks.",
    "",
    "## Targets",
    "",
    "| area | target | measured | verdict |",
    "| --- | --- | --- | --- |",
  ];
  for (const section of sections) {
    for (const check of section.checks) {
      lines.push(
        `| ${check.name} | ${check.target} | ${check.measured} | ${check.pass ? "pass" : "**FAIL**"} |`,
      );
    }
  }
  for (const section of sections) lines.push("", `## ${section.title}`, "", section.markdown);
  return lines.join("\n") + "\n";
}
