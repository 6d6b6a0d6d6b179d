// Lays out the few directories and files every Linux rootfs needs and packs a rootfs into a tar for `podman import`.

import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { runProcessOrThrow } from "./process-run.js";

/** The mount points runc expects, a world-writable /tmp, and names for the users tests run as. */
export function writeRootfsSkeleton(root: string): void {
  for (const dir of ["bin", "dev", "etc", "proc", "sys", "tmp", "root"]) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  chmodSync(join(root, "tmp"), 0o1777);
  writeFileSync(
    join(root, "etc", "passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/tmp:/bin/sh\n",
  );
  writeFileSync(join(root, "etc", "group"), "root:x:0:\nnonroot:x:65532:\n");
}

/** Owned by root in the archive whatever the files' owners are on this machine. */
export async function packRootfs(root: string, tarPath: string): Promise<void> {
  await runProcessOrThrow(
    "tar",
    ["--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", tarPath, "."],
    { timeoutMs: 600_000 },
  );
}
