import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, PODINIT, requirePodinit, runPodinit } from "../support/podinit-process.js";

const dir = makeTempDir("install");
beforeAll(requirePodinit);
afterAll(() => dir.remove());

describe("podinit install DEST", () => {
  it("copies the binary atomically, mode 0755, and may run again", async () => {
    const dest = join(dir.path, "shared", "podinit");
    mkdirSync(join(dir.path, "shared"));
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await runPodinit(["install", dest], { namespace: false, env: {} });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(`podinit: installed to ${dest}\n`);
    }
    expect(readFileSync(dest).equals(readFileSync(PODINIT))).toBe(true);
    expect(statSync(dest).mode & 0o777).toBe(0o755);
    expect(readdirSync(join(dir.path, "shared"))).toEqual(["podinit"]);
    expect(execFileSync(dest, ["--version"], { encoding: "utf8" })).toMatch(/^podinit /);
  });

  it("fails with exit 1 and a hint when the directory does not exist", async () => {
    const result = await runPodinit(["install", join(dir.path, "missing", "podinit")], {
      namespace: false,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("does the directory exist? mount the volume first");
  });

  it("works in a root filesystem that holds nothing but the binary, under a restrictive umask", () => {
    const root = join(dir.path, "scratch-root");
    for (const sub of ["proc", "out"]) mkdirSync(join(root, sub), { recursive: true });
    copyFileSync(PODINIT, join(root, "podinit"));
    const result = spawnSync(
      "unshare",
      [
        "--mount",
        "--pid",
        "--fork",
        "sh",
        "-c",
        `umask 077 && mount -t proc proc ${root}/proc && chroot ${root} /podinit install /out/podinit`,
      ],
      { encoding: "utf8" },
    );
    expect(result.stderr).toBe("podinit: installed to /out/podinit\n");
    expect(result.status).toBe(0);
    expect(readFileSync(join(root, "out", "podinit")).equals(readFileSync(PODINIT))).toBe(true);
    expect(statSync(join(root, "out", "podinit")).mode & 0o777).toBe(0o755);
  });
});
