// The inits the init section measures: podinit and its peers, each run as it asks to be outside PID 1.

import { execFileSync } from "node:child_process";
import { INITS as CONFORMANCE_INITS } from "../test/conformance/inits.js";
import { PODINIT_BINARY } from "../test/support/podinit-binary.js";

export interface Init {
  readonly name: string;
  /** argv that runs the command appended to it */
  readonly argv: readonly string[];
}

/** The conformance suite's inits, each as it asks to be run outside PID 1 (tini with -s). */
export const INITS: readonly Init[] = CONFORMANCE_INITS.map(init => ({
  name: init.name,
  argv: init.argv([], {}, "process"),
}));

/** The file an init runs from: podinit's build output, the peers from the PATH. */
export function binaryOf(init: Init): string {
  return init.name === "podinit"
    ? PODINIT_BINARY
    : execFileSync("sh", ["-c", `command -v ${init.argv[0] ?? ""}`], { encoding: "utf8" }).trim();
}
