// Compiles fixtures/signal-app.c with musl into a static binary, cached by the source's hash: the app that reports the signals it gets.

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { contentHash } from "./content-hash.js";
import { runProcessOrThrow } from "./process-run.js";
import { E2E_CACHE } from "./project-paths.js";

const SOURCE = fileURLToPath(new URL("../../../e2e/fixtures/signal-app.c", import.meta.url));
const CFLAGS = ["-static", "-Os", "-s", "-Wall", "-Wextra", "-Werror"];

export async function signalAppBinary(): Promise<string> {
  const hash = contentHash([{ file: SOURCE }, { text: CFLAGS.join(" ") }]);
  const binary = join(E2E_CACHE, "bin", `signal-app-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(join(E2E_CACHE, "bin"), { recursive: true });
  await runProcessOrThrow("musl-gcc", [...CFLAGS, "-o", binary, SOURCE]);
  return binary;
}
