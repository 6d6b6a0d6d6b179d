// scripts/test-summary.mjs against report directories: synthetic ones in vitest 4's JSON shape, and a real one.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = new URL("../..", import.meta.url).pathname;
const SCRIPT = join(ROOT, "scripts", "test-summary.mjs");
const VITEST = join(ROOT, "node_modules", "vitest", "vitest.mjs");
const FIXTURE_CONFIG = join(ROOT, "test", "ci", "fixtures", "report", "vitest.config.ts");

type TestStatus = "passed" | "failed" | "skipped" | "todo";

interface FileResult {
  name: string;
  status: "passed" | "failed";
  message: string;
  assertionResults: { title: string; status: TestStatus }[];
}

const scratch = mkdtempSync(join(tmpdir(), "podinit-test-summary-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;

/** One test file's entry, "failed" as vitest marks it when one of its tests failed. */
function file(name: string, tests: TestStatus[], message = ""): FileResult {
  return {
    name: join(ROOT, name),
    status: tests.includes("failed") ? "failed" : "passed",
    message,
    assertionResults: tests.map((status, i) => ({ title: `test ${i}`, status })),
  };
}

/** A file that failed outside its tests: an import error, or a describe hook that threw. */
function brokenFile(name: string, tests: TestStatus[], message: string): FileResult {
  return { ...file(name, tests, message), status: "failed" };
}

function report(...files: FileResult[]) {
  const tests = files.flatMap(f => f.assertionResults);
  const count = (status: TestStatus) => tests.filter(t => t.status === status).length;
  return {
    numTotalTests: tests.length,
    numPassedTests: count("passed"),
    numFailedTests: count("failed"),
    numPendingTests: count("skipped"),
    numTodoTests: count("todo"),
    numFailedTestSuites: files.filter(f => f.status === "failed").length,
    success: files.every(f => f.status === "passed"),
    testResults: files,
  };
}

/** A results directory with these files: reports as objects, anything else (exit codes) as text. */
function resultsDir(contents: Record<string, object | string>): string {
  const dir = join(scratch, `run-${++dirs}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(contents))
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

function summarize(dir: string, expected: readonly string[] = []) {
  const result = spawnSync(process.execPath, [SCRIPT, dir, ...expected], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(result.stderr).toBe("");
  const all = result.stdout.trimEnd().split("\n");
  // The per-area counts (`unit test/webhook: 3 passed, 0 failed`) come first; the rest after them.
  const isArea = (line: string): boolean => /^\S+ \S+: \d+ passed, \d+ failed$/.test(line);
  const lines = all.filter(line => !isArea(line));
  return { lines, areas: all.filter(isArea), last: lines.at(-1), status: result.status };
}

const passingE2e = report(file("e2e/pods.test.ts", ["passed", "passed"]));

describe("test-summary", () => {
  it("prints the count per suite and area, then the summary, when every test passed", () => {
    const dir = resultsDir({
      "unit.json": report(
        file("test/init/a.test.ts", ["passed", "passed"]),
        file("test/webhook/b.test.ts", ["passed"]),
        file("test/init/c.test.ts", ["passed"]),
      ),
      "e2e.json": passingE2e,
      "unit.exit": "0\n",
      "e2e.exit": "0\n",
    });
    expect(summarize(dir)).toEqual({
      lines: ["6 passed, 0 failed"],
      areas: [
        "e2e e2e: 2 passed, 0 failed",
        "unit test/init: 3 passed, 0 failed",
        "unit test/webhook: 1 passed, 0 failed",
      ],
      last: "6 passed, 0 failed",
      status: 0,
    });
  });

  it("counts a failed test once", () => {
    const dir = resultsDir({
      "unit.json": report(
        file("test/a.test.ts", ["passed", "failed"]),
        file("test/b.test.ts", ["passed"]),
      ),
      "e2e.json": passingE2e,
    });
    const { last, status } = summarize(dir);
    expect(last).toBe("4 passed, 1 failed");
    expect(status).toBe(1);
  });

  it("counts a file that fails to load as one failure and names it", () => {
    const dir = resultsDir({
      "unit.json": report(
        file("test/a.test.ts", ["passed"]),
        brokenFile("test/b.test.ts", [], "Cannot find module './gone.js'\n    at somewhere"),
      ),
      "e2e.json": passingE2e,
    });
    const { lines, last, status } = summarize(dir);
    expect(last).toBe("3 passed, 1 failed");
    expect(lines).toContain(
      "unit.json: test/b.test.ts failed outside its tests: Cannot find module './gone.js'",
    );
    expect(status).toBe(1);
  });

  it("counts a describe whose hook threw as one failure, its tests as skipped", () => {
    const dir = resultsDir({
      "unit.json": report(brokenFile("test/a.test.ts", ["skipped", "skipped"], "")),
      "e2e.json": passingE2e,
    });
    const { lines, status } = summarize(dir);
    expect(lines.slice(-2)).toEqual(["2 skipped", "2 passed, 1 failed"]);
    expect(status).toBe(1);
  });

  it("counts a missing e2e report as a failure and says so before the summary", () => {
    const dir = resultsDir({ "unit.json": report(file("test/a.test.ts", ["passed"])) });
    const { lines, status } = summarize(dir);
    expect(lines).toEqual([
      `e2e.json: missing from ${dir}, so that suite did not finish`,
      "1 passed, 1 failed",
    ]);
    expect(status).toBe(1);
  });

  it("counts each report the run names and did not write, a test cluster's say, as a failure", () => {
    const dir = resultsDir({
      "unit.json": report(file("test/a.test.ts", ["passed"])),
      "e2e.json": passingE2e,
      "cluster-1.34.json": report(file("e2e/cluster/a.test.ts", ["passed"])),
    });
    const { lines, status } = summarize(dir, [
      "unit.json",
      "e2e.json",
      "cluster-1.34.json",
      "cluster-1.37.json",
    ]);
    expect(lines).toEqual([
      `cluster-1.37.json: missing from ${dir}, so that suite did not finish`,
      "4 passed, 1 failed",
    ]);
    expect(status).toBe(1);
  });

  it("counts both reports as missing when the directory does not exist", () => {
    const { last, status } = summarize(join(scratch, "never-created"));
    expect(last).toBe("0 passed, 2 failed");
    expect(status).toBe(1);
  });

  it("puts skipped and todo tests on the line before the summary", () => {
    const dir = resultsDir({
      "unit.json": report(file("test/a.test.ts", ["passed", "skipped", "todo"])),
      "e2e.json": report(file("e2e/pods.test.ts", ["passed", "skipped"])),
    });
    expect(summarize(dir)).toMatchObject({
      lines: ["3 skipped", "2 passed, 0 failed"],
      last: "2 passed, 0 failed",
      status: 0,
    });
  });

  it("counts a non-zero vitest exit with a clean report as a failure", () => {
    const dir = resultsDir({
      "unit.json": report(file("test/a.test.ts", ["passed"])),
      "e2e.json": passingE2e,
      "unit.exit": "1\n",
    });
    const { lines, last, status } = summarize(dir);
    expect(lines).toContain(
      "unit.json: vitest exited 1 though no test failed (see its errors above)",
    );
    expect(last).toBe("3 passed, 1 failed");
    expect(status).toBe(1);
  });

  it("counts a report without any test file, or one it cannot parse, as a failure", () => {
    const dir = resultsDir({ "unit.json": report(), "e2e.json": "{ truncated" });
    const { lines, last } = summarize(dir);
    expect(lines[0]).toMatch(/^e2e\.json: unreadable \(/);
    expect(lines[1]).toBe("unit.json: no test file ran");
    expect(last).toBe("0 passed, 2 failed");
  });

  // Pins the format the script relies on to what vitest really writes, upgrades included.
  it("counts a real vitest report: nested describes, an import error and a failed hook", () => {
    const dir = resultsDir({ "e2e.json": passingE2e });
    // Without its parent's VITEST* variables, the inner vitest runs as from a shell.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST")),
    );
    const run = spawnSync(
      process.execPath,
      [
        VITEST,
        "run",
        "--config",
        FIXTURE_CONFIG,
        "--reporter=json",
        `--outputFile.json=${join(dir, "unit.json")}`,
      ],
      { cwd: ROOT, encoding: "utf8", env },
    );
    expect(run.status).toBe(1);
    const { lines, status } = summarize(dir);
    // vitest may list the files in any order.
    expect(lines.slice(0, -2).sort()).toEqual([
      "unit.json: test/ci/fixtures/report/broken.fixture.ts failed outside its tests: this module cannot be loaded",
      "unit.json: test/ci/fixtures/report/hook.fixture.ts failed outside its tests: see vitest's output above",
    ]);
    expect(lines.slice(-2)).toEqual(["4 skipped", "4 passed, 3 failed"]);
    expect(status).toBe(1);
  });
});
