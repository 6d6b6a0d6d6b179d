// podinit-e2e/scratch-app: FROM scratch with one static program at /app and no shell, like distroless images.

import { contentHash } from "./content-hash.js";
import { buildFromContainerfile, cachedImage, imageReference } from "./image-store.js";
import { signalAppBinary } from "./signal-app-binary.js";

const CONTAINERFILE = ["FROM scratch", "COPY app /app", 'CMD ["/app"]', ""].join("\n");

export async function scratchAppImage(): Promise<string> {
  const binary = await signalAppBinary();
  const hash = contentHash([{ file: binary }, { text: CONTAINERFILE }]);
  return cachedImage(imageReference("scratch-app", hash), reference =>
    buildFromContainerfile(reference, CONTAINERFILE, new Map([["app", binary]])),
  );
}
