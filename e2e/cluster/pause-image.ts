// The node's sandbox image, built here: Kubernetes' own pause.c from the pinned release's module, static with musl, FROM scratch.

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

import { contentHash } from "../../test/support/e2e/content-hash.js";
import { HarnessError } from "../../test/support/e2e/harness-error.js";
import {
  buildFromContainerfile,
  cachedImage,
  imageReference,
} from "../../test/support/e2e/image-store.js";
import { runProcessOrThrow } from "../../test/support/e2e/process-run.js";
import { E2E_CACHE } from "../../test/support/e2e/project-paths.js";

const CONTAINERFILE = [
  "FROM scratch",
  "COPY pause /pause",
  "USER 65535:65535",
  'ENTRYPOINT ["/pause"]',
  "",
].join("\n");

/** `kubernetes-v1.37.2` → pause.c in the Go module cache (the build downloaded the module). */
async function pauseSource(kubernetes: string): Promise<string> {
  const { stdout } = await runProcessOrThrow("go", ["env", "GOMODCACHE"]);
  const version = kubernetes.replace(/^kubernetes-/, "");
  const source = join(stdout.trim(), `k8s.io/kubernetes@${version}`, "build/pause/linux/pause.c");
  if (!existsSync(source)) {
    throw new HarnessError(
      "ERR_INPUT_MISSING",
      `${source} is missing: build ${kubernetes} first (e2e/cluster/build/build.sh ${kubernetes})`,
    );
  }
  return source;
}

export async function pauseImage(kubernetes: string): Promise<string> {
  const source = await pauseSource(kubernetes);
  const hash = contentHash([{ file: source }, { text: CONTAINERFILE }]);
  return cachedImage(imageReference("pause", hash), async reference => {
    const dir = join(E2E_CACHE, "bin");
    mkdirSync(dir, { recursive: true });
    const binary = join(dir, `pause-${hash}`);
    await runProcessOrThrow("musl-gcc", [
      "-static",
      "-Os",
      "-s",
      `-DVERSION=${kubernetes}`,
      "-o",
      binary,
      source,
    ]);
    await buildFromContainerfile(reference, CONTAINERFILE, new Map([["pause", binary]]));
  });
}
