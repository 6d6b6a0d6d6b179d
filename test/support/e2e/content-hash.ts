// A short digest of everything an image is made from, used as its tag so a changed input means a new build.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

export type HashInput = { readonly file: string } | { readonly text: string };

export function contentHash(inputs: readonly HashInput[]): string {
  const hash = createHash("sha256");
  for (const input of inputs) {
    // Length-prefixed so that ("ab","c") and ("a","bc") differ.
    const bytes = "file" in input ? readFileSync(input.file) : Buffer.from(input.text, "utf8");
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  }
  return hash.digest("hex").slice(0, 16);
}
