// Adds up the vitest JSON reports of one `make test` run into the plain line CI reads.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

// The reports a whole run writes, named after the directory (the Makefile names every one: unit,
// e2e and one per test cluster): a run without one of them did not test everything, whatever the
// others say. Without names, the outputFiles of test/vitest.config.ts and e2e/vitest.config.ts.
const EXPECTED = process.argv.length > 3 ? process.argv.slice(3) : ["unit.json", "e2e.json"];

const dir = process.argv[2] ?? ".cache/test-results";
let passed = 0;
let failed = 0;
let skipped = 0;
const notes = [];
/** Counts per report and area (a test file's directory, two levels deep: test/webhook, e2e/cluster). */
const areas = new Map();

const reports = listReports(dir);
for (const name of EXPECTED.filter(name => !reports.includes(name))) {
  notes.push(`${name}: missing from ${dir}, so that suite did not finish`);
  failed++;
}
for (const name of reports) failed += countReport(name);

for (const [area, count] of [...areas].sort())
  console.log(`${area}: ${count.passed} passed, ${count.failed} failed`);
for (const note of notes) console.log(note);
if (skipped > 0) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;

function listReports(from) {
  try {
    return readdirSync(from)
      .filter(f => f.endsWith(".json"))
      .sort();
  } catch {
    return [];
  }
}

// Counts from the per-file results: the top-level numFailedTestSuites also counts every
// describe block above a failed test, and no top-level number counts a file that never ran.
function countReport(name) {
  let report;
  try {
    report = JSON.parse(readFileSync(join(dir, name), "utf8"));
  } catch (error) {
    notes.push(`${name}: unreadable (${error.message})`);
    return 1;
  }
  const files = report.testResults ?? [];
  let failures = 0;
  if (files.length === 0) {
    notes.push(`${name}: no test file ran`);
    failures++;
  }
  for (const file of files) failures += countFile(name, file);
  // vitest exits 1 for errors outside any test (an unhandled rejection, say) that its JSON
  // report leaves out; `make test` writes that exit code beside the report.
  const exitCode = readExitCode(name.replace(/\.json$/, ".exit"));
  if (exitCode !== 0 && failures === 0) {
    notes.push(`${name}: vitest exited ${exitCode} though no test failed (see its errors above)`);
    failures++;
  }
  return failures;
}

function countFile(name, file) {
  let failures = 0;
  let passes = 0;
  for (const test of file.assertionResults ?? []) {
    if (test.status === "passed") passes++;
    else if (test.status === "failed") failures++;
    else skipped++;
  }
  passed += passes;
  // A file that failed to import or collect, or whose describe hook threw, is "failed"
  // with no failed test in it: one failure for the file.
  if (file.status === "failed" && failures === 0) {
    const why = (file.message ?? "").split("\n")[0] || "see vitest's output above";
    notes.push(
      `${name}: ${relative(process.cwd(), file.name ?? "?")} failed outside its tests: ${why}`,
    );
    failures = 1;
  }
  const area = `${name.replace(/\.json$/, "")} ${areaOf(file.name ?? "?")}`;
  const count = areas.get(area) ?? { passed: 0, failed: 0 };
  areas.set(area, { passed: count.passed + passes, failed: count.failed + failures });
  return failures;
}

function areaOf(path) {
  const parts = relative(process.cwd(), path).split("/").slice(0, -1);
  return parts.slice(0, 2).join("/") || ".";
}

function readExitCode(name) {
  try {
    const code = Number.parseInt(readFileSync(join(dir, name), "utf8"), 10);
    return Number.isNaN(code) ? 0 : code;
  } catch {
    return 0;
  }
}
