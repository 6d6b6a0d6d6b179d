// podinit-e2e/scratch-app: FROM scratch with one static program at /app and no shell, like distroless images.

import { mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { contentHash } from "./content-hash.js";
import { buildFromContainerfile, cachedImage, imageReference } from "./image-store.js";
import { runProcessOrThrow } from "./process-run.js";
import { E2E_CACHE } from "./project-paths.js";

const SOURCE = fileURLToPath(new URL("../fixtures/signal-app.c", import.meta.url));
const CFLAGS = ["-static", "-Os", "-s", "-Wall", "-Wextra", "-Werror"];

/** The signal-app binary itself, also useful to copy into other images. */
export async function signalAppBinary(): Promise<string> {
  const hash = contentHash([{ file: SOURCE }, { text: CFLAGS.join(" ") }]);
  const binary = join(E2E_CACHE, "bin", `signal-app-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(join(E2E_CACHE, "bin"), { recursive: true });
  await runProcessOrThrow("musl-gcc", [...CFLAGS, "-o", binary, SOURCE]);
  return binary;
}

const CONTAINERFILE = ["FROM scratch", "COPY app /app", 'CMD ["/app"]', ""].join("\n");

export async function scratchAppImage(): Promise<string> {
  const binary = await signalAppBinary();
  const hash = contentHash([{ file: binary }, { text: CONTAINERFILE }]);
  return cachedImage(imageReference("scratch-app", hash), reference =>
    buildFromContainerfile(reference, CONTAINERFILE, new Map([["app", binary]])),
  );
}
