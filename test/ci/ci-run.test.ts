// .ci/run around a stand-in for make (PODINIT_CI_MAKE): the summary is its last line whatever make did.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CI_RUN = new URL("../../.ci/run", import.meta.url).pathname;

const scratch = mkdtempSync(join(tmpdir(), "podinit-ci-run-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let fakes = 0;

// Should .ci/run ever ignore PODINIT_CI_MAKE, this make on PATH fails at once instead of the
// real one starting a whole `make test` from inside a test.
const guardBin = join(scratch, "bin");
mkdirSync(guardBin);
writeFileSync(join(guardBin, "make"), "#!/bin/sh\necho 'the real make was called'\nexit 97\n", {
  mode: 0o755,
});

/** Runs .ci/run with a fake make that runs this shell script instead of `make test`. */
function ciRun(script: string) {
  const fake = join(scratch, `make-${++fakes}`);
  writeFileSync(fake, `#!/usr/bin/env bash\n${script}\n`, { mode: 0o755 });
  const result = spawnSync(CI_RUN, [], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${guardBin}:${process.env["PATH"]}`, PODINIT_CI_MAKE: fake },
    timeout: 20_000,
  });
  return { lines: result.stdout.trimEnd().split("\n"), status: result.status };
}

describe(".ci/run", () => {
  it("passes make's output through unchanged when the summary is already last", () => {
    expect(ciRun('echo "vitest output"; echo "5 passed, 0 failed"')).toEqual({
      lines: ["vitest output", "5 passed, 0 failed"],
      status: 0,
    });
  });

  it("repeats the summary after make's error line, and exits with make's code", () => {
    const { lines, status } = ciRun(
      'echo "3 passed, 1 failed"; echo "make: *** [Makefile:121: test] Error 1" >&2; exit 2',
    );
    expect(lines.slice(-2)).toEqual([
      "make: *** [Makefile:121: test] Error 1",
      "3 passed, 1 failed",
    ]);
    expect(status).toBe(2);
  });

  it("prints a failed summary when make stops before the tests", () => {
    const { lines, status } = ciRun(
      'echo "error TS2322: nope" >&2; echo "make[1]: *** [Makefile:104: typecheck] Error 2" >&2; exit 2',
    );
    expect(lines.slice(-2)).toEqual([
      "make test exited 2 before its test summary",
      "0 passed, 1 failed",
    ]);
    expect(status).toBe(2);
  });

  it("fails when make succeeds without printing a summary", () => {
    const { lines, status } = ciRun('echo "nothing to see"');
    expect(lines.at(-1)).toBe("0 passed, 1 failed");
    expect(status).toBe(1);
  });

  it("does not let a summary without failures stand when make failed", () => {
    const { lines, status } = ciRun('echo "7 passed, 0 failed"; exit 2');
    expect(lines.at(-1)).toBe("7 passed, 1 failed");
    expect(status).toBe(2);
  });

  it("does not take an earlier summary-like line for the summary", () => {
    const { lines, status } = ciRun('echo "1 passed, 0 failed"; echo "lint: 3 problems"; exit 2');
    expect(lines.at(-1)).toBe("0 passed, 1 failed");
    expect(status).toBe(2);
  });
});
