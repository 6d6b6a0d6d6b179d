// Where `make init` puts the podinit binary the tests, the conformance suite and the benchmarks run.
import { resolve } from "node:path";

export const PODINIT_BINARY = resolve(import.meta.dirname, "../../dist/podinit");
