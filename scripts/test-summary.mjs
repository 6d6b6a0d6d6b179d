// Adds up the vitest JSON reports of one `make test` run into the plain line CI reads.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? ".cache/test-results";
let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;
let files;
try {
  files = readdirSync(dir).filter(f => f.endsWith(".json"));
} catch {
  files = [];
}
for (const file of files) {
  const report = JSON.parse(readFileSync(join(dir, file), "utf8"));
  reports++;
  passed += report.numPassedTests ?? 0;
  failed +=
    (report.numFailedTests ?? 0) +
    (report.numFailedTestSuites ?? 0) -
    countSuiteOnlyFailures(report);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}

// A test file that fails to load counts as one failure even though it reports no failed test.
function countSuiteOnlyFailures(report) {
  return (report.testResults ?? []).filter(
    r => r.status === "failed" && (r.assertionResults ?? []).some(a => a.status === "failed"),
  ).length;
}

if (reports === 0) {
  console.log(`no test report found in ${dir}`);
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
