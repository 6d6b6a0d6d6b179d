// podinit against every conformance case, as PID 1 and as an ordinary process (`make conformance` adds the peers).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requirePodinit } from "../support/podinit-process.js";
import { CASES } from "./cases.js";
import { buildPrograms, CASE_TIMEOUT_MS, runCase } from "./harness.js";
import { PODINIT } from "./inits.js";

const programsDir = mkdtempSync(join(tmpdir(), "podinit-conformance-programs-"));
const program = buildPrograms(programsDir);
beforeAll(requirePodinit);
afterAll(() => rmSync(programsDir, { recursive: true, force: true }));

describe("conformance: podinit passes the peers' own tests", () => {
  it.each(
    CASES.flatMap(c =>
      c.placements.map(placement => [`${c.id}: ${c.title}`, placement, c] as const),
    ),
  )(
    "%s (%s)",
    async (_id, placement, c) => {
      expect(await runCase(c, PODINIT, placement, program)).toEqual({ result: "pass" });
    },
    CASE_TIMEOUT_MS + 30_000,
  );
});
