// podinit-e2e/busybox: Debian's busybox-static with every applet linked plus signal-app, the small shell image of most scenarios.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { contentHash } from "./content-hash.js";
import { HarnessError } from "./harness-error.js";
import { cachedImage, imageReference, importRootfsTar } from "./image-store.js";
import { runProcessOrThrow } from "./process-run.js";
import { packRootfs, writeRootfsSkeleton } from "./rootfs-tar.js";
import { signalAppBinary } from "./signal-app-binary.js";

const BUSYBOX_BINARY = "/bin/busybox";
const RECIPE = "busybox-rootfs v2";
export const ROOTFS_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const CHANGES = [`ENV ${ROOTFS_PATH_ENV}`, 'CMD ["/bin/sh"]'];

export async function busyboxImage(): Promise<string> {
  if (!existsSync(BUSYBOX_BINARY)) {
    throw new HarnessError(
      "ERR_INPUT_MISSING",
      `${BUSYBOX_BINARY} is missing: install Debian's busybox-static (\`make deps\`)`,
    );
  }
  const signalApp = await signalAppBinary();
  const hash = contentHash([
    { file: BUSYBOX_BINARY },
    { file: signalApp },
    { text: RECIPE },
    { text: CHANGES.join("\n") },
  ]);
  return cachedImage(imageReference("busybox", hash), async reference => {
    const work = mkdtempSync(join(tmpdir(), "podinit-e2e-busybox-"));
    try {
      const root = join(work, "rootfs");
      writeRootfsSkeleton(root);
      copyFileSync(BUSYBOX_BINARY, join(root, "bin", "busybox"));
      // An app that logs the signals it receives, for scenarios that wrap it in a shell.
      mkdirSync(join(root, "usr", "local", "bin"), { recursive: true });
      copyFileSync(signalApp, join(root, "usr", "local", "bin", "signal-app"));
      const { stdout } = await runProcessOrThrow(BUSYBOX_BINARY, ["--list"]);
      // All applets in /bin: scripts written for any distro find sh, sleep, ps, kill there.
      for (const applet of stdout.split("\n").filter(name => name !== "" && name !== "busybox")) {
        symlinkSync("busybox", join(root, "bin", applet));
      }
      const tarPath = join(work, "rootfs.tar");
      await packRootfs(root, tarPath);
      await importRootfsTar(tarPath, reference, CHANGES);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}
