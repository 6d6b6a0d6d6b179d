// podinit-e2e/podinit: the injected init image, FROM scratch with nothing but the binary, as the webhook expects it.

import { existsSync } from "node:fs";

import { contentHash } from "./content-hash.js";
import { HarnessError } from "./harness-error.js";
import { buildFromContainerfile, cachedImage, imageReference } from "./image-store.js";
import { DEFAULT_PODINIT_BINARY } from "./project-paths.js";

export interface PodinitImageOptions {
  /** The static binary to ship; dist/podinit unless a stand-in is given. */
  readonly binary?: string;
  /** Where the default command installs the binary: the emptyDir mount plus the file name. */
  readonly installPath?: string;
  /** The image's numeric USER, which the webhook relies on for runAsNonRoot. */
  readonly user?: number;
}

export const DEFAULT_INSTALL_PATH = "/podinit-bin/podinit";
export const PODINIT_IMAGE_USER = 65532;

function containerfile(installPath: string, user: number): string {
  return [
    "FROM scratch",
    "COPY podinit /podinit",
    `USER ${user}`,
    `CMD ${JSON.stringify(["/podinit", "install", installPath])}`,
    "",
  ].join("\n");
}

export async function podinitImage(options: PodinitImageOptions = {}): Promise<string> {
  const binary = options.binary ?? DEFAULT_PODINIT_BINARY;
  if (!existsSync(binary)) {
    throw new HarnessError(
      "ERR_INPUT_MISSING",
      `${binary} does not exist: build it first with \`make init\``,
    );
  }
  const file = containerfile(
    options.installPath ?? DEFAULT_INSTALL_PATH,
    options.user ?? PODINIT_IMAGE_USER,
  );
  const hash = contentHash([{ file: binary }, { text: file }]);
  return cachedImage(imageReference("podinit", hash), reference =>
    buildFromContainerfile(reference, file, new Map([["podinit", binary]])),
  );
}
